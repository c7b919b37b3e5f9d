"""Shell completion: the committed scripts and snapshot are fresh, the fast path answers exactly what
typer's own completion machinery answers, and the values come from config and the price table."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from typer._click.core import Command, Context

from slmr import completion
from slmr.devtools import clitree, generate

REPO = Path(__file__).resolve().parents[1]

#: command lines as typed so far; a trailing space means the last word is complete
LINES = [
    "slmr ",
    "slmr s",
    "slmr -",
    "slmr --",
    "slmr --v",
    "slmr rewrite ",
    "slmr rewrite -",
    "slmr rewrite --",
    "slmr rewrite --json --",
    "slmr rewrite --model ",
    "slmr rewrite --model cl",
    "slmr rewrite -m ",
    "slmr rewrite -mcl",
    "slmr rewrite --model=cl",
    "slmr rewrite --local -i formal -",
    "slmr rewrite notes.md --",
    "slmr rewrite -- -",
    "slmr summarize a.md b.md -m ",
    "slmr ask --cloud --",
    "slmr create -m gpt",
    "slmr route --",
    "slmr spend --",
    "slmr spend --today --",
    "slmr spend --since ",
    "slmr config ",
    "slmr config s",
    "slmr config set ",
    "slmr config set loc",
    "slmr config set local.backend ",
    "slmr config set cloud.provider o",
    "slmr config set local.model ",
    "slmr config set cloud.model claude-",
    "slmr config set ledger.store_text ",
    "slmr config set budget.hard t",
    "slmr config set router.threshold ",
    "slmr config set local.model llama3.2:3b ",
    "slmr config set --",
    "slmr config show --",
    "slmr nosuch ",
    "slmr --frobnicate rewrite ",
    "slmr rewrite --frobnicate -",
    "slmr config set 'cloud.pro",
]


def _lines_for_every_command() -> list[str]:
    """For each command in the tree, whatever its author: its words, its options, each option's values,
    and its first argument, so commands added later are covered without editing this file."""
    lines = []
    for node in clitree.tree().walk():
        words = " ".join(node.path)
        lines += [f"{words} ", f"{words} -", f"{words} --"]
        for p in node.params():
            if clitree.is_option(p) and not (p.is_flag or p.count):
                lines.append(f"{words} {p.opts[0]} ")
    return lines


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("line", _lines_for_every_command())
def test_fast_path_matches_typer_for_every_command(shell: str, line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env(shell, line)
    assert _fast_answer(shell, env) == _typer_answer(shell, env, monkeypatch)


def _ordered_help_names(self: Command, ctx: Context) -> list[str]:
    taken = {n for p in self.params for n in (*p.opts, *p.secondary_opts)}
    return [n for n in ctx.help_option_names if n not in taken]


def _typer_answer(shell: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    """What typer itself prints for a completion request (in-process, through the real app)."""
    import typer.rich_utils
    from typer._click.shell_completion import get_completion_class
    from typer._completion_classes import completion_init

    # typer renders zsh/fish help through rich at the terminal width: make it wide enough not to wrap
    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", 10_000)
    # click builds the help option's names from a set (order varies by process); the snapshot uses
    # the configured order, so make typer use it too
    monkeypatch.setattr(Command, "get_help_option_names", _ordered_help_names)
    completion_init()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    comp = get_completion_class(shell)(clitree.root_command(), {}, "slmr", completion.COMPLETE_VAR)
    out = io.StringIO()
    status = 0
    with redirect_stdout(out):
        try:
            print(comp.complete())
        except SystemExit as exc:
            status = int(exc.code or 0)
    return out.getvalue(), status


def _fast_answer(shell: str, env: dict[str, str]) -> tuple[str, int]:
    environ = {completion.COMPLETE_VAR: f"complete_{shell}", **env}
    out = io.StringIO()
    with redirect_stdout(out):
        status = completion.answer(environ)
    assert status is not None, "the fast path declined to answer"
    return out.getvalue(), status


def _env(shell: str, line: str, action: str = "get-args") -> dict[str, str]:
    if shell == "bash":
        words = completion._split(line)
        cword = len(words) if line.endswith(" ") else len(words) - 1
        return {"COMP_WORDS": line, "COMP_CWORD": str(cword)}
    env = {"_TYPER_COMPLETE_ARGS": line}
    if shell == "fish":
        env["_TYPER_COMPLETE_FISH_ACTION"] = action
    return env


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("line", LINES)
def test_fast_path_answers_what_typer_answers(shell: str, line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env(shell, line)
    assert _fast_answer(shell, env) == _typer_answer(shell, env, monkeypatch)


@pytest.mark.parametrize("line", ["slmr ", "slmr rewrite ", "slmr config set ", "slmr spend --since "])
def test_fish_is_args_matches_typer(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env("fish", line, action="is-args")
    assert _fast_answer("fish", env) == _typer_answer("fish", env, monkeypatch)


def test_generated_files_are_up_to_date() -> None:
    stale = generate.stale(REPO)
    assert stale == [], f"out of date: {[str(p.relative_to(REPO)) for p in stale]}; run: python -m slmr.devtools"


def test_check_mode_names_a_stale_file(tmp_path: Path) -> None:
    # a copy of the tree with one generated file edited by hand must fail the check
    for path, text in generate.outputs(tmp_path).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    edited = tmp_path / "completions" / "slmr.bash"
    edited.write_text(edited.read_text() + "# hand edit\n")
    done = subprocess.run(
        [sys.executable, "-m", "slmr.devtools", "--check", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "completions/slmr.bash" in done.stderr and "_slmr" not in done.stderr


def test_scripts_are_typers_own() -> None:
    bash = (REPO / "completions" / "slmr.bash").read_text()
    assert "_SLMR_COMPLETE=complete_bash" in bash and "complete -o default -F _slmr_completion slmr" in bash
    assert (REPO / "completions" / "_slmr").read_text().startswith("#compdef slmr\n")
    assert "_SLMR_COMPLETE=complete_fish" in (REPO / "completions" / "slmr.fish").read_text()


def _bash(line: str) -> list[str]:
    text, status = _fast_answer("bash", _env("bash", line))
    assert status == 0
    return text.split()


def test_completes_subcommands_options_and_config_keys() -> None:
    assert {"rewrite", "summarize", "ask", "spend", "config"} <= set(_bash("slmr "))
    assert {"--model", "--json", "--local", "--cloud"} <= set(_bash("slmr rewrite --"))
    keys = _bash("slmr config set ")
    assert "local.model" in keys and "cloud.provider" in keys and "hook.mode" in keys
    assert _bash("slmr config set cloud.provider ") == ["anthropic", "openai"]
    assert _bash("slmr config set ledger.store_text ") == ["true", "false"]


def test_model_names_come_from_config_and_price_table(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(
        '[local]\nmodel = "qwen2.5:3b"\n[cloud]\nmodel = "claude-sonnet-5-5"\n'
        '[prices."my-gateway-model"]\ninput = 1.0\noutput = 2.0\n'
    )
    models = _bash("slmr ask -m ")
    assert models[:2] == ["qwen2.5:3b", "claude-sonnet-5-5"]
    assert {"claude-opus-5-5", "claude-haiku-4-5", "my-gateway-model"} <= set(models)
    assert _bash("slmr ask -m my-") == ["my-gateway-model"]
    assert "qwen2.5:3b" in _bash("slmr config set local.model ")


def test_a_broken_config_file_does_not_break_completion(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text("[local\nmodel = \n")
    assert "llama3.2:3b" in _bash("slmr rewrite -m ")


def test_task_names_complete_from_the_task_table() -> None:
    from slmr.tasks import TASKS

    assert [name for name, _ in completion.complete_task("")] == list(TASKS)
    assert [name for name, _ in completion.complete_task("su")] == ["summarize"]


def test_completion_never_calls_the_local_server(fake_ollama, isolated_home: Path) -> None:
    assert "llama3.2:3b" in _bash("slmr rewrite -m ")
    assert "llama3.2:3b" in _bash("slmr config set local.model ")
    assert fake_ollama.server.log == []


def test_a_snapshot_from_another_version_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "cli_spec.json"
    spec.write_text('{"version": "0.0.0-old", "root": {}}')
    monkeypatch.setattr(completion.load_spec, "__defaults__", (str(spec),))
    environ = {completion.COMPLETE_VAR: "complete_bash", "COMP_WORDS": "slmr ", "COMP_CWORD": "1"}
    assert completion.answer(environ) is None


def test_completion_as_a_process_loads_neither_typer_nor_an_sdk(slmr_env: dict[str, str]) -> None:
    probe = (
        "import sys, runpy\n"
        "try:\n"
        "    runpy.run_module('slmr', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "heavy = [m for m in ('typer', 'rich', 'anthropic', 'openai', 'ollama', 'httpx') if m in sys.modules]\n"
        "sys.stderr.write(f'EXIT={code} HEAVY={heavy}')\n"
    )
    env = {**slmr_env, "_SLMR_COMPLETE": "complete_bash", "COMP_WORDS": "slmr config set ", "COMP_CWORD": "3"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
    assert done.stderr.endswith("EXIT=0 HEAVY=[]"), done.stderr
    assert "local.model" in done.stdout.split()


def test_source_instruction_prints_the_committed_script(slmr_env: dict[str, str]) -> None:
    env = {**slmr_env, "_SLMR_COMPLETE": "source_bash"}
    done = subprocess.run(
        [sys.executable, "-m", "slmr"], env=env, capture_output=True, text=True, check=False, cwd=os.getcwd()
    )
    assert done.returncode == 0, done.stderr
    committed = (REPO / "completions" / "slmr.bash").read_text()
    assert done.stdout.strip() in committed


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_the_bash_script_completes_in_real_bash(slmr_env: dict[str, str]) -> None:
    # the committed script, sourced into bash, calling the slmr console script of this environment
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "slmr").exists(), "the package is not installed in this environment (pip install -e .)"
    script = (
        f"source {REPO / 'completions' / 'slmr.bash'}\n"
        "COMP_WORDS=(slmr config set cloud.provider ''); COMP_CWORD=4\n"
        "_slmr_completion slmr\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**slmr_env, "PATH": f"{bin_dir}{os.pathsep}{slmr_env.get('PATH', '')}"}
    done = subprocess.run(["bash", "--norc", "-c", script], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["anthropic", "openai"]
