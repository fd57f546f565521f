#!/usr/bin/env bash
# The paper-scale recipes' --smoke runs with data-parallel training: every training step under
# `mpirun -np 2` (recipes/common/pipeline.sh: TRAIN_LAUNCHER), the whole pipeline to results.tsv.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash Tests/scripts/mpi_recipes_smoke.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
command -v mpirun >/dev/null || { echo "mpi_recipes_smoke: mpirun missing (make deps installs openmpi-bin)" >&2; exit 1; }
export BIN MT_DATA_DIR=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
launcher="mpirun -np 2 --oversubscribe"
[ "$(id -u)" = 0 ] && launcher+=" --allow-run-as-root"
for r in wmt14-en-de wmt14-en-fr wmt17-zh-en; do
  WORK="$T/$r" TRAIN_LAUNCHER="$launcher" bash "$ROOT/recipes/$r/run.sh" --smoke > "$T/$r.log" 2>&1 \
    || { tail -20 "$T/$r.log" >&2; echo "mpi_recipes_smoke: FAIL: $r --smoke under mpirun -np 2" >&2; exit 1; }
  n=$(grep -c "data-parallel: 2 ranks" "$T/$r.log" || true)
  [ "$n" = 2 ] || { echo "mpi_recipes_smoke: FAIL: $r: $n of 2 training steps ran on 2 ranks" >&2; exit 1; }
  [ "$(wc -l < "$T/$r/results.tsv")" -ge 3 ] || { echo "mpi_recipes_smoke: FAIL: $r: results.tsv incomplete" >&2; exit 1; }
  echo "mpi_recipes_smoke: $r --smoke: both training steps on 2 ranks, results.tsv written" >&2
done
echo "mpi_recipes_smoke: ok" >&2
