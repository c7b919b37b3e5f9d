"""Install, uninstall and report slmr's git hooks, for one repository or for every repository.

Rules that keep a user's set-up intact:

- An existing hook is never overwritten: it is renamed ``NAME.pre-slmr`` (git ignores that name)
  and slmr's script runs it first, with the same arguments and stdin; its non-zero exit still
  aborts the commit. Uninstall removes only files carrying slmr's marker and renames the old hook back.
- Where hooks live is git's answer (``git rev-parse --git-path hooks``): core.hooksPath and
  worktrees are respected.
- ``--global`` points the global core.hooksPath at a directory slmr owns. That switches off every
  repository's own ``.git/hooks`` (and any previous global hooks directory), so the directory also
  gets pass-through scripts for the other hook names, which hand over to the hooks that ran before.
- The scripts call slmr through the absolute path of the Python that installed them, in a clean,
  minimal environment, so GUI clients that load no shell profile run them the same way.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from slmr import config
from slmr.errors import UsageError
from slmr.hooks import SOURCE_RECORD, git

MARKER = "# slmr-hook v1"
#: the hooks that do slmr's work: the first records where the message comes from, the second cleans it
OWNED_HOOKS = ("prepare-commit-msg", "commit-msg")
CHAINED_SUFFIX = ".pre-slmr"
MANIFEST = "slmr-global.json"
#: githooks(5) names that get a pass-through script in the global directory. Left out on purpose:
#: reference-transaction and post-index-change (they run on nearly every git command, and a script
#: per call costs time in every repository) and fsmonitor-watchman (configured by path, not by name).
SHIM_HOOKS = (
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "pre-receive",
    "update",
    "proc-receive",
    "post-receive",
    "post-update",
    "push-to-checkout",
    "pre-auto-gc",
    "post-rewrite",
    "sendemail-validate",
    "p4-changelist",
    "p4-prepare-changelist",
    "p4-post-changelist",
    "p4-pre-submit",
)
#: variables the hook passes on to slmr; everything else (PYTHONPATH, virtualenvs, proxies...) stays out
PASSED_ENV = (
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "LC_MESSAGES",
    "TZ",
    "TMPDIR",
    "NO_COLOR",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_STATE_HOME",
    "OLLAMA_HOST",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_INDEX_FILE",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_PARAMETERS",
    "SLMR_HOME",
    "SLMR_DEBUG",
)
SAFE_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


# --- the scripts ---------------------------------------------------------------------------------


def _passed_env() -> list[str]:
    ours = ["SLMR_" + key.replace(".", "_").upper() for key in config.all_keys()]
    return [*PASSED_ENV, *ours]


def _previous_hook_lookup(scope: str, chain: str | None) -> str:
    """Shell code that sets ``prev`` to the hook that would have run without slmr."""
    if scope == "repo":
        return 'prev="$(dirname -- "$0")/$slmr_hook' + CHAINED_SUFFIX + '"'
    if chain:
        return f'prev={shlex.quote(chain)}/"$slmr_hook"'
    # no global hooks before slmr: git ran the repository's own hooks, so slmr's hand over to them
    return (
        'common=$("$slmr_git" rev-parse --git-common-dir 2>/dev/null) || common=""\n'
        'prev=""; [ -n "$common" ] && prev="$common/hooks/$slmr_hook"'
    )


def hook_script(name: str, scope: str, python: str, chain: str | None = None) -> str:
    git_exe = git.executable()
    git_dir_on_path = str(Path(git_exe).parent) if os.path.isabs(git_exe) else ""
    path = ":".join(dict.fromkeys(p for p in (git_dir_on_path, *SAFE_PATH) if p))
    env = " \\\n        ".join(f'${{{v}:+"{v}=${v}"}}' for v in _passed_env())
    return f"""#!/bin/sh
{MARKER} ({scope}) - installed by `slmr hook install`; `slmr hook uninstall` removes it.
# Cleans the commit message on the local model. It never blocks a commit: slmr's own failures exit 0.
slmr_hook={shlex.quote(name)}
slmr_python={shlex.quote(python)}
slmr_git={shlex.quote(git_exe)}
slmr_path={shlex.quote(path)}

# 1. The hook that was here before slmr runs first, with the same arguments and stdin;
#    its failure keeps its meaning: a non-zero exit aborts the commit, as before.
{_previous_hook_lookup(scope, chain)}
if [ -n "$prev" ] && [ -f "$prev" ] && [ -x "$prev" ]; then
    if grep -q '^# slmr-hook ' "$prev" 2>/dev/null; then
        exec "$prev" "$@"  # slmr is installed there too: let that copy do the work, once
    fi
    "$prev" "$@" || exit $?
fi

{_slmr_step(name, env)}
"""


def _slmr_step(name: str, env: str) -> str:
    if name == "prepare-commit-msg":
        # Git tells only this hook where the message comes from, and runs it before the developer has
        # written anything: record the source for commit-msg, in shell (no Python start-up per commit).
        return f"""# 2. Record where the message comes from, for the commit-msg hook that cleans it once written.
case "${{2:-}}" in message|template|merge|squash|commit) source=$2 ;; *) source= ;; esac
case "${{3:-}}" in *[!A-Za-z0-9~^@{{}}./_-]*) sha= ;; *) sha=${{3:-}} ;; esac
gitdir=$("$slmr_git" rev-parse --absolute-git-dir 2>/dev/null) || exit 0
printf '{{"source": "%s", "sha": "%s", "at": %s}}\\n' "$source" "$sha" "$(date +%s)" \\
    >"$gitdir/{SOURCE_RECORD}" 2>/dev/null || :
exit 0"""
    return f"""# 2. slmr, by absolute path, in a clean minimal environment (GUI clients load no shell profile).
if [ ! -x "$slmr_python" ]; then
    echo "slmr: hook: $slmr_python is gone; commit message left as written (reinstall: slmr hook install)" >&2
    exit 0
fi
env -i PATH="$slmr_path" \\
        {env} \\
    "$slmr_python" -I -m slmr.hooks --stage "$slmr_hook" -- "$@" </dev/null || :
exit 0"""


def shim_script(name: str, chain: str | None) -> str:
    return f"""#!/bin/sh
{MARKER} (pass-through) - installed by `slmr hook install --global`; `slmr hook uninstall --global` removes it.
# slmr points core.hooksPath here; this hands {name} on to the hook that ran before slmr.
slmr_hook={shlex.quote(name)}
slmr_git={shlex.quote(git.executable())}
{_previous_hook_lookup("global", chain)}
if [ -n "$prev" ] && [ -f "$prev" ] && [ -x "$prev" ]; then
    exec "$prev" "$@"
fi
exit 0
"""


def is_ours(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return MARKER.encode() in head


def recorded_python(path: Path) -> str | None:
    try:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[:12]:
            if line.startswith("slmr_python="):
                value = shlex.split(line.partition("=")[2])
                return value[0] if value else None
    except OSError:
        return None
    return None


def _write_executable(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.slmr-tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o755)
    os.replace(tmp, path)


# --- repository install --------------------------------------------------------------------------


def global_dir() -> Path:
    return config.data_dir() / "hooks"


def repo_hooks_dir(cwd: Path | None = None) -> Path:
    if not git.in_repository(cwd):
        raise UsageError("not inside a git repository", "cd into one, or use --global")
    return git.git_path("hooks", cwd)


def install_repo(python: str | None = None, cwd: Path | None = None) -> list[str]:
    """Install into the hooks directory git uses for this repository; returns what was done."""
    hooks = repo_hooks_dir(cwd)
    if git.same_path(hooks, global_dir()):
        return [f"already installed for every repository (global core.hooksPath → {hooks})"]
    top = git.run(["rev-parse", "--show-toplevel"], cwd=cwd, check=False)
    common = git.run(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=cwd, check=False)
    if top and _inside(hooks, Path(top)) and not (common and _inside(hooks, Path(common))):
        raise UsageError(
            f"core.hooksPath points inside the working tree ({hooks}); installing there would change tracked files",
            f'call `{shlex.quote(python or sys.executable)} -m slmr hook run --stage NAME -- "$@"` from '
            f"{hooks}/prepare-commit-msg and {hooks}/commit-msg (NAME: the hook's name) instead",
        )
    hooks.mkdir(parents=True, exist_ok=True)
    python = python or sys.executable
    done: list[str] = []
    for name in OWNED_HOOKS:
        path = hooks / name
        kept = path.with_name(name + CHAINED_SUFFIX)
        if path.exists() or path.is_symlink():
            if is_ours(path):
                _write_executable(path, hook_script(name, "repo", python))
                done.append(f"updated {path}")
                continue
            if kept.exists() or kept.is_symlink():
                raise UsageError(
                    f"both {path} and {kept} exist, and neither is slmr's",
                    f"merge them by hand, or remove {kept}, then run slmr hook install again",
                )
            os.rename(path, kept)
            _write_executable(path, hook_script(name, "repo", python))
            done.append(f"installed {path} (your previous hook is kept as {kept.name} and runs first)")
        else:
            _write_executable(path, hook_script(name, "repo", python))
            done.append(f"installed {path}")
    local_path = git.config_get("core.hooksPath", cwd=cwd)
    if local_path:
        done.append(f"core.hooksPath is {local_path}: every repository that uses that directory gets the hook")
    return done


def uninstall_repo(cwd: Path | None = None) -> list[str]:
    hooks = repo_hooks_dir(cwd)
    if git.same_path(hooks, global_dir()):
        raise UsageError("this repository uses slmr's global hooks", "run: slmr hook uninstall --global")
    done: list[str] = []
    for name in OWNED_HOOKS:
        path = hooks / name
        kept = path.with_name(name + CHAINED_SUFFIX)
        if is_ours(path):
            path.unlink()
            done.append(f"removed {path}")
        elif path.exists() and (kept.exists() or kept.is_symlink()):
            done.append(f"left {path} alone: it is not slmr's any more ({kept.name} is kept as well)")
            continue
        if (kept.exists() or kept.is_symlink()) and not (path.exists() or path.is_symlink()):
            os.rename(kept, path)
            done.append(f"restored your previous {name} hook")
    return done or [f"slmr's hooks are not installed in {hooks}"]


def _inside(path: Path, top: Path) -> bool:
    try:
        path.resolve().relative_to(top.resolve())
        return True
    except (ValueError, OSError):
        return False


# --- global install ------------------------------------------------------------------------------


@dataclass
class Manifest:
    previous_hooks_path: str | None
    python: str
    installed_at: float
    files: list[str] = field(default_factory=list)


def read_manifest(directory: Path | None = None) -> Manifest | None:
    path = (directory or global_dir()) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def install_global(python: str | None = None) -> list[str]:
    directory = global_dir()
    python = python or sys.executable
    current = git.config_get("core.hooksPath", scope="global")
    manifest = read_manifest(directory)
    if git.same_path(current, directory):
        previous = manifest.previous_hooks_path if manifest else None
    else:
        previous = os.path.expanduser(current) if current else None
    config.ensure_private_dir(directory)
    names = list(OWNED_HOOKS) + [n for n in SHIM_HOOKS if n not in OWNED_HOOKS]
    if previous and Path(previous).is_dir():
        # everything the previous global directory ran keeps running, whatever its name
        names += sorted(
            p.name
            for p in Path(previous).iterdir()
            if p.is_file() and os.access(p, os.X_OK) and p.name not in names and "." not in p.name
        )
    files: list[str] = []
    for name in names:
        path = directory / name
        if (path.exists() or path.is_symlink()) and not is_ours(path):
            raise UsageError(f"{path} exists and is not slmr's", "move it away, then run the install again")
        text = hook_script(name, "global", python, previous) if name in OWNED_HOOKS else shim_script(name, previous)
        _write_executable(path, text)
        files.append(name)
    manifest = Manifest(previous_hooks_path=previous, python=python, installed_at=time.time(), files=files)
    (directory / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    git.run(["config", "--global", "core.hooksPath", str(directory)])
    done = [f"installed slmr's hooks in {directory} and set the global core.hooksPath to it"]
    if previous:
        done.append(f"the hooks in your previous global core.hooksPath ({previous}) still run first")
    else:
        done.append("each repository's own .git/hooks still run first")
    return done


def uninstall_global() -> list[str]:
    directory = global_dir()
    manifest = read_manifest(directory)
    current = git.config_get("core.hooksPath", scope="global")
    done: list[str] = []
    if git.same_path(current, directory):
        previous = manifest.previous_hooks_path if manifest else None
        if previous:
            git.run(["config", "--global", "core.hooksPath", previous])
            done.append(f"restored the global core.hooksPath to {previous}")
        else:
            git.run(["config", "--global", "--unset", "core.hooksPath"])
            done.append("removed the global core.hooksPath")
    elif current:
        done.append(f"left the global core.hooksPath alone: it points at {current}, not at slmr's hooks")
    removed = 0
    if directory.is_dir():
        for path in directory.iterdir():
            if is_ours(path):
                path.unlink()
                removed += 1
        (directory / MANIFEST).unlink(missing_ok=True)
        try:
            directory.rmdir()
        except OSError:
            done.append(f"kept {directory}: it holds files slmr did not put there")
    if removed:
        done.append(f"removed {removed} hook scripts from {directory}")
    return done or ["slmr's global hooks are not installed"]


# --- status --------------------------------------------------------------------------------------


def _hook_state(path: Path) -> dict[str, object]:
    kept = path.with_name(path.name + CHAINED_SUFFIX)
    if is_ours(path):
        python = recorded_python(path)
        return {
            "hook": path.name,
            "path": str(path),
            "state": "slmr",
            "chained": str(kept) if kept.exists() else None,
            "python": python,
            "python_ok": bool(python and os.access(python, os.X_OK)),
        }
    if path.exists():
        return {"hook": path.name, "path": str(path), "state": "other"}
    return {"hook": path.name, "path": str(path), "state": "none"}


def status(cwd: Path | None = None) -> dict[str, object]:
    directory = global_dir()
    current = git.config_get("core.hooksPath", scope="global")
    manifest = read_manifest(directory)
    report: dict[str, object] = {
        "global": {
            "installed": git.same_path(current, directory),
            "directory": str(directory),
            "core_hooks_path": current,
            "previous_hooks_path": manifest.previous_hooks_path if manifest else None,
            "hooks": [_hook_state(directory / n) for n in OWNED_HOOKS] if directory.is_dir() else [],
        },
        "repository": None,
    }
    if git.in_repository(cwd):
        hooks = git.git_path("hooks", cwd)
        report["repository"] = {
            "hooks_dir": str(hooks),
            "uses_global": git.same_path(hooks, directory),
            "core_hooks_path": git.config_get("core.hooksPath", cwd=cwd),
            "hooks": [_hook_state(hooks / n) for n in OWNED_HOOKS],
        }
    return report


def active_here(report: dict[str, object]) -> bool:
    repo = report.get("repository")
    if not isinstance(repo, dict):
        return False
    return all(h["state"] == "slmr" for h in repo["hooks"])  # type: ignore[index]


def describe(report: dict[str, object]) -> list[str]:
    """Human-readable lines for ``slmr hook status``."""
    lines: list[str] = []
    g = report["global"]
    assert isinstance(g, dict)
    if g["installed"]:
        prev = g["previous_hooks_path"]
        chained = (
            f"; runs the previous global hooks in {prev} first" if prev else "; runs each repository's hooks first"
        )
        lines.append(f"global:      installed in {g['directory']} (global core.hooksPath){chained}")
    elif g["core_hooks_path"]:
        lines.append(f"global:      not installed (global core.hooksPath is {g['core_hooks_path']})")
    else:
        lines.append("global:      not installed")
    repo = report["repository"]
    if repo is None:
        lines.append("repository:  (not inside a git repository)")
        return lines
    assert isinstance(repo, dict)
    lines.append(
        f"repository:  hooks directory {repo['hooks_dir']}" + (" (slmr's global)" if repo["uses_global"] else "")
    )
    for h in repo["hooks"]:
        if h["state"] == "slmr":
            extra = f", runs {Path(h['chained']).name} first" if h.get("chained") else ""
            ok = "" if h["python_ok"] else " — MISSING, reinstall"
            lines.append(f"  {h['hook']:<20} slmr (python {h['python']}{ok}){extra}")
        elif h["state"] == "other":
            lines.append(f"  {h['hook']:<20} another hook, not slmr's")
        else:
            lines.append(f"  {h['hook']:<20} none")
    lines.append("active here: " + ("yes" if active_here(report) else "no"))
    return lines
