#!/usr/bin/env bash
# Runs the three CPU-scale recipes one after another on 2 cores: multi30k-en-de about 2.6 h
# (2 h teacher, 30 min finetune), multi30k-en-fr about 70 min and tatoeba-zh-en about 60 min
# (teachers of 55 and 47 min, finetunes of 14 and 11 min; the recorded runs of 2026-12-01, see
# each EXPECTED.md), averaging and test sets included. Every step is resumable: after an
# interruption, run this again and finished steps are skipped (steps whose inputs changed rerun,
# see recipes/common/pipeline.sh), training resumes from its last checkpoint.
#   MT_DATA_DIR=../shared/data nohup bash recipes/run-cpu-scale.sh > work/cpu-scale.log 2>&1 &
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
read -r -a recipes <<< "${RECIPES:-multi30k-en-de multi30k-en-fr tatoeba-zh-en}"
for r in "${recipes[@]}"; do
  echo "[cpu-scale] $(date -u '+%F %T') start $r" >&2
  bash "$HERE/$r/run.sh"
  echo "[cpu-scale] $(date -u '+%F %T') done $r" >&2
done
