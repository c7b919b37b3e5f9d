#!/usr/bin/env python3
"""Build llama.cpp's ``llama-server`` once, into a cache outside the repo, for the real-server test tier.

Why from the ``llama-cpp-python`` sdist: it is on PyPI (the only source registry CI can reach) and vendors the
exact llama.cpp tree it was released with, so pinning its version pins the server. The build takes ~5 minutes
on 2 cores, so the result is cached per version and reused; a finished build is recognised by its binary.

Usage: python scripts/build_llama_server.py [--print-path] [--force]
Environment: SLMR_LLAMA_CACHE (default ~/.cache/slmr-llama), PYTHON (interpreter whose pip downloads the sdist).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

# Pinned: the vendored llama.cpp of this release serves /v1/chat/completions and /v1/messages.
LLAMA_CPP_PYTHON_VERSION = "0.3.36"


def cache_root() -> Path:
    return Path(os.environ.get("SLMR_LLAMA_CACHE") or Path.home() / ".cache" / "slmr-llama").expanduser()


def server_path(version: str = LLAMA_CPP_PYTHON_VERSION) -> Path:
    """Where the built binary lives; tests/integration/conftest.py computes the same path."""
    return cache_root() / version / "bin" / "llama-server"


def check_prerequisites() -> None:
    missing = [tool for tool in ("cmake", "g++", "make") if shutil.which(tool) is None]
    if missing:
        sys.exit(
            f"error: cannot build llama-server: {', '.join(missing)} not found on PATH.\n"
            "hint: install them, e.g. `apt-get update && apt-get install -y cmake g++ make` (Debian/Ubuntu, as root),"
            " or run scripts/ci_integration.sh which does that."
        )


def download_sdist(version: str, dest: Path) -> Path:
    python = os.environ.get("PYTHON") or sys.executable
    cmd = [
        python, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
        "--dest", str(dest), f"llama-cpp-python=={version}",
    ]  # fmt: skip
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    found = sorted(dest.glob("llama_cpp_python-*.tar.gz")) + sorted(dest.glob("llama-cpp-python-*.tar.gz"))
    if not found:
        sys.exit(f"error: pip download produced no llama-cpp-python sdist in {dest}")
    return found[0]


def build(version: str, force: bool = False) -> Path:
    target = server_path(version)
    if target.exists() and not force:
        return target
    check_prerequisites()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="slmr-llama-build-") as tmp:
        tmp_path = Path(tmp)
        print(f"downloading llama-cpp-python=={version} sdist ...", file=sys.stderr)
        sdist = download_sdist(version, tmp_path)
        with tarfile.open(sdist) as tar:
            tar.extractall(tmp_path, filter="data")
        src = next(tmp_path.glob("llama_cpp_python-*/vendor/llama.cpp"), None) or next(
            tmp_path.glob("*/vendor/llama.cpp"), None
        )
        if src is None:
            sys.exit(f"error: {sdist.name} has no vendor/llama.cpp directory")
        print(f"building llama-server in {src} (several minutes on 2 cores) ...", file=sys.stderr)
        configure = [
            "cmake", "-B", "build", "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_CURL=OFF", "-DGGML_NATIVE=OFF",
            "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
        ]  # fmt: skip
        subprocess.run(configure, cwd=src, check=True)
        jobs = os.environ.get("SLMR_LLAMA_JOBS", "2")
        subprocess.run(["cmake", "--build", "build", "--target", "llama-server", "-j", jobs], cwd=src, check=True)
        built = src / "build" / "bin" / "llama-server"
        if not built.exists():
            sys.exit(f"error: the build finished but {built} does not exist")
        # Copy to a temporary name, then rename: an interrupted build never leaves a half-written binary that
        # a later run would take for a finished one.
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copy2(built, partial)
        partial.rename(target)
    print(f"built {target} in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print-path", action="store_true", help="print where the binary goes and exit")
    parser.add_argument("--force", action="store_true", help="rebuild even if a cached binary exists")
    args = parser.parse_args()
    if args.print_path:
        print(server_path())
        return
    print(build(LLAMA_CPP_PYTHON_VERSION, force=args.force))


if __name__ == "__main__":
    main()
