#!/usr/bin/env bash
# The project's test command (README): installs what the tests need when missing (Debian's
# chromium for the report tests, slurm-wlm and munge for the cluster tests, as root), starts the
# local single-node SLURM cluster, then runs the whole suite in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "scripts/test.sh: missing ${need[*]}; install it (as root: apt-get install ${need[*]})" >&2
    exit 1
  fi
fi
bash scripts/slurm-local.sh start
cargo test --release "$@"
