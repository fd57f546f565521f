#!/usr/bin/env bash
# Runs the three CPU-scale recipes one after another (each about 2.5 h on 2 cores: teacher,
# T2R finetune, averaging, test sets). Every step is resumable: after an interruption, run
# this again and finished steps are skipped, training resumes from its last checkpoint.
#   MT_DATA_DIR=../shared/data nohup bash recipes/run-cpu-scale.sh > work/cpu-scale.log 2>&1 &
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
for r in ${RECIPES:-multi30k-en-de multi30k-en-fr tatoeba-zh-en}; do
  echo "[cpu-scale] $(date -u '+%F %T') start $r" >&2
  bash "$HERE/$r/run.sh"
  echo "[cpu-scale] $(date -u '+%F %T') done $r" >&2
done
