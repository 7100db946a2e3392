from pausebuddy.cli import main

raise SystemExit(main())
