"""Exit codes and the domain errors that carry them.

Every expected failure is a ``SlmrError`` subclass: the top-level handler in ``slmr.cli`` prints
``slmr: <message>`` plus the hint on one line and exits with the error's code, so users see what
happened and how to fix it instead of a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    LOCAL_UNAVAILABLE = 3
    CLOUD_ERROR = 4
    CHECK_FAILED = 5
    POLICY = 6
    INTERRUPTED = 130


class SlmrError(Exception):
    """An expected failure: a message, a hint that says how to fix it, and an exit code."""

    exit_code: ExitCode = ExitCode.UNEXPECTED
    #: a short machine-readable kind, stored in the ledger's ``error_kind`` column
    kind: str = "error"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = self.message.rstrip(". ")
        return f"{text}. {self.hint}" if self.hint else f"{text}."


class UsageError(SlmrError):
    exit_code = ExitCode.USAGE
    kind = "usage"


class InputError(SlmrError):
    """Empty input, binary input, unreadable files."""

    exit_code = ExitCode.USAGE
    kind = "bad_input"


class ConfigError(SlmrError):
    exit_code = ExitCode.USAGE
    kind = "config"


class LocalUnavailable(SlmrError):
    """The local model server cannot be reached, or the model is not there."""

    exit_code = ExitCode.LOCAL_UNAVAILABLE
    kind = "local_unavailable"


class ModelMissing(LocalUnavailable):
    kind = "model_missing"


class LocalBackendError(LocalUnavailable):
    """The local server answered, but with an error (HTTP 500, a broken stream)."""

    kind = "local_error"


class TimedOut(LocalBackendError):
    """The whole call took longer than the caller's deadline (the commit hook's ``hook.timeout_s``)."""

    kind = "timeout"


class CloudError(SlmrError):
    exit_code = ExitCode.CLOUD_ERROR
    kind = "cloud_error"


class MissingKey(CloudError):
    kind = "missing_key"


class CheckFailed(SlmrError):
    """The answer failed its checks and could not be retried or escalated."""

    exit_code = ExitCode.CHECK_FAILED
    kind = "check_failed"


class PolicyBlocked(SlmrError):
    """Refused by a policy the user set: budget, privacy, secrets."""

    exit_code = ExitCode.POLICY
    kind = "policy"


EXIT_CODE_HELP: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.UNEXPECTED: "unexpected error (a bug: please report it)",
    ExitCode.USAGE: "usage error or bad input (empty, binary, unreadable, invalid option)",
    ExitCode.LOCAL_UNAVAILABLE: "local model unavailable (server down, model not pulled, server error)",
    ExitCode.CLOUD_ERROR: "cloud backend error or missing API key",
    ExitCode.CHECK_FAILED: "the answer failed its checks and could not be escalated",
    ExitCode.POLICY: "blocked by policy (budget, privacy, secrets)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}
