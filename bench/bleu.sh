#!/usr/bin/env bash
# BLEU/chrF benchmark (make bench): score a perturbed copy of Multi30k train.de (29,000 lines)
# against train.de with mt-bleu and with the sacrebleu 2.x CLI, timing whole processes
# (start-up, reading, tokenizing, counting, printing). Prints one JSON object per line, then
# ratio lines (target: sacrebleu/mt-bleu >= 20 for BLEU), then checks that both tools print
# the same result lines.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash bench/bleu.sh
#
# sacrebleu is installed into .venv-bench/ (git-ignored) when missing; without it only the
# mt-bleu lines are printed.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
DATA=${MT_DATA_DIR:-../shared/data}
REPEAT=${REPEAT:-5}
MTBLEU="$BIN/mt-bleu"
VENV=.venv-bench
if [ ! -x "$MTBLEU" ]; then echo "bench/bleu.sh: $MTBLEU not found (build with: swift build -c release --product mt-bleu)" >&2; exit 1; fi
if [ ! -f "$DATA/multi30k/train.de.gz" ]; then echo "bench/bleu.sh: missing $DATA/multi30k/train.de.gz (set MT_DATA_DIR)" >&2; exit 1; fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
gzip -dc "$DATA/multi30k/train.de.gz" > "$WORK/ref.de"
# A deterministic "system output": drop every 7th word, misspell every 11th (append "n"), swap
# the first two words of every 5th line, and drop the final period of every 3rd line.
awk '{
  n = split($0, w, " "); out = ""; k = 0
  for (i = 1; i <= n; i++) {
    k++
    if (k % 7 == 0) continue
    t = w[i]
    if (k % 11 == 0) t = t "n"
    out = (out == "" ? t : out " " t)
  }
  if (NR % 5 == 0) { m = split(out, v, " "); if (m > 2) { x = v[1]; v[1] = v[2]; v[2] = x; out = v[1]; for (i = 2; i <= m; i++) out = out " " v[i] } }
  if (NR % 3 == 0) sub(/ ?\.$/, "", out)
  print out
}' "$WORK/ref.de" > "$WORK/hyp.de"
LINES=$(wc -l < "$WORK/ref.de")

now() { date +%s.%N; }
# seconds OUT CMD...: wall-clock seconds of one run (stdin from hyp.de, stdout to OUT); "null" on failure.
seconds() {
  local out=$1 s e rc; shift
  s=$(now); "$@" < "$WORK/hyp.de" > "$out" 2>/dev/null; rc=$?; e=$(now)
  if [ $rc -ne 0 ]; then echo null; return; fi
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'
}
best() { printf '%s\n' "$@" | sort -g | head -n 1; }
emit() {
  awk -v tool="$1" -v m="$2" -v l="$LINES" -v s="$3" -v x="${4:-}" 'BEGIN {
    lps = (s == "null" || s == 0) ? "null" : sprintf("%.0f", l / s)
    printf "{\"bench\":\"bleu\",\"tool\":\"%s\",\"metric\":\"%s\",\"lines\":%d,\"seconds\":%s,\"lines_per_s\":%s%s}\n", tool, m, l, s, lps, x
  }'
}
ratio() {
  awk -v m="$1" -v a="$2" -v b="$3" -v t="${4:-}" 'BEGIN {
    v = (a == "null" || b == "null" || b == 0) ? "null" : sprintf("%.1f", a / b)
    printf "{\"bench\":\"bleu\",\"ratio\":\"sacrebleu/mt-bleu\",\"metric\":\"%s\",\"value\":%s%s}\n", m, v, (t == "" ? "" : ",\"target\":" t)
  }'
}

METRICS=(bleu chrf chrf++)
declare -A FLAGS=([bleu]="-m bleu" [chrf]="-m chrf" [chrf++]="-m chrf --chrf-word-order 2")
declare -A MT
for m in "${METRICS[@]}"; do
  runs=()
  # shellcheck disable=SC2086
  for _ in $(seq "$REPEAT"); do runs+=("$(seconds "$WORK/mt.$m" "$MTBLEU" "$WORK/ref.de" ${FLAGS[$m]} -f text -w 2)"); done
  MT[$m]=$(best "${runs[@]}")
  emit mt-bleu "$m" "${MT[$m]}" ",\"runs\":$REPEAT,\"threads\":$(nproc)"
done
runs=()
for _ in $(seq "$REPEAT"); do runs+=("$(seconds /dev/null "$MTBLEU" "$WORK/ref.de" -m bleu --threads 1)"); done
emit mt-bleu bleu "$(best "${runs[@]}")" ",\"runs\":$REPEAT,\"threads\":1"

if [ ! -x "$VENV/bin/sacrebleu" ]; then
  { [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"; "$VENV/bin/pip" install -q 'sacrebleu==2.*'; } >/dev/null 2>&1
fi
if [ -x "$VENV/bin/sacrebleu" ]; then
  SB_VERSION=$("$VENV/bin/sacrebleu" --version 2>/dev/null | awk '{print $NF}')
  for m in "${METRICS[@]}"; do
    # shellcheck disable=SC2086
    sb=$(seconds "$WORK/sb.$m" "$VENV/bin/sacrebleu" "$WORK/ref.de" ${FLAGS[$m]} -f text -w 2)
    emit sacrebleu "$m" "$sb" ",\"runs\":1,\"version\":\"$SB_VERSION\""
    if [ "$m" = bleu ]; then ratio "$m" "$sb" "${MT[$m]}" 20; else ratio "$m" "$sb" "${MT[$m]}"; fi
  done
  for m in "${METRICS[@]}"; do
    same=$(cmp -s "$WORK/mt.$m" "$WORK/sb.$m" && echo true || echo false)
    printf '{"bench":"bleu","check":"%s output identical to sacrebleu","value":%s,"mt_bleu":"%s"}\n' "$m" "$same" "$(tr -d '\n' < "$WORK/mt.$m" | sed 's/"/\\"/g')"
  done
else
  echo '{"bench":"bleu","tool":"sacrebleu","skipped":"could not install sacrebleu==2.* into .venv-bench"}'
fi
