#!/usr/bin/env bash
# The 4-7-8 count grid as it reaches a room through a real sound server, not as written.
#
#   bash scripts/measure_live_grid.sh [pausebuddy breathe options]
#
# Starts a private PulseAudio with a null sink as the room, runs `pausebuddy breathe` live
# on it (its speaker and microphone are the room), records the room, and measures the
# recording with scripts/measure_grid.py (worst onset error, cycle lengths). Needs
# pulseaudio and parecord (scripts/setup.sh --test installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=$(mktemp -d)
trap 'PULSE_SERVER=unix:$runtime/native pulseaudio --kill 2>/dev/null || true; rm -rf "$runtime"' EXIT
export XDG_RUNTIME_DIR=$runtime PULSE_RUNTIME_PATH=$runtime PULSE_SERVER=unix:$runtime/native
pulseaudio -n --daemonize=no --exit-idle-time=-1 --disallow-exit \
  "--load=module-native-protocol-unix socket=$runtime/native" \
  "--load=module-null-sink sink_name=room" "--load=module-always-sink" >/dev/null 2>&1 &
for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.2; done
pactl set-default-sink room
pactl set-default-source room.monitor
parecord --device=room.monitor --channels=1 --rate=16000 --file-format=wav \
  "$runtime/room.wav" &
recorder=$!
sleep 1
.venv/bin/pausebuddy breathe "$@"
sleep 1
kill -INT "$recorder"
wait "$recorder" || true
.venv/bin/python scripts/measure_grid.py "$runtime/room.wav"
