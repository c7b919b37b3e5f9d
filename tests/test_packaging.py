"""The built package: python -m build gives an sdist and a wheel; the wheel installs into a fresh
virtual environment and gives a working slmr with its man page and completions in place."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from slmr import __version__

REPO = Path(__file__).resolve().parents[1]
DATA = {
    "share/man/man1/slmr.1": REPO / "man" / "slmr.1",
    "share/bash-completion/completions/slmr.bash": REPO / "completions" / "slmr.bash",
    "share/zsh/site-functions/_slmr": REPO / "completions" / "_slmr",
    "share/fish/vendor_completions.d/slmr.fish": REPO / "completions" / "slmr.fish",
}

pytestmark = pytest.mark.slow


def _run(*cmd: str | Path, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=timeout, check=False)
    assert done.returncode == 0, f"{cmd}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, REPO)
    return out


def test_sdist_and_wheel_carry_the_man_page_and_completions(dist: Path) -> None:
    wheel = next(dist.glob(f"slmr-{__version__}-*.whl"))
    sdist = next(dist.glob(f"slmr-{__version__}.tar.gz"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for target, source in DATA.items():
            member = f"slmr-{__version__}.data/data/{target}"
            assert member in names, member
            assert zf.read(member).decode() == source.read_text()
        assert "slmr/data/cli_spec.json" in names
    with tarfile.open(sdist) as tf:
        names = set(tf.getnames())
    for rel in ("man/slmr.1", "completions/slmr.bash", "completions/_slmr", "completions/slmr.fish"):
        assert f"slmr-{__version__}/{rel}" in names, rel


def test_wheel_installs_into_a_fresh_venv(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    bin_dir = venv / "bin"
    wheel = next(dist.glob("*.whl"))
    # dependencies come from the configured package index (pip's own config), slmr from the wheel
    _run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    version = _run(bin_dir / "slmr", "--version", env=env)
    assert version.stdout == f"slmr {__version__}\n"
    help_ = _run(bin_dir / "slmr", "--help", env=env)
    assert "rewrite" in help_.stdout and "doctor" in help_.stdout
    for target, source in DATA.items():
        assert (venv / target).read_text() == source.read_text(), target
    # the installed console script answers <TAB> from the installed snapshot
    tab = _run(
        bin_dir / "slmr",
        env={**env, "_SLMR_COMPLETE": "complete_bash", "COMP_WORDS": "slmr config set ", "COMP_CWORD": "3"},
    )
    assert "local.model" in tab.stdout.split()
    # and it runs from elsewhere than the source tree, importing the installed package
    where = _run(bin_dir / "python", "-c", "import slmr; print(slmr.__file__)", env=env)
    assert str(venv) in where.stdout
