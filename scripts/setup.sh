#!/usr/bin/env bash
# Set up pausebuddy on a fresh Debian / Raspberry Pi OS machine: the Debian packages it
# needs (only those missing), then a virtual environment in .venv with the project in it.
# Usage: scripts/setup.sh [--test]   (--test also installs what the tests need)
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(espeak-ng libespeak-ng1 libportaudio2 libspeexdsp1 sox python3-venv)
# The tests also run the live loop through a real sound server (a null sink as the room),
# trace a whole time-out's system calls to prove nothing leaves the machine, and check
# the service unit with systemd-analyze, and drive `setup` in a terminal (tmux). Missing,
# those tests fail rather than skip.
[ "${1:-}" = "--test" ] && debs+=(pulseaudio pulseaudio-utils libasound2-plugins strace systemd tmux)
missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q -e ".${extras}" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import pausebuddy, pocketsphinx, pyttsx3, sounddevice" \
  || { echo "setup: the Python packages did not install; see the messages above" >&2; exit 1; }
echo "setup: ready (.venv/bin/pausebuddy)"
