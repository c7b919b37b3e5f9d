"""Hostile input: whatever arrives on stdin, slmr ends with an answer or one clear line, never a
traceback, and writes nothing outside its own directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BOUNDED = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every file and directory under ``root`` (but slmr's home), with size and mtime."""
    out = {}
    for path in root.rglob("*"):
        if path == skip or skip in path.parents:
            continue
        st_ = path.stat()
        out[str(path.relative_to(root))] = (st_.st_size if path.is_file() else -1, st_.st_mtime_ns)
    return out


@pytest.fixture
def watch(tmp_path: Path, isolated_home: Path):
    """Call it around a run: fails when anything outside SLMR_HOME changed under the test's tmp dir."""

    def check(run):
        before = _snapshot(tmp_path, isolated_home)
        result = run()
        assert _snapshot(tmp_path, isolated_home) == before
        return result

    return check


def assert_clean_end(result, ok_codes=(0,), error_codes=(2,)) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert "unexpected error" not in result.stderr
    assert result.exit_code in (*ok_codes, *error_codes), result.stderr
    if result.exit_code not in ok_codes:
        errors = [line for line in result.stderr.splitlines() if line.startswith("slmr: error:")]
        assert len(errors) == 1 and result.stdout == ""


@BOUNDED
@given(data=st.binary(max_size=4096))
def test_random_bytes_to_a_model_command(cli, fake_ollama, watch, data: bytes) -> None:
    fake_ollama.always("A tidy rewrite of the text.\n")
    result = watch(lambda: cli("rewrite", input=data))
    # the fixed answer may fail the rewrite's checks against a random input (5): still one clear line
    assert_clean_end(result, error_codes=(2, 5))


@BOUNDED
@given(data=st.binary(max_size=4096))
def test_random_bytes_to_route(cli, watch, data: bytes) -> None:
    assert_clean_end(watch(lambda: cli("route", input=data)))


@BOUNDED
@given(text=st.text(max_size=2000))
def test_random_text_to_create_under_the_guard(cli, fake_anthropic, watch, text: str) -> None:
    result = watch(lambda: cli("create", "reply", input=text.encode("utf-8", "surrogatepass")))
    # a random text may look like a secret (blocked: 6) or not be UTF-8 (2); never anything else
    assert_clean_end(result, error_codes=(2, 6))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"text with a \x00 NUL byte\n", "NUL bytes"),
        (b"caf\xe9 au lait\n", "not valid UTF-8"),
        (b"\xff\xfe\x00\x00binary", "NUL bytes"),
    ],
)
@pytest.mark.parametrize("command", [("rewrite",), ("route",), ("extract", "--json"), ("create", "x")])
def test_binary_and_invalid_utf8_are_one_clear_line(cli, watch, data, message, command) -> None:
    result = watch(lambda: cli(*command, input=data))
    assert_clean_end(result, ok_codes=())
    assert message in result.stderr


def test_50_mb_input(cli, fake_ollama, fake_anthropic, watch) -> None:
    big = ("The quick brown fox jumps over the lazy dog. " * 22 + "\n") * 51_000
    assert len(big) >= 50_000_000
    fake_ollama.always("The fox jumps over the dog, again and again.\n")
    assert_clean_end(watch(lambda: cli("route", input=big)))
    assert_clean_end(watch(lambda: cli("summarize", input=big)), error_codes=(2, 5))
    result = watch(lambda: cli("create", "review this", input=big))  # scanned for secrets first
    assert_clean_end(result)
    assert len(fake_ollama.requests) + len(fake_anthropic.requests) >= 2


def test_more_than_the_input_cap_is_refused(cli, watch) -> None:
    result = watch(lambda: cli("rewrite", input=b"a" * (64 * 1024 * 1024 + 1)))
    assert_clean_end(result, ok_codes=())
    assert "larger than 64 MiB" in result.stderr


def test_very_long_lines(cli, fake_ollama, watch) -> None:
    line = "x" * 10_000_000 + "\n"
    fake_ollama.always("x\n")
    assert_clean_end(watch(lambda: cli("route", input=line)))
    # too long for the local model: it goes to the cloud, which has no key here (4)
    assert_clean_end(watch(lambda: cli("rewrite", input=line)), error_codes=(2, 4, 5))


DEEP = 100_000


def test_deeply_nested_json_from_the_model(cli, fake_ollama, watch) -> None:
    fake_ollama.always("[" * DEEP + "]" * DEEP)
    result = watch(lambda: cli("extract", "--json", input="names and dates: Ada, 1815\n"))
    assert_clean_end(result, ok_codes=(), error_codes=(5,))
    assert "nested too deeply" in result.stderr


def test_deeply_nested_json_as_input(cli, fake_ollama, watch) -> None:
    nested = '{"a":' * DEEP + "1" + "}" * DEEP
    assert_clean_end(watch(lambda: cli("route", input=nested)))
    fake_ollama.always(json.dumps({"a": 1}))
    result = watch(lambda: cli("extract", "--json", input=nested))
    assert_clean_end(result, error_codes=(2, 4, 5))
    if result.exit_code == 0:
        assert json.loads(result.stdout) == {"a": 1}
