#!/usr/bin/env python3
"""False "stop"s: whole time-out sessions with its own voice back through a room, nobody
saying stop. Usage: bench_false_stops.py RUNS ECHO_GAIN (WIP, next session folds it into
bench_barge_in.py)."""
import sys, os, json, subprocess, tempfile, numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_barge_in import _room, CONFIG
from pausebuddy import audio, scene
runs = int(sys.argv[1]); gain = float(sys.argv[2])
false = 0
for r in range(runs):
    with tempfile.TemporaryDirectory() as name:
        tmp = __import__("pathlib").Path(name)
        env = {**os.environ, **{f"XDG_{k}_HOME": str(tmp / k.lower()) for k in ("CONFIG","STATE","DATA","CACHE")}}
        (tmp/"c.yaml").write_text(CONFIG + "hearing:\n  barge_in: true\n")
        talk = scene.Scene(); talk.add(scene.PIPER, "Pause buddy, time out.", 0.3)
        person = talk.pause(1.0).samples.astype(np.float32)
        audio.write_wav(tmp/"p.wav", audio.to_int16(person))
        run = lambda wav, out=None: subprocess.run([sys.executable, "-m", "pausebuddy", "run", "--config", str(tmp/"c.yaml"), "--input", str(wav), "--events", str(tmp/"e.jsonl")] + (["--output", str(out)] if out else []), env=env, check=True, capture_output=True)
        run(tmp/"p.wav", tmp/"s.wav")
        said = audio.read_wav(tmp/"s.wav").astype(np.float32)
        mic = _room(said, gain); mic[:len(person)] += person
        audio.write_wav(tmp/"m.wav", audio.to_int16(mic)); run(tmp/"m.wav")
        heard = [e for e in map(json.loads, open(tmp/"e.jsonl")) if e["type"] == "heard"]
        stops = [round(e["start"], 1) for e in heard if e["intent"] == "stop"]
        false += bool(stops)
        print(r, stops, flush=True)
print(f"false stops in {false}/{runs} sessions at echo x{gain}")
