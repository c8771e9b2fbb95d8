"""The previous SDK generation (infobip-api-python-client 3.0.0) in an environment of its own.

The project's environment has the current SDK (6.0.0, a test dependency); both cannot be
installed side by side (one package name). This test installs 3.0.0 into a venv of its own
(kept next to the running interpreter's, so later runs reuse it), lets that venv see this
environment's packages behind its own (a ``.pth`` file), and runs `infobip_sdk3_suite.py` there
with pytest. It is skipped only when PyPI cannot be reached to install the SDK.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

SDK = "infobip-api-python-client==3.0.0"
HERE = Path(__file__).resolve().parent
SUITE = HERE / "infobip_sdk3_suite.py"
ROOT = HERE.parents[3]


def _cache_root(tmp: Path) -> Path:
    in_venv = sys.prefix != sys.base_prefix
    return Path(sys.prefix) / "smsmock-sdk" if in_venv else tmp


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _build(venv: Path) -> None:
    """Make `venv` with the SDK installed, seeing this environment's packages after its own."""
    marker = venv / ".installed"
    if marker.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    python = _python(venv)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", SDK],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if install.returncode != 0:
        tail = (install.stderr or install.stdout).strip().splitlines()[-3:]
        pytest.skip(f"cannot install {SDK} from PyPI (offline?): {' | '.join(tail)}")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib, "zz_smsmock_project.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n", encoding="utf-8"
    )
    marker.write_text(SDK + "\n", encoding="utf-8")


def test_every_sdk_3_0_0_method_against_the_fake(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = _cache_root(tmp_path_factory.mktemp("sdk"))
    root.mkdir(parents=True, exist_ok=True)
    venv = root / SDK.replace("==", "-")
    with open(root / ".lock", "w") as lock:  # another run building the same venv waits
        fcntl.flock(lock, fcntl.LOCK_EX)
        _build(venv)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    run = subprocess.run(
        [
            str(_python(venv)),
            "-m",
            "pytest",
            str(SUITE),
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::DeprecationWarning",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = run.stdout[-4000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    summary = run.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, report
