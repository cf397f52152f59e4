"""docs/python.md runs as written: its `zgc …` shell lines (with the binary under test) and its
Python blocks, in order and in one namespace, in a scratch folder that sees the repository's
scenarios/ — the worked EMA + PRIM example and the SALib cross-check of `zgc sweep sobol`
included. Lines of shell blocks that are not `zgc` commands (pip installs) are skipped: the
test environment has the package installed already."""

import os
import re
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ZGC = os.path.abspath(os.environ.get("ZGC", str(ROOT / "target" / "release" / "zgc")))
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks():
    return FENCE.findall((ROOT / "docs" / "python.md").read_text())


def test_the_python_guide_runs_as_written(tmp_path, monkeypatch):
    import ema_workbench
    import pytest

    if int(ema_workbench.__version__.split(".")[0]) < 3:
        pytest.skip("the guide is written for ema-workbench 3 (Python >= 3.12): PRIM's signature differs in 2.5")
    found = blocks()
    assert any(lang == "python" for lang, _ in found) and any(lang == "sh" for lang, _ in found)
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    for lang, body in found:
        if lang == "sh":
            for line in body.splitlines():
                cmd = line.split("#", 1)[0].strip()
                if not cmd.startswith("zgc "):
                    continue
                args = shlex.split(cmd)[1:]
                out = subprocess.run([ZGC, *args], capture_output=True, text=True)
                assert out.returncode == 0, f"{cmd}: {out.returncode}\n{out.stderr}"
        elif lang == "python":
            exec(compile(body, "docs/python.md", "exec"), namespace)
    # The worked examples ran to their end.
    assert "limits" in namespace and "si" in namespace


def test_the_readme_python_example_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Use from Python"):]
    code = FENCE.search(section)
    assert code and code.group(1) == "python"
    assert len(code.group(2).splitlines()) < 15  # install, one run, one EMA experiment
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__readme__"}
    exec(compile(code.group(2), "README.md", "exec"), namespace)
    assert len(namespace["experiments"]) == 8
    assert namespace["outcomes"]["startups_alive"].shape == (8,)
