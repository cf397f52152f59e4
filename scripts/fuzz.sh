#!/usr/bin/env bash
# Bounded fuzz run of every target (fuzz/README.md), as scripts/test.sh runs it in CI:
#   scripts/fuzz.sh [SECONDS]     # per target; default ZGC_FUZZ_SECONDS, else 60
# Installs cargo-fuzz 0.13.2 from crates.io when `cargo fuzz` is missing (into $CARGO_HOME/bin,
# where cargo finds subcommands), builds the targets on the stable toolchain (RUSTC_BOOTSTRAP=1
# lets stable rustc take cargo-fuzz's nightly-only flags: -Zsanitizer=address and sanitizer
# coverage; no nightly toolchain or rust-src is needed), then runs each target for SECONDS from
# the committed corpus, read-only (new inputs go to a temporary folder). The time is bounded:
# SECONDS per target plus the build (a few minutes from scratch on two cores). Exits 1 on a
# finding, whose input is kept in fuzz/artifacts/<target>/, or when the tools cannot be set up.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-${ZGC_FUZZ_SECONDS:-60}}"
case "$secs" in
  '' | *[!0-9]*) echo "scripts/fuzz.sh: SECONDS must be a whole number, found '$secs'" >&2; exit 2 ;;
esac
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: installing cargo-fuzz 0.13.2 from crates.io"
  if ! cargo install cargo-fuzz --version 0.13.2 --locked --quiet; then
    echo "scripts/fuzz.sh: cannot install cargo-fuzz (network? a C++ compiler is also needed)" >&2
    exit 1
  fi
fi
t0=$SECONDS
cargo fuzz build
echo "scripts/fuzz.sh: targets built in $((SECONDS - t0)) s"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for t in scenario_parser grid_reader geotiff_reader state_reader; do
  mkdir -p "$work/$t"
  # A saved state of the tiny test town is about 9 kB; the other inputs fit in 8 kB.
  max_len=8192
  [ "$t" = state_reader ] && max_len=16384
  echo "scripts/fuzz.sh: fuzzing $t for ${secs} s"
  if cargo fuzz run "$t" "$work/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -timeout=30 -max_len="$max_len" \
      -dict="fuzz/$t.dict" -print_final_stats=1 >"$work/$t.log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$work/$t.log" || true
  else
    status=1
    echo "scripts/fuzz.sh: $t found a problem; input kept in fuzz/artifacts/$t/" >&2
    tail -n 60 "$work/$t.log" >&2
  fi
done
exit "$status"
