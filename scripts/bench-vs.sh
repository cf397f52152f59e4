#!/usr/bin/env bash
# Compare the performance of the working tree with a given revision, side by side on this
# machine (issue 15: every goal is a ratio, both binaries built and run alternately).
#
#   scripts/bench-vs.sh REV [--pairs N] [--scale S] [--ticks T] [--real]
#
# Builds REV in a git worktree outside the repository (ZGC_BENCH_DIR, default
# $TMPDIR/zgc-bench-vs; its own target directory) and the working tree as it is, then runs, alternating the two binaries N times (default 5):
#   1. the default run (embedded baseline, scale 0.01, 240 months, 1 thread, no pictures):
#      CPU seconds (user + system);
#   2. a run at scale S (default 0.1) for T ticks (default 24), on 2 threads and on 1:
#      the median tick (summary.json), the 1→2-thread speed-up, and the peak resident memory
#      per agent (peak_rss_bytes ÷ agents at the end);
# then prints the medians and the ratios REV ÷ HEAD (above 1: the working tree is faster or
# smaller), and the memory bandwidth of a STREAM-like triad (examples/triad.rs) for the
# roofline of BENCHMARKS.md. --real sets S = 1.0 and T = 12 (about 8 GB of memory and a few
# minutes per run). Needs git, cargo and python3 (for summary.json).
set -euo pipefail

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit "${1:-2}"
}

[ $# -ge 1 ] || usage
case $1 in -h | --help) usage 0 ;; esac
rev=$1
shift
pairs=5
scale=0.1
ticks=24
while [ $# -gt 0 ]; do
    case $1 in
    --pairs) pairs=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --ticks) ticks=$2; shift 2 ;;
    --real) scale=1.0; ticks=12; shift ;;
    -h | --help) usage 0 ;;
    *) echo "bench-vs.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
case $pairs in '' | *[!0-9]* | 0) echo "bench-vs.sh: --pairs needs a positive integer, found '$pairs'" >&2; exit 2 ;; esac

root=$(git rev-parse --show-toplevel)
cd "$root"
sha=$(git rev-parse --verify --quiet "$rev^{commit}") || {
    echo "bench-vs.sh: '$rev' is not a revision of this repository" >&2
    exit 2
}
short=$(git rev-parse --short "$sha")
# Outside the repository: cargo would take a worktree inside it for a member of its workspace.
work=${ZGC_BENCH_DIR:-${TMPDIR:-/tmp}/zgc-bench-vs}
tree=$work/$short
mkdir -p "$work"
if [ ! -d "$tree" ]; then
    git worktree add --detach --force "$tree" "$sha" >/dev/null
fi
echo "building $short (in $tree) and the working tree ..." >&2
(cd "$tree" && CARGO_TARGET_DIR=$work/target cargo build --release --quiet --bin zgc)
cargo build --release --quiet --bin zgc --example triad
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$work/target/release/zgc" "$tmp/zgc-old"
cp "$root/target/release/zgc" "$tmp/zgc-new"

# CPU seconds (user + system) of one default run.
cpu_run() {
    local bin=$1 out
    out=$tmp/run-$RANDOM
    local TIMEFORMAT='%U %S'
    { time "$bin" run --threads 1 --no-pictures --out "$out" >/dev/null 2>&1; } 2>"$tmp/t"
    rm -rf "$out"
    awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/t"
}

# Median tick (ms), peak RSS (bytes) and agents at the end of a run at the chosen scale.
scaled_run() {
    local bin=$1 threads=$2 out
    out=$tmp/scaled-$RANDOM
    "$bin" run --scale "$scale" --ticks "$ticks" --threads "$threads" --no-pictures --out "$out" >/dev/null 2>&1
    python3 - "$out/summary.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))["performance"]
print(p["median_tick_ms"], p["peak_rss_bytes"], p["agents_end"])
EOF
    rm -rf "$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$tmp/cpu-old"; : >"$tmp/cpu-new"
: >"$tmp/tick2-old"; : >"$tmp/tick2-new"; : >"$tmp/tick1-old"; : >"$tmp/tick1-new"
: >"$tmp/mem-old"; : >"$tmp/mem-new"
for i in $(seq "$pairs"); do
    for v in old new; do
        echo "pair $i/$pairs: $v ..." >&2
        cpu_run "$tmp/zgc-$v" >>"$tmp/cpu-$v"
        # Through a file, not a process substitution: runs timed after one read that way
        # were 60-70 % slower on the test machine.
        scaled_run "$tmp/zgc-$v" 2 >"$tmp/s"
        read -r tick rss agents <"$tmp/s"
        echo "$tick" >>"$tmp/tick2-$v"
        awk -v r="$rss" -v a="$agents" 'BEGIN { printf "%.2f\n", r / a }' >>"$tmp/mem-$v"
        scaled_run "$tmp/zgc-$v" 1 >"$tmp/s"
        read -r tick _ _ <"$tmp/s"
        echo "$tick" >>"$tmp/tick1-$v"
    done
done

row() {
    local name=$1 file=$2 better=$3 o n
    o=$(median <"$tmp/$file-old")
    n=$(median <"$tmp/$file-new")
    awk -v name="$name" -v o="$o" -v n="$n" -v b="$better" 'BEGIN {
        r = (b == "lower") ? o / n : n / o
        printf "%-44s %12.3f %12.3f %9.2f×\n", name, o, n, r }'
}

printf '%-44s %12s %12s %10s\n' "median of $pairs alternating pairs" "$short" "HEAD" "ratio"
row "default run, 1 thread (CPU s)" cpu lower
row "tick at scale $scale, 2 threads (ms)" tick2 lower
row "tick at scale $scale, 1 thread (ms)" tick1 lower
row "peak memory at scale $scale (bytes/agent)" mem lower
for v in old new; do
    s1=$(median <"$tmp/tick1-$v")
    s2=$(median <"$tmp/tick2-$v")
    awk -v v="$([ $v = old ] && echo "$short" || echo HEAD)" -v a="$s1" -v b="$s2" \
        'BEGIN { printf "1→2-thread speed-up of %-20s %10.2f×\n", v, a / b }'
done
echo "ratio: $short ÷ HEAD for times and memory (above 1: HEAD is faster or smaller)"
"$root/target/release/examples/triad" 2 256
