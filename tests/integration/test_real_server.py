"""slmr against the real llama-server and SmolLM2-135M: plumbing and invariants, not wording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import LlamaServer
from tests.integration.helpers import interrupt, ledger_rows, slmr, slmr_cut_mid_stream
from tests.integration.recorder import Recorder

NOTES = (
    "teh meeting is on monday. alice will send the report by friday, bob fix the login bug.\n"
    "we decided to ship version 2 next week\n"
)
MODEL = "smollm2"


def local_env(base_url: str, max_tokens: int = 64) -> dict[str, str]:
    return {
        "SLMR_LOCAL_BACKEND": "openai-compatible",
        "SLMR_LOCAL_BASE_URL": base_url + "/v1",
        "SLMR_LOCAL_MODEL": MODEL,
        # the tiny model may ramble; the cap keeps the tier fast and is itself under test (sent as max_tokens;
        # an answer that reaches it is reported cut off, never printed as complete)
        "SLMR_LOCAL_MAX_TOKENS": str(max_tokens),
    }


def anthropic_env(base_url: str, max_tokens: int = 48) -> dict[str, str]:
    return {
        "SLMR_CLOUD_PROVIDER": "anthropic",
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": "test-key",
        "SLMR_CLOUD_MODEL": MODEL,
        "SLMR_CLOUD_MAX_TOKENS": str(max_tokens),
        "SLMR_CLOUD_MAX_RETRIES": "0",
    }


def openai_env(base_url: str, max_tokens: int = 48) -> dict[str, str]:
    return {
        "SLMR_CLOUD_PROVIDER": "openai",
        "OPENAI_BASE_URL": base_url + "/v1",
        "OPENAI_API_KEY": "test-key",
        "SLMR_CLOUD_MODEL": MODEL,
        "SLMR_CLOUD_MAX_TOKENS": str(max_tokens),
        "SLMR_CLOUD_MAX_RETRIES": "0",
    }


def openai_usage(recorder: Recorder) -> dict:
    reported = [event["usage"] for event in recorder.events() if event.get("usage")]
    assert reported, "llama-server sent no usage although slmr asked for it with stream_options.include_usage"
    return reported[-1]


def finish_reasons(recorder: Recorder) -> list[str]:
    """The finish_reason the server gave each chat request, in order."""
    return [
        next(c["finish_reason"] for e in recorder.events(i) for c in e.get("choices", []) if c.get("finish_reason"))
        for i in range(len(recorder.exchanges))
    ]


def test_reshape_through_the_openai_compatible_backend(llama_server: str, isolated_home: Path) -> None:
    # summarize: SmolLM2-135M ends its summary of NOTES well inside the cap (greedy, so the same every run);
    # on rewrite and extract it loops until the cap, which the next test relies on
    command = "summarize"
    with Recorder(llama_server) as recorder:
        run = slmr(command, stdin=NOTES, env=local_env(recorder.url))

    assert run.code == 0, run.stderr
    assert run.stdout.strip()
    assert "Traceback" not in run.stderr
    path, sent, _ = recorder.exchanges[-1]
    assert path == "/v1/chat/completions"
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["max_tokens"] == 64
    assert finish_reasons(recorder) == ["stop"]
    usage = openai_usage(recorder)
    [row] = ledger_rows(isolated_home)
    assert (row["backend"], row["route"], row["task"], row["status"]) == ("openai-compatible", "reshape", command, "ok")
    # OpenAI counts cached prompt tokens inside prompt_tokens; the ledger keeps them apart
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    assert row["input_tokens"] + (row["cache_read_tokens"] or 0) == usage["prompt_tokens"] > 0
    assert (row["cache_read_tokens"] or 0) == cached
    assert 0 < row["output_tokens"] == usage["completion_tokens"] <= 64
    assert row["tokens_estimated"] == 0
    assert row["cost_usd"] is None or row["cost_usd"] == 0  # local: never billed


@pytest.mark.parametrize("command", ["rewrite", "extract"])
def test_an_answer_the_real_server_cuts_at_max_tokens_is_never_printed(
    command: str, llama_server: str, isolated_home: Path
) -> None:
    # 8 tokens cannot hold a rewrite or the action items of NOTES, whatever the model: the server stops
    # with finish_reason "length", a stream that otherwise looks complete
    with Recorder(llama_server) as recorder:
        run = slmr(command, stdin=NOTES, env=local_env(recorder.url, 8))

    assert run.code == 5, run.stderr
    assert run.stdout == ""
    assert "smollm2 stopped at its output token limit: the answer is cut off" in run.stderr
    assert "Traceback" not in run.stderr
    assert finish_reasons(recorder) == ["length", "length"]  # the first answer and the one local retry
    rows = ledger_rows(isolated_home)
    # the cap is named first; eight tokens of chatter may also clean down to an empty answer
    assert [(r["attempt"], r["status"], r["checks"].split(",")[0]) for r in rows] == [
        ("first", "error", "cut_off"),
        ("retry", "error", "cut_off"),
    ]
    assert all(r["output_tokens"] == 8 and r["tokens_estimated"] == 0 for r in rows)  # still counted


def test_a_server_without_usage_gets_estimates_marked_as_such(llama_server: str, isolated_home: Path) -> None:
    with Recorder(llama_server, drop_usage=True) as recorder:
        run = slmr("summarize", stdin=NOTES, env=local_env(recorder.url))
        spend = slmr("spend", "--json", env=local_env(recorder.url))

    assert run.code == 0, run.stderr
    assert run.stdout.strip()
    [row] = ledger_rows(isolated_home)
    assert row["status"] == "ok"
    assert row["tokens_estimated"] == 1
    assert row["input_tokens"] > 0 and row["output_tokens"] > 0
    assert spend.code == 0, spend.stderr
    assert json.loads(spend.stdout)["estimated_calls"] == 1


def test_create_through_the_anthropic_sdk_and_the_real_messages_api(llama_server: str, isolated_home: Path) -> None:
    with Recorder(llama_server) as recorder:
        run = slmr("create", "write a haiku about version control", env=anthropic_env(recorder.url))

    assert run.code == 0, run.stderr
    assert run.stdout.strip()
    path, sent, _ = recorder.exchanges[-1]
    assert path == "/v1/messages"
    assert sent["stream"] is True and sent["max_tokens"] == 48
    events = recorder.events()
    start = next(e for e in events if e["type"] == "message_start")["message"]["usage"]
    final = [e["usage"] for e in events if e["type"] == "message_delta" and e.get("usage")][-1]
    [row] = ledger_rows(isolated_home)
    assert (row["backend"], row["route"], row["status"]) == ("anthropic", "create", "ok")
    assert row["input_tokens"] == final.get("input_tokens", start["input_tokens"]) > 0
    assert row["output_tokens"] == final["output_tokens"] > 0
    assert row["output_tokens"] <= 48
    assert row["tokens_estimated"] == 0


def test_create_through_the_openai_sdk_and_the_real_chat_completions(llama_server: str, isolated_home: Path) -> None:
    with Recorder(llama_server) as recorder:
        run = slmr("create", "write a haiku about version control", env=openai_env(recorder.url))

    assert run.code == 0, run.stderr
    assert run.stdout.strip()
    path, sent, _ = recorder.exchanges[-1]
    assert path == "/v1/chat/completions" and sent["stream"] is True
    assert sent["max_completion_tokens"] == 48  # cloud.max_tokens, under the name OpenAI documents
    usage = openai_usage(recorder)
    [row] = ledger_rows(isolated_home)
    assert (row["backend"], row["route"], row["status"]) == ("openai", "create", "ok")
    # OpenAI counts cached prompt tokens inside prompt_tokens; the ledger keeps them apart
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    assert row["input_tokens"] + (row["cache_read_tokens"] or 0) == usage["prompt_tokens"] > 0
    assert (row["cache_read_tokens"] or 0) == cached
    assert 0 < row["output_tokens"] == usage["completion_tokens"] <= 48
    assert row["tokens_estimated"] == 0


def test_ctrl_c_mid_stream_exits_130_and_records_the_partial_call(
    endless_server: LlamaServer, isolated_home: Path
) -> None:
    run = slmr_cut_mid_stream("rewrite", stdin=NOTES, env=local_env(endless_server.url, 1500), cut=interrupt)

    assert run.code == 130, run.stderr
    assert "interrupted" in run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    [row] = ledger_rows(isolated_home)
    assert row["status"] == "interrupted"
    assert row["tokens_estimated"] == 1  # the server's usage comes at the end, which never came
    assert row["output_tokens"] >= 1 and row["input_tokens"] > 0


@pytest.mark.parametrize(
    ("argv", "env_for", "code", "backend"),
    [
        (("rewrite",), local_env, 3, "openai-compatible"),
        (("create", "tell a long story"), anthropic_env, 4, "anthropic"),
        (("create", "tell a long story"), openai_env, 4, "openai"),
    ],
    ids=["openai-compatible", "anthropic", "openai"],
)
def test_server_killed_mid_stream_is_one_clear_line_and_a_ledger_row(
    argv: tuple[str, ...], env_for, code: int, backend: str, endless_server: LlamaServer, isolated_home: Path
) -> None:
    env = env_for(endless_server.url, 1500)
    run = slmr_cut_mid_stream(*argv, stdin=NOTES, env=env, cut=lambda _: endless_server.kill())

    assert run.code == code, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("slmr: error: ")
    assert "Traceback" not in run.stderr
    [row] = ledger_rows(isolated_home)
    assert (row["backend"], row["status"]) == (backend, "error")
    assert row["error_kind"]
    assert row["output_tokens"] >= 1 and row["tokens_estimated"] == 1
