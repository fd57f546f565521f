#!/usr/bin/env bash
# CTranslate2 4.x (float32, 2 threads) against our decoders on the `small` shape, beam 4, batch 32,
# outputs forced to 100 and 400 tokens, random weights. Installs ctranslate2 from PyPI into the
# ignored .venv-bench when it can; prints one JSON line per result and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
VENV=.venv-bench
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV" || { echo '{"bench":"decode","tool":"ctranslate2","skipped":"no python venv"}'; exit 0; }; fi
if ! "$VENV/bin/python" -c "import ctranslate2, numpy" 2>/dev/null; then
  "$VENV/bin/pip" install -q ctranslate2 numpy >/dev/null 2>&1 || { echo '{"bench":"decode","tool":"ctranslate2","skipped":"pip install ctranslate2 failed"}'; exit 0; }
fi
ours=$("$BIN/mt-bench" decode --configs small --beams 4 --batches 32 --lens 100,400)
echo "$ours"
theirs=$("$VENV/bin/python" bench/ctranslate2_decode.py 100,400)
echo "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
theirs = {o["len"]: o["tok_per_s"] for o in (json.loads(l) for l in sys.argv[2].splitlines() if l.startswith("{"))}
for o in ours:
    if o.get("len") in theirs:
        print(json.dumps({"bench": "decode", "ratio": f"{o['decoder']}/ctranslate2", "len": o["len"],
                          "value": round(o["tok_per_s"] / theirs[o["len"]], 2)}))
PY
