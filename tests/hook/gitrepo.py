"""Real git repositories in temporary directories, and real ``git commit`` runs, for the hook tests."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Tester",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Tester",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class Repo:
    path: Path
    #: overrides on top of the test's environment (read at each call, so fixtures set up later count)
    env: dict[str, str] = field(default_factory=dict)

    def git(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env={**os.environ, **IDENTITY, **self.env, **(env or {})},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def commit(
        self, *args: str, env: dict[str, str] | None = None, change: str | None = None
    ) -> subprocess.CompletedProcess:
        """Stage a change and run ``git commit ARGS`` (the hooks run as they would for a developer)."""
        name = change or f"file{len(list(self.path.glob('file*')))}.txt"
        (self.path / name).write_text(f"content of {name}\n")
        self.git("add", name)
        return self.git("commit", *args, check=False, env=env)

    def last_message(self) -> str:
        """HEAD's message, exactly as stored."""
        raw = self.git("cat-file", "commit", "HEAD").stdout
        return raw.split("\n\n", 1)[1]

    @property
    def editmsg(self) -> bytes:
        """The message file as the hooks left it (git strips comments in memory, not in this file)."""
        return (self.path / ".git" / "COMMIT_EDITMSG").read_bytes()

    @property
    def hooks(self) -> Path:
        return self.path / ".git" / "hooks"


def make_repo(path: Path, env: dict[str, str] | None = None) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo(path, env=dict(env or {}))
    repo.git("init", "-q", "-b", "main")
    (path / "README").write_text("start\n")
    repo.git("add", "README")
    repo.git("commit", "-q", "-m", "Initial commit", "--no-verify")
    return repo


def editor_script(directory: Path, typed: str) -> str:
    """A GIT_EDITOR that types ``typed`` above what git put in the file, and keeps a copy of the result."""
    typed_file = directory / "typed.txt"
    typed_file.write_text(typed)
    script = directory / "editor.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'{{ cat "{typed_file}"; cat "$1"; }} > "$1.new" && mv "$1.new" "$1"\n'
        f'cp "$1" "{directory / "seen.txt"}"\n'
    )
    script.chmod(0o755)
    return str(script)


def write_hook(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path
