"""slmr as a real process: the entry points, start-up imports, signals and streams."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SDKS = ("anthropic", "openai", "ollama")


def run(args: list[str], env: dict[str, str], stdin: bytes = b"", timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slmr", *args], input=stdin, capture_output=True, env=env, timeout=timeout
    )


def test_python_dash_m_slmr_works(slmr_env):
    done = run(["--version"], slmr_env)
    assert done.returncode == 0
    assert done.stdout.decode().startswith("slmr ")


@pytest.mark.parametrize(
    "args",
    [["--help"], ["route", "--json", "summarize this"], ["spend", "--json"], ["config", "show"]],
)
def test_fast_commands_do_not_import_the_sdks(slmr_env, args):
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['slmr', *{args!r}]\n"
        "try:\n"
        "    runpy.run_module('slmr', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"loaded = [m for m in {SDKS!r} if m in sys.modules]\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, env=slmr_env, timeout=60)
    assert done.stderr.decode().strip().endswith("LOADED="), done.stderr.decode()


def test_stdout_carries_only_the_answer_in_a_pipe(slmr_env, fake_ollama):
    fake_ollama.reply("Here is the rewritten text:\nClean text.\n")
    slmr_env["OLLAMA_HOST"] = fake_ollama.url
    done = run(["rewrite"], slmr_env, stdin=b"dirty txt\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"Clean text.\n"
    assert done.stderr == b""


def test_errors_have_no_colour_codes_off_a_terminal(slmr_env):
    done = run(["rewrite"], {**slmr_env, "NO_COLOR": "1"}, stdin=b"text\n")
    assert done.returncode == 3
    assert b"\x1b[" not in done.stderr
    assert done.stderr.decode().startswith("slmr: error: cannot reach Ollama")


def test_ctrl_c_while_streaming_exits_130_and_records_the_call(slmr_env, fake_anthropic, isolated_home):
    slmr_env["ANTHROPIC_BASE_URL"] = fake_anthropic.url
    slmr_env["ANTHROPIC_API_KEY"] = "sk-ant-test"
    fake_anthropic.reply(" ".join(f"word{i}" for i in range(200)), chunk_delay_s=0.05)
    proc = subprocess.Popen(
        [sys.executable, "-m", "slmr", "create", "write a long essay"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=slmr_env,
        # a shell's background job inherits SIGINT as ignored, and Python keeps it so: undo that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    first = proc.stdout.read(6)  # create streams to pipes: wait for the first words
    assert first.startswith(b"word0")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert b"Traceback" not in err
    assert err.decode().strip().splitlines()[-1] == "slmr: interrupted"
    db = sqlite3.connect(isolated_home / "ledger.db")
    status, estimated, output_tokens = db.execute(
        "SELECT status, tokens_estimated, output_tokens FROM calls"
    ).fetchone()
    assert status == "interrupted"
    assert (estimated, output_tokens > 0) == (1, True), (estimated, output_tokens, err)


def test_broken_pipe_is_quiet(slmr_env, fake_anthropic):
    slmr_env["ANTHROPIC_BASE_URL"] = fake_anthropic.url
    slmr_env["ANTHROPIC_API_KEY"] = "sk-ant-test"
    fake_anthropic.reply("\n".join(f"line {i}" for i in range(5000)))
    shell = f"{sys.executable} -m slmr create 'many lines' | head -n 2"
    done = subprocess.run(["sh", "-c", shell], capture_output=True, env=slmr_env, timeout=60)
    assert done.stdout.decode().splitlines() == ["line 0", "line 1"]
    assert b"Traceback" not in done.stderr


def test_slmr_home_holds_all_state(slmr_env, fake_ollama, tmp_path: Path):
    home = tmp_path / "elsewhere"
    env = {**slmr_env, "SLMR_HOME": str(home), "OLLAMA_HOST": fake_ollama.url}
    fake_ollama.reply("ok")
    assert run(["config", "set", "local.model", "llama3.2:3b"], env).returncode == 0
    assert run(["rewrite"], env, stdin=b"x\n").returncode == 0
    assert sorted(p.name for p in home.iterdir() if not p.name.startswith("ledger.db-")) == [
        "config.toml",
        "last_request.json",  # for slmr redo
        "ledger.db",
        "model_windows.json",  # the model's context length, cached
    ]
    report = json.loads(run(["spend", "--json"], env).stdout)
    assert report["calls"] == 1
    for name in ("ledger.db", "last_request.json", "model_windows.json"):
        assert oct(os.stat(home / name).st_mode & 0o777) == "0o600", name


def _command_names(app) -> list[str]:
    import typer.main

    return list(typer.main.get_command(app).commands)


def test_the_command_table_matches_what_each_module_registers():
    from slmr.cli import COMMANDS, build_app

    for module, names in COMMANDS.items():
        assert sorted(_command_names(build_app([module]))) == sorted(names), module
    everything = [name for names in COMMANDS.values() for name in names]
    assert sorted(_command_names(build_app())) == sorted(everything)
    assert len(set(everything)) == len(everything)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["spend", "--json"], ["spend"]),
        (["rewrite"], ["run"]),
        (["commit-msg"], ["hook"]),
        (["--help"], None),
        ([], None),
        (["no-such-command"], None),
    ],
)
def test_a_command_line_loads_only_the_module_it_names(args, expected):
    from slmr.cli import modules_for

    assert modules_for(args) == expected


def test_slmr_spend_does_not_import_the_pipeline(slmr_env):
    # the pipeline pulls in the router and the secret scanner: `slmr spend` needs neither
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['slmr', 'spend', '--json']\n"
        "try:\n"
        "    runpy.run_module('slmr', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('PIPELINE=' + str('slmr.pipeline' in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, env=slmr_env, timeout=60)
    assert done.stderr.decode().strip().endswith("PIPELINE=False"), done.stderr.decode()
