#!/usr/bin/env bash
# Install pausebuddy as a systemd user service for the current (normal, non-root) user,
# so it starts at boot and uses that user's sound server.
# Usage: scripts/install-service.sh [--print]   (--print: only show the unit)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
unit=$(sed "s|@REPO@|$repo|g" "$repo/scripts/pausebuddy.service.in")
if [ "${1:-}" = "--print" ]; then
  printf '%s\n' "$unit"
  exit 0
fi
[ "$(id -u)" -ne 0 ] || { echo "install-service: run it as the user who owns the sound, not root" >&2; exit 1; }
[ -x "$repo/.venv/bin/pausebuddy" ] || "$repo/scripts/setup.sh"
mkdir -p "$HOME/.config/systemd/user"
printf '%s\n' "$unit" > "$HOME/.config/systemd/user/pausebuddy.service"
systemctl --user daemon-reload
systemctl --user enable --now pausebuddy.service
# Start at boot without anyone logging in.
loginctl enable-linger "$USER" 2>/dev/null || sudo loginctl enable-linger "$USER"
echo "install-service: running. Logs: journalctl --user -u pausebuddy -f"
