#!/usr/bin/env bash
# Bounded fuzz run of every target (fuzz/README.md): installs cargo-fuzz when missing, builds the
# targets on the stable toolchain (RUSTC_BOOTSTRAP=1 lets stable rustc take cargo-fuzz's sanitizer
# flags), then runs each target for SECONDS (default 60) from the committed corpus, read-only (new
# inputs go to a temporary folder). Exits 1 on a finding, whose input is kept in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: installing cargo-fuzz from crates.io"
  cargo install cargo-fuzz --version 0.13.2 --locked --quiet
fi
cargo fuzz build
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for t in scenario_parser grid_reader; do
  mkdir -p "$work/$t"
  echo "scripts/fuzz.sh: fuzzing $t for ${secs} s"
  if cargo fuzz run "$t" "$work/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=8192 \
      -dict="fuzz/$t.dict" -print_final_stats=1 >"$work/$t.log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$work/$t.log" || true
  else
    status=1
    echo "scripts/fuzz.sh: $t found a problem; input kept in fuzz/artifacts/$t/" >&2
    tail -n 60 "$work/$t.log" >&2
  fi
done
exit "$status"
