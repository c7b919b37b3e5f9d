"""Every generated file, in one table, so writing and checking them cannot drift apart."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def outputs(root: Path = REPO) -> dict[Path, str]:
    from slmr.devtools import completions, manpage, spec

    files: dict[Path, str] = {}
    files.update(completions.outputs(root))
    files.update(manpage.outputs(root))
    files[root / "slmr" / "data" / "cli_spec.json"] = spec.render()
    return files


def stale(root: Path = REPO) -> list[Path]:
    """The generated files whose committed content differs from what the CLI definition gives now."""
    out = []
    for path, text in outputs(root).items():
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != text:
            out.append(path)
    return out


def write(root: Path = REPO) -> list[Path]:
    """Write the files that changed; returns them."""
    changed = []
    for path, text in outputs(root).items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    return changed
