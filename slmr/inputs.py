"""Reading the text a command works on: files, or stdin; refusing what is not text."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from slmr.errors import InputError

#: the largest input slmr reads, so a stray `cat /dev/urandom |` cannot eat the machine's memory
MAX_INPUT_BYTES = 64 * 1024 * 1024


def decode(data: bytes, source: str) -> str:
    if b"\x00" in data:
        raise InputError(f"{source} is not text (it contains NUL bytes)", "pass a text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source} is not valid UTF-8 text (byte {exc.start})", "convert it first, e.g. iconv -t UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def _read_limited(stream: BinaryIO, source: str) -> bytes:
    data = stream.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(
            f"{source} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB",
            "split it, or pass a smaller part",
        )
    return data


def stdin_has_data() -> bool:
    """True when stdin is a pipe or a file, not an interactive terminal."""
    try:
        return sys.stdin is not None and not sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def read_stdin() -> str:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream without a buffer (some test harnesses)
        return sys.stdin.read()
    return decode(_read_limited(stream, "standard input"), "standard input")


def read_files(paths: list[Path]) -> str:
    parts = []
    for path in paths:
        if str(path) == "-":
            parts.append(read_stdin())
            continue
        try:
            with path.open("rb") as fh:
                data = _read_limited(fh, str(path))
        except FileNotFoundError:
            raise InputError(f"no such file: {path}") from None
        except IsADirectoryError:
            raise InputError(f"{path} is a directory", "name the files inside it") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None
        parts.append(decode(data, str(path)))
    return "\n\n".join(part.rstrip("\n") for part in parts) + ("\n" if parts else "")


def read_content(paths: list[Path] | None, *, required: bool, what: str = "text") -> str:
    """The content from files, else from stdin when it is piped; empty input is an error when required."""
    if paths:
        text = read_files(paths)
    elif stdin_has_data():
        text = read_stdin()
    else:
        text = ""
    if required and not text.strip():
        raise InputError(f"no {what} to work on", "pipe it in (slmr rewrite < notes.md) or name files")
    return text
