#!/usr/bin/env bash
# slurm-local-selftest.sh — checks that the cluster of scripts/slurm-local.sh
# does what zgc's sweeps need: a job array with #SBATCH lines, a dependent job
# (afterany), scancel of one running array task, SLURM_CPUS_PER_TASK with
# --cpus-per-task, and exit codes. Run `scripts/slurm-local.sh start` first.
# Prints one line per check and a closing "N passed, N failed"; exits 1 on failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eval "$("$here/slurm-local.sh" env)"
"$here/slurm-local.sh" status >/dev/null || { echo "cluster is not up: run scripts/slurm-local.sh start" >&2; exit 1; }

work=$(mktemp -d /tmp/zgc-slurm-selftest.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; pass=$((pass + 1)); else echo "FAIL $name"; fail=$((fail + 1)); fi
}
# job_field JOB FIELD: one field of `scontrol show job` (first record).
job_field() { scontrol -o show job "$1" 2>/dev/null | head -n1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# wait_done JOB SECONDS: until JOB (all its array tasks) left the queue.
wait_done() {
    local end=$(( SECONDS + $2 ))
    while (( SECONDS < end )); do
        [[ -z $(squeue -h -j "$1" -t PD,CF,R,CG -o %i 2>/dev/null) ]] && return 0
        sleep 0.2
    done
    return 1
}
wait_state() { # wait_state JOB STATE SECONDS
    local end=$(( SECONDS + $3 ))
    while (( SECONDS < end )); do
        [[ $(squeue -h -j "$1" -o %T 2>/dev/null) == "$2" ]] && return 0
        sleep 0.1
    done
    return 1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# 1. A 4-task array from a script with #SBATCH lines, then a dependent job.
cat >"$work/array.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=zgc-selftest
#SBATCH --array=0-3
#SBATCH --cpus-per-task=1
#SBATCH --time=5
#SBATCH --output=$work/array_%A_%a.out
echo "\$SLURM_ARRAY_TASK_ID" > "$work/x_\$SLURM_ARRAY_TASK_ID"
sleep 2
EOF
t0=$(now)
aj=$(sbatch --parsable "$work/array.sbatch")
dj=$(sbatch --parsable --dependency="afterany:$aj" --output="$work/dep.out" \
    --wrap "cat $work/x_* | sort | tr '\n' ' '")
check "array job $aj submitted with 4 tasks" \
    test "$(squeue -h -r -j "$aj" -o %i | wc -l)" -eq 4
check "dependent job $dj waits (Dependency)" \
    test "$(squeue -h -j "$dj" -o %r)" = Dependency
wait_done "$aj" 120 && t1=$(now) || t1=
check "array finished" test -n "$t1"
wait_done "$dj" 60 || true
t2=$(now)
check "every task wrote its file" \
    test "$(cat "$work"/x_{0,1,2,3} 2>/dev/null | tr '\n' ' ')" = "0 1 2 3 "
check "array tasks COMPLETED" \
    test "$(for i in 0 1 2 3; do job_field "${aj}_$i" JobState; done | sort -u)" = COMPLETED
check "dependent job ran after the array and saw 4 outputs" \
    test "$(cat "$work/dep.out" 2>/dev/null)" = "0 1 2 3 "
echo "     timing: 4 x 2 s tasks done in $(secs "$t0" "${t1:-$t0}") s, dependent job done at $(secs "$t0" "$t2") s"

# 2. scancel of one running array task leaves its siblings running.
cj=$(sbatch --parsable --array=0-1 --output="$work/c_%a.out" \
    --wrap 'echo start; sleep 120; echo end')
check "array task ${cj}_0 running" wait_state "${cj}_0" RUNNING 30
t0=$(now)
scancel "${cj}_0"
check "scancel ${cj}_0 ends it" wait_done "${cj}_0" 30
echo "     timing: cancelled task left the queue after $(secs "$t0" "$(now)") s"
check "${cj}_0 is CANCELLED" test "$(job_field "${cj}_0" JobState)" = CANCELLED
check "${cj}_0 did not finish its script" bash -c "! grep -q end '$work/c_0.out'"
check "${cj}_1 still running" test "$(squeue -h -j "${cj}_1" -o %T)" = RUNNING
scancel "$cj"
check "scancel of the whole array" wait_done "$cj" 30

# 3. SLURM_CPUS_PER_TASK is set by --cpus-per-task, and only then.
# shellcheck disable=SC2016  # expanded in the job, not here
show_cpt='echo "${SLURM_CPUS_PER_TASK:-unset}"'
pj=$(sbatch --parsable --cpus-per-task=2 --output="$work/cpt2.out" --wrap "$show_cpt")
nj=$(sbatch --parsable --output="$work/cpt0.out" --wrap "$show_cpt")
wait_done "$pj" 60 || true; wait_done "$nj" 60 || true
check "SLURM_CPUS_PER_TASK=2 with --cpus-per-task=2" test "$(cat "$work/cpt2.out")" = 2
check "SLURM_CPUS_PER_TASK unset without it" test "$(cat "$work/cpt0.out")" = unset

# 4. A failing task's exit code is visible (no accounting: scontrol, for MinJobAge=300 s).
ej=$(sbatch --parsable --output=/dev/null --wrap 'exit 3')
wait_done "$ej" 60 || true
check "failed job is FAILED with ExitCode=3:0" \
    test "$(job_field "$ej" JobState) $(job_field "$ej" ExitCode)" = "FAILED 3:0"

echo "$pass passed, $fail failed"
(( fail == 0 ))
