#!/usr/bin/env bash
# Grade a class on a Slurm cluster: N array tasks, then one merge job.
#   examples/slurm/submit.sh CLASS_DIR OUT_DIR N [grade options...]
# Run it from the course repository (with its .venv); results end in OUT_DIR/merged, the jobs'
# logs in OUT_DIR/logs. When merge refused a shard (its task failed or was cancelled), grade
# only that shard again and queue a new merge: ARRAY takes sbatch's --array syntax (2, 2,5, 3-4).
#   ARRAY=2 examples/slurm/submit.sh CLASS_DIR OUT_DIR N [the same grade options...]
set -euo pipefail
usage="usage: [ARRAY=I] submit.sh CLASS_DIR OUT_DIR N [grade options...]"
CLASS_DIR="${1:?$usage}"
OUT_DIR="${2:?$usage}"
COUNT="${3:?$usage}"
shift 3
fail() { echo "submit.sh: $*" >&2; exit 2; }
[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || fail "N is the number of shards, a whole number >= 1, not '$COUNT'"
[[ -d "$CLASS_DIR" ]] || fail "$CLASS_DIR is not a folder (one folder per student expected)"
ARRAY="${ARRAY:-1-$COUNT}"
spec="${ARRAY%%\%*}"  # sbatch allows a limit at the end: 1-8%2 runs two tasks at a time
for part in ${spec//,/ }; do  # every shard asked for must be one of 1..N
    first="${part%-*}" last="${part#*-}"
    [[ "$first" =~ ^[0-9]+$ && "$last" =~ ^[0-9]+$ ]] && (( 1 <= first && first <= last && last <= COUNT )) ||
        fail "ARRAY=$ARRAY: give shards of 1-$COUNT in sbatch's --array syntax, e.g. 2 or 1,3 or 2-3"
done
command -v sbatch >/dev/null || fail "sbatch not found: run this on a login node of the Slurm cluster"
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$OUT_DIR/logs"

# SHARD_COUNT tells each task N: with ARRAY=2 the array alone would say "1 task".
job=$(sbatch --parsable --array="$ARRAY" --export="ALL,SHARD_COUNT=$COUNT" \
    --output="$OUT_DIR/logs/week2-grade-%A_%a.log" "$HERE/grade_shard.sbatch" "$CLASS_DIR" "$OUT_DIR" "$@")
job="${job%%;*}"  # --parsable prints "jobid[;cluster]"
# afterany, not afterok: a task whose grading hit a grader error exits 2 but wrote its results;
# merge then still joins them (rows marked grader_error) and refuses only what is really missing.
merge=$(sbatch --parsable --dependency="afterany:$job" --output="$OUT_DIR/logs/week2-merge-%j.log" \
    "$HERE/merge.sbatch" "$OUT_DIR")
merge="${merge%%;*}"
echo "queued grading array $job (shards $ARRAY of $COUNT) and merge job $merge; results in $OUT_DIR/merged, logs in $OUT_DIR/logs"
