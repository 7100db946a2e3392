#!/usr/bin/env bash
# Download and check the Vosk small English model (needs internet; run it once, on any
# machine, then copy the directory over if the Pi is offline).
# Usage: scripts/download_vosk_model.sh [TARGET_DIR]
#   TARGET_DIR defaults to pausebuddy's data dir (~/.local/share/pausebuddy).
set -euo pipefail
name=vosk-model-small-en-us-0.15
url="https://alphacephei.com/vosk/models/${name}.zip"
# alphacephei.com publishes no checksum: the zip is tested and the model's files are
# checked; set VOSK_MODEL_SHA256 to pin the zip you trust (its hash is printed below).
sha256=${VOSK_MODEL_SHA256:-}
target=${1:-${XDG_DATA_HOME:-$HOME/.local/share}/pausebuddy}

if [ -f "$target/$name/am/final.mdl" ]; then
  echo "download_vosk_model: already there: $target/$name"
  exit 0
fi
mkdir -p "$target"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "download_vosk_model: fetching $url"
curl -fL --retry 3 -o "$tmp/$name.zip" "$url"
echo "download_vosk_model: sha256 $(sha256sum "$tmp/$name.zip" | cut -d' ' -f1)"
if [ -n "$sha256" ]; then
  echo "$sha256  $tmp/$name.zip" | sha256sum -c - >/dev/null \
    || { echo "download_vosk_model: checksum mismatch; not installing it" >&2; exit 1; }
fi
python3 -m zipfile -t "$tmp/$name.zip" >/dev/null \
  || { echo "download_vosk_model: the zip is damaged; run it again" >&2; exit 1; }
python3 -m zipfile -e "$tmp/$name.zip" "$tmp/"
for f in am/final.mdl conf/model.conf graph/HCLr.fst graph/Gr.fst ivector/final.ie; do
  [ -f "$tmp/$name/$f" ] || { echo "download_vosk_model: $f missing from the zip" >&2; exit 1; }
done
mv "$tmp/$name" "$target/$name"
echo "download_vosk_model: ready: $target/$name (set hearing.engine: vosk)"
