"""The single place a request is executed: route, call, check, record.

Commands build a ``Request`` and call ``run``; everything between the command line and the model
(the route, the backend, the cleaning of the answer, the ledger row) happens here, once.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from slmr import backends, pricing, router, tasks
from slmr.backends.base import Backend, ChatRequest, Response, estimate_tokens
from slmr.cleanup import StreamCleaner
from slmr.config import Settings, ledger_path
from slmr.console import Console
from slmr.errors import CheckFailed, SlmrError
from slmr.ledger import CallRecord, Ledger, prompt_hash


@dataclass
class Request:
    command: str
    task: str
    #: the supplied text (stdin or files); may be empty for ``ask`` and ``create``
    content: str = ""
    #: -i/--instruction, or the prompt of ``ask`` / ``create``
    instruction: str | None = None
    #: "local" or "cloud" from --local / --cloud; None lets the task or the router decide
    force: str | None = None
    json: bool = False
    model: str | None = None


@dataclass
class Route:
    route: str  # "reshape" | "create"
    decided_by: str  # "flag" | "task" | "router"
    confidence: float | None
    local: bool
    reasons: list[str]


@dataclass
class Outcome:
    text: str
    route: Route
    backend: str
    model: str
    call_id: int | None


def choose_route(request: Request, settings: Settings) -> Route:
    task = tasks.get(request.task)
    if request.force in ("local", "cloud"):
        local = request.force == "local"
        return Route(tasks.RESHAPE if local else tasks.CREATE, "flag", None, local, [f"--{request.force}"])
    if task.kind is not None:
        return Route(task.kind, "task", None, task.kind == tasks.RESHAPE, [f"task {task.name}"])
    decision = router.decide(request.instruction or "", request.content, threshold=settings.router.threshold)
    return Route(decision.route, "router", decision.confidence, decision.route == tasks.RESHAPE, decision.reasons)


def pick_backend(route: Route, settings: Settings) -> tuple[Backend, str]:
    if route.local:
        return backends.local_backend(settings), settings.local.model
    return backends.cloud_backend(settings), settings.cloud.resolved_model()


def run(request: Request, settings: Settings, console: Console, *, ledger_file: Path | None = None) -> Outcome:
    task = tasks.get(request.task)
    route = choose_route(request, settings)
    backend, model = pick_backend(route, settings)
    model = request.model or model
    if request.task == "ask":
        conf = f" {route.confidence:.2f}" if route.confidence is not None else ""
        console.info(f"{route.route}{conf} ({route.decided_by}) → {backend.name} {model}")

    messages = task.messages(request.content, request.instruction, json=request.json)
    chat = ChatRequest(messages=messages, model=model, json=request.json)
    prompt_text = "\n".join(m.content for m in messages)
    record = CallRecord(
        command=request.command,
        task=request.task,
        route=route.route,
        decided_by=route.decided_by,
        confidence=route.confidence,
        backend=backend.name,
        model=model,
        status="error",
        prompt_sha256=prompt_hash(prompt_text),
        project=project_name(),
    )
    # Answers that are cleaned and checked are buffered off a terminal, so a pipe or file gets only an
    # accepted answer; free-form answers (ask, create) stream everywhere.
    buffer = request.json or (task.clean_output and not console.stdout_is_tty)
    cleaner = StreamCleaner(request.content) if task.clean_output else None
    produced: list[str] = []
    response: Response | None = None
    started = time.perf_counter()
    spinner = console.spinner(f"{backend.name} {model}…")
    try:
        response = backend.stream(chat)
        for chunk in response:
            if record.ttft_ms is None:
                record.ttft_ms = (time.perf_counter() - started) * 1000
                spinner.stop()
            produced.append(chunk)
            if not buffer:
                console.write(cleaner.feed(chunk) if cleaner else chunk)
        spinner.stop()
        tail = cleaner.finish() if cleaner else ""
        if not buffer:
            console.write(tail)
        answer = _final_text(produced, request.content, cleaner)
        if not answer.strip():
            raise CheckFailed(f"{backend.name} {model} returned an empty answer", "retry, or try --cloud")
        if request.json:
            answer = _check_json(answer)
        if buffer:
            console.write(answer if answer.endswith("\n") else answer + "\n")
        elif not answer.endswith("\n"):
            console.write("\n")
        record.status = "ok"
        return Outcome(answer, route, backend.name, model, None)
    except KeyboardInterrupt:
        record.status = "interrupted"
        record.error_kind = "interrupted"
        raise
    except SlmrError as exc:
        record.error_kind = exc.kind
        raise
    except Exception as exc:
        record.error_kind = type(exc).__name__
        raise
    finally:
        spinner.stop()
        record.latency_ms = (time.perf_counter() - started) * 1000
        _fill_usage(record, response, prompt_text, produced)
        _fill_costs(record, settings)
        save(record, console, ledger_file)


def _final_text(produced: list[str], content: str, cleaner: StreamCleaner | None) -> str:
    raw = "".join(produced)
    if cleaner is None:
        return raw
    fresh = StreamCleaner(content)
    return fresh.feed(raw) + fresh.finish()


def _check_json(answer: str) -> str:
    text = answer.strip()
    fresh = StreamCleaner()  # a fenced ```json answer is common; the fence is not part of the JSON
    text = (fresh.feed(text) + fresh.finish()).strip()
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckFailed(
            f"the model's answer is not valid JSON ({exc.msg} at line {exc.lineno})",
            "retry, or try --cloud for a stronger model",
        ) from None
    return text + "\n"


def _fill_usage(record: CallRecord, response: Response | None, prompt_text: str, produced: list[str]) -> None:
    usage = response.usage if response is not None else None
    if usage is not None and usage.complete:
        record.input_tokens = usage.input_tokens
        record.output_tokens = usage.output_tokens
        record.tokens_estimated = usage.estimated
    elif produced or record.status == "interrupted":
        # the stream ended before the server reported final usage (Ctrl-C, a dropped connection):
        # keep what it did report (Anthropic sends input tokens first) and estimate the rest
        reported_input = usage.input_tokens if usage is not None else None
        record.input_tokens = reported_input if reported_input is not None else estimate_tokens(prompt_text)
        record.output_tokens = estimate_tokens("".join(produced))
        record.tokens_estimated = True


def _fill_costs(record: CallRecord, settings: Settings) -> None:
    record.cost_usd = pricing.cost(
        record.model, record.backend, record.input_tokens, record.output_tokens, settings.prices
    )
    record.baseline_model = settings.cloud.resolved_model()
    record.baseline_cost_usd = pricing.cost(
        record.baseline_model,
        settings.cloud.provider,
        record.input_tokens,
        record.output_tokens,
        settings.prices,
    )


def save(record: CallRecord, console: Console, ledger_file: Path | None = None) -> int | None:
    """Record a call; a broken ledger warns but never stops the user's work."""
    path = ledger_file or ledger_path()
    try:
        with Ledger(path) as ledger:
            return ledger.record(record)
    except (sqlite3.Error, OSError) as exc:
        console.warn(f"could not record this call in the ledger {path}: {exc}")
        return None


def project_name(start: Path | None = None) -> str | None:
    """The name of the git repository the command runs in, found without running git."""
    try:
        here = (start or Path.cwd()).resolve()
    except OSError:
        return None
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory.name
    return None
