#!/usr/bin/env bash
# Grade a class on a Slurm cluster: N array tasks, then one merge job.
#   examples/slurm/submit.sh CLASS_DIR OUT_DIR N [grade options...]
# Run it from the course repository (with its .venv); results end in OUT_DIR/merged.
set -euo pipefail
CLASS_DIR="${1:?usage: submit.sh CLASS_DIR OUT_DIR N [grade options...]}"
OUT_DIR="${2:?usage: submit.sh CLASS_DIR OUT_DIR N [grade options...]}"
COUNT="${3:?usage: submit.sh CLASS_DIR OUT_DIR N [grade options...]}"
shift 3
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$OUT_DIR"

job=$(sbatch --parsable --array="1-$COUNT" "$HERE/grade_shard.sbatch" "$CLASS_DIR" "$OUT_DIR" "$@")
job="${job%%;*}"  # --parsable prints "jobid[;cluster]"
# afterany, not afterok: a task whose grading hit a grader error exits 2 but wrote its results;
# merge then still joins them (rows marked grader_error) and refuses only what is really missing.
sbatch --parsable --dependency="afterany:$job" "$HERE/merge.sbatch" "$OUT_DIR"
echo "queued grading array $job (1-$COUNT) and its merge; results in $OUT_DIR/merged"
