#!/usr/bin/env bash
# mt-import marian on the committed fixtures (Tests/MTImportTests/Fixtures: tiny trained Hugging
# Face Marian models), then mt-translate on raw text: greedy and beam-4 outputs must equal the
# detokenised `generate` outputs recorded by tools/marian/make_fixtures.py, line for line; the
# .bin and the safetensors of a model must import to the same checkpoint; a pickle that would
# run a command must be refused with the global named (exit status 2).
#
#   BIN=.build/release bash Tests/scripts/marian_import.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-import mt-translate; do
  [ -x "$BIN/$b" ] || { echo "marian_import: $BIN/$b missing" >&2; exit 1; }
done
F=$ROOT/Tests/MTImportTests/Fixtures
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "marian_import: FAIL: $*" >&2; exit 1; }
field() { python3 -c "import json,sys; print('\n'.join(json.load(open(sys.argv[1]))[sys.argv[2]]))" "$1" "$2"; }

for m in tied untied; do
  "$BIN/mt-import" marian "$F/$m/hf" -o "$T/$m" 2> "$T/$m.log" || { cat "$T/$m.log" >&2; fail "import of $m"; }
  field "$F/$m/golden.json" generate_sources > "$T/$m.src"
  field "$F/$m/golden.json" beam4_text > "$T/$m.ref4"
  "$BIN/mt-translate" -m "$T/$m" < "$T/$m.src" > "$T/$m.out4" 2> /dev/null
  cmp -s "$T/$m.out4" "$T/$m.ref4" || { diff "$T/$m.out4" "$T/$m.ref4" | head -5 >&2; fail "$m: beam-4 output differs from generate"; }
  "$BIN/mt-translate" -m "$T/$m" --beam 1 < "$T/$m.src" > "$T/$m.out1" 2> /dev/null
  [ "$(wc -l < "$T/$m.out1")" = "$(wc -l < "$T/$m.src")" ] || fail "$m: greedy line count"
  # .bin in a copy of hf/ without model.safetensors
  mkdir "$T/$m-bin"
  for f in "$F/$m/hf"/*; do [ "$(basename "$f")" = model.safetensors ] || cp "$f" "$T/$m-bin/"; done
  cp "$F/$m/pytorch_model.bin" "$T/$m-bin/"
  "$BIN/mt-import" marian "$T/$m-bin" -o "$T/$m-from-bin" 2> /dev/null || fail "import of $m's pytorch_model.bin"
  cmp -s "$T/$m/checkpoint_best.safetensors" "$T/$m-from-bin/checkpoint_best.safetensors" || fail "$m: .bin and safetensors import differently"
  echo "marian_import: $m: $(wc -l < "$T/$m.src") beam-4 lines identical to generate; .bin ≡ safetensors"
done

mkdir "$T/evil"
for f in "$F/tied/hf"/*; do [ "$(basename "$f")" = model.safetensors ] || cp "$f" "$T/evil/"; done
cp "$F/evil.bin" "$T/evil/pytorch_model.bin"
set +e
"$BIN/mt-import" marian "$T/evil" -o "$T/evil-out" 2> "$T/evil.log"
rc=$?
set -e
[ "$rc" = 2 ] || fail "evil pickle: exit status $rc, expected 2"
grep -q "refusing global posix.system" "$T/evil.log" || { cat "$T/evil.log" >&2; fail "evil pickle: the global is not named"; }
echo "marian_import: OK (malicious pickle refused: $(head -c 160 "$T/evil.log"))"
