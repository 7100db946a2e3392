#!/usr/bin/env bash
# Set up (if needed) and run the demo: a synthesized scene through the real loop.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p out
exec .venv/bin/pausebuddy demo --scene out/demo-scene.wav --output out/demo-said.wav "$@"
