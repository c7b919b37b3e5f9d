"""The single place a request is executed: route, size, call, check, retry, escalate, record.

Commands build a ``Request`` and call ``run``. The shape of an execution:

* a request is one or more *pieces* of work: the whole input, or, when it is longer than the local
  model's window, its chunks (summarize/extract: map then reduce; rewrite: section by section);
* each piece runs through ``_Run._cascade``: a local attempt; on a failed check one local retry with
  the failure stated in the prompt; then escalation to the frontier model if ``local.escalate``
  allows it;
* each attempt (``_Run._attempt``) streams from one backend, cleans and checks the answer, and
  records one ledger row linked to the previous one by ``parent_id``; a row followed by a retry or
  an escalation is marked ``final = 0``. Every cloud call passes ``_Run._before_cloud_call`` first.

Off a terminal the answer is buffered and only an accepted answer is written; on a terminal it
streams and a failed check is announced on stderr.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from slmr import backends, budget, checks, chunking, context, diffs, judge, lastrun, pricing, privacy, router, tasks
from slmr.backends.base import Backend, ChatRequest, Message, Response, estimate_tokens
from slmr.cleanup import StreamCleaner
from slmr.config import LOCAL_BACKENDS, Settings, ledger_path
from slmr.console import Console
from slmr.errors import CheckFailed, InputError, LocalUnavailable, SlmrError, TimedOut
from slmr.ledger import CallRecord, Ledger, prompt_hash, record_safely

#: attempts that replace the previous attempt at the same piece of work
FOLLOW_UPS = frozenset({"retry", "escalation", "fallback"})


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
    #: a JSON Schema the answer must match (extract --schema); implies json
    schema: dict[str, Any] | None = None
    #: set by ``slmr redo``: the ledger id of the call being re-run, the parent of the first new row
    redo_of: int | None = None
    #: a deadline for the whole request, retries included, in seconds (the commit hook's hook.timeout_s)
    timeout_s: float | None = None
    #: keep this request for ``slmr redo``; the commit hook says no, so it never replaces the user's own
    remember: bool = True


@dataclass
class Route:
    route: str  # "reshape" | "create"
    decided_by: str  # "flag" | "task" | "router" | "policy" | "judge"
    confidence: float | None
    local: bool
    reasons: list[str]


@dataclass
class Outcome:
    text: str
    route: Route
    backend: str
    model: str
    #: the ledger id of the final call
    call_id: int | None
    escalated: bool = False
    chunks: int = 1


@dataclass
class Piece:
    """One unit of work: the whole input, a chunk, or a reduce step."""

    content: str
    instruction: str | None
    #: the ``attempt`` recorded for its first call: first, redo, map, reduce, section
    kind: str
    #: stream it to a terminal (intermediate map/reduce answers are not shown)
    show: bool = True
    #: its accepted call is the request's final one
    final: bool = True
    label: str = ""


@dataclass
class Attempt:
    verdict: checks.Verdict
    truncated: bool = False


def choose_route(
    request: Request, settings: Settings, console: Console | None = None, ledger_file: Path | None = None
) -> Route:
    task = tasks.get(request.task)
    if request.force in ("local", "cloud"):
        local = request.force == "local"
        return Route(tasks.RESHAPE if local else tasks.CREATE, "flag", None, local, [f"--{request.force}"])
    if task.kind is not None:
        return Route(task.kind, "task", None, task.kind == tasks.RESHAPE, [f"task {task.name}"])
    decision = router.decide(
        request.instruction or "",
        request.content,
        threshold=settings.router.threshold,
        context_tokens=settings.router.context_tokens,
    )
    if decision.unsure(settings.router.unsure_margin):
        return _unsure(decision, request, settings, console or Console(), ledger_file)
    return Route(decision.route, "router", decision.confidence, decision.route == tasks.RESHAPE, decision.reasons)


def _unsure(
    decision: router.Decision, request: Request, settings: Settings, console: Console, ledger_file: Path | None
) -> Route:
    """Near the threshold the router's guess is a coin flip: the configured unsure policy decides."""
    policy = settings.router.unsure_policy
    note = f"unsure (P(create) {decision.p_create:.2f}): {policy} policy"
    decided_by = "policy"
    if policy == "judge":
        said = _judge(request, settings, console, ledger_file)
        policy, decided_by = (said, "judge") if said else ("create", "policy")
        note += f": the local model said {said}" if said else ": no clear answer from the local model, so cloud"
    route = tasks.RESHAPE if policy in ("local", tasks.RESHAPE) else tasks.CREATE
    confidence = decision.p_create if route == tasks.CREATE else 1.0 - decision.p_create
    return Route(route, decided_by, confidence, route == tasks.RESHAPE, [*decision.reasons, note])


def _judge(request: Request, settings: Settings, console: Console, ledger_file: Path | None) -> str | None:
    """Ask the local model reshape-or-create; the call is recorded like any other. None if it cannot say."""
    backend = backends.local_backend(settings)
    chat = judge.request(request.instruction or "", request.content, settings.local.model)
    prompt_text = "\n".join(m.content for m in chat.messages)
    record = CallRecord(
        command=request.command,
        task="judge",
        route=tasks.RESHAPE,
        decided_by="policy",
        backend=backend.name,
        model=chat.model,
        status="error",
        prompt_sha256=prompt_hash(prompt_text),
        project=project_name(),
        # an aid to routing, not an answer: never the final call of a piece of work
        final=False,
        attempt="judge",
    )
    produced: list[str] = []
    response: Response | None = None
    started = time.perf_counter()
    try:
        response = backend.stream(chat)
        produced.extend(response)
        record.status = "ok"
    except KeyboardInterrupt:
        record.status = record.error_kind = "interrupted"
        raise
    except SlmrError as exc:
        record.error_kind = exc.kind
        console.warn(f"the local judge could not answer ({exc.one_line()}); escalating to the frontier model")
        return None
    finally:
        record.latency_ms = (time.perf_counter() - started) * 1000
        _fill_usage(record, response, prompt_text, produced)
        _fill_costs(record, settings)
        save(record, console, ledger_file)
    return judge.verdict("".join(produced))


def pick_backend(route: Route, settings: Settings) -> tuple[Backend, str]:
    if route.local:
        return backends.local_backend(settings), settings.local.model
    return backends.cloud_backend(settings), settings.cloud.resolved_model()


def run(request: Request, settings: Settings, console: Console, *, ledger_file: Path | None = None) -> Outcome:
    return _Run(request, settings, console, ledger_file).execute()


class _Run:
    """One request's execution state: the route, the chain of ledger rows, what was shown."""

    def __init__(self, request: Request, settings: Settings, console: Console, ledger_file: Path | None) -> None:
        # a diff loses the hunks of .env, keys and the like before any model (even the judge) sees it
        request = replace(request, content=diffs.filter_for_models(request.content, console))
        self.request = request
        self.settings = settings
        self.console = console
        self.ledger_file = ledger_file
        self.task = tasks.get(request.task)
        self.route = privacy.enforce_route(choose_route(request, settings, console, ledger_file), settings, console)
        self.schema = request.schema
        self.json = request.json or request.schema is not None
        # Answers that are cleaned and checked are buffered off a terminal, so a pipe or file gets only
        # an accepted answer; free-form answers (ask, create) stream everywhere.
        self.live = not (self.json or (self.task.clean_output and not console.stdout_is_tty))
        self.instruction = (request.instruction or self.task.default_instruction).strip()
        #: the ledger id the next row hangs from (a redo hangs from the call it re-runs)
        self.parent: int | None = request.redo_of
        self.first_id: int | None = None
        self.local_down = False
        self.escalated = False
        self.chunks = 1
        self.final_backend = ""
        self.final_model = ""
        #: the text the last streamed attempt wrote to the terminal
        self.last_shown = ""
        self.deadline = time.perf_counter() + request.timeout_s if request.timeout_s else None

    # --- the request ---------------------------------------------------------------------------
    def execute(self) -> Outcome:
        first = Piece(self.request.content, self.request.instruction, "redo" if self.request.redo_of else "first")
        try:
            text = self._local_request(first) if self.route.local else self._cloud_piece(first, first.kind)
        finally:
            self._remember()
        if not self.live:
            self.console.write(text if text.endswith("\n") else text + "\n")
        return Outcome(text, self.route, self.final_backend, self.final_model, self.parent, self.escalated, self.chunks)

    def _announce(self, backend: Backend, model: str) -> None:
        if self.request.task == "ask":
            conf = f" {self.route.confidence:.2f}" if self.route.confidence is not None else ""
            self.console.info(f"{self.route.route}{conf} ({self.route.decided_by}) → {backend.name} {model}")

    def _local_request(self, piece: Piece) -> str:
        backend, model = self._local()
        self._announce(backend, model)
        window = context.Window.of(context.model_window(backend, model, self.settings), self.settings)
        messages = self._messages(piece)
        content_tokens = context.sizing_tokens(piece.content)
        need = context.prompt_sizing_tokens(messages) + context.expected_output_tokens(
            self.task.name, content_tokens, json=self.json
        )
        if window.num_ctx(need + context.MARGIN_TOKENS) is not None:
            return self._cascade(piece, window)
        return self._long_input(piece, window, content_tokens, model)

    # --- long inputs ---------------------------------------------------------------------------
    def _chunk_budget(self, window: context.Window) -> int:
        overhead = context.prompt_sizing_tokens(self._messages(Piece("", self.instruction + " " * 300, "map")))
        room = window.usable - overhead - context.MARGIN_TOKENS
        if self.task.name == "rewrite":
            budget = int((room - 256) / 2.3)  # the chunk and its rewrite (about 1.3x) share the window
        else:
            budget = room - context.expected_output_tokens(self.task.name, 0, json=self.json)
        if self.settings.local.chunk_tokens > 0:
            budget = min(budget, self.settings.local.chunk_tokens)
        return max(64, budget)

    def _long_input(self, piece: Piece, window: context.Window, tokens: int, model: str) -> str:
        name = self.task.name
        if name not in ("summarize", "extract", "rewrite"):
            return self._too_long(piece, f"{name} cannot be done in parts", window, tokens, model)
        budget = self._chunk_budget(window)
        try:
            parts = chunking.split(piece.content, budget, context.sizing_tokens, hard=name != "rewrite")
        except chunking.TooBig as exc:
            return self._too_long(piece, str(exc), window, tokens, model)
        limit = self.settings.local.max_chunks
        if len(parts) > limit:
            reason = f"it would take {len(parts)} chunks (local.max_chunks is {limit})"
            return self._too_long(piece, reason, window, tokens, model)
        self.chunks = len(parts)
        how = "section by section" if name == "rewrite" else "then combining the parts"
        self.console.info(
            f"the input (about {tokens:,} tokens) is longer than {model} takes here ({window.usable:,}): "
            f"{name} in {len(parts)} chunks, {how}"
        )
        if name == "rewrite":
            return self._rewrite_sections(parts, window)
        return self._map_reduce(piece, parts, window, budget)

    def _too_long(self, piece: Piece, reason: str, window: context.Window, tokens: int, model: str) -> str:
        if self.route.decided_by == "flag":
            raise InputError(
                f"the input (about {tokens:,} tokens) is too long for {model} here ({window.usable:,}): {reason}",
                "drop --local to let the frontier model take it, or raise local.num_ctx_max / local.max_chunks",
            )
        cloud, cloud_model = self._cloud()
        self.console.info(
            f"the input (about {tokens:,} tokens) is too long for {model} here ({window.usable:,}) and {reason}: "
            f"sending it to {cloud.name} {cloud_model}"
        )
        self.route = Route(tasks.CREATE, "policy", None, False, [f"too long for the local model: {reason}"])
        return self._cloud_piece(piece, piece.kind)

    def _map_reduce(self, whole: Piece, parts: list[str], window: context.Window, budget: int) -> str:
        name, n = self.task.name, len(parts)
        partials = []
        for i, part in enumerate(parts, 1):
            instruction = chunking.map_instruction(name, self.instruction, i, n)
            last_json = self.json and i == n  # JSON parts are merged without a reduce call
            kind = whole.kind if i == 1 and whole.kind == "redo" else "map"
            piece = Piece(part, instruction, kind, show=False, final=last_json, label=f"part {i}/{n}: ")
            partials.append(self._cascade(piece, window))
        if self.json:
            merged = chunking.merge_json([json.loads(p) for p in partials])
            text = json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
            verdict = checks.check(name, whole.content, text, json_mode=True, schema=self.schema)
            if not verdict.ok:
                raise CheckFailed(
                    f"the JSON merged from {n} parts failed its checks: {verdict.summary()}",
                    "rerun with --cloud to extract from the whole document at once",
                )
            return verdict.answer
        instruction = chunking.reduce_instruction(name, self.instruction)
        level = partials
        for _ in range(8):  # each round shrinks the parts; a bound keeps a misbehaving model from looping
            groups = chunking.batches(level, budget, context.sizing_tokens)
            if len(groups) == 1:
                final = Piece(chunking.label_parts(level), instruction, "reduce", label="combining: ")
                return self._cascade(final, window)
            self.console.info(f"combining {len(level)} partial answers in {len(groups)} groups first")
            level = [
                self._cascade(
                    Piece(chunking.label_parts(g), instruction, "reduce", show=False, final=False, label="combining: "),
                    window,
                )
                for g in groups
            ]
        raise CheckFailed("the partial answers did not get shorter when combined", "rerun with --cloud")

    def _rewrite_sections(self, parts: list[str], window: context.Window) -> str:
        n = len(parts)
        out = []
        for i, part in enumerate(parts, 1):
            instruction = chunking.map_instruction("rewrite", self.instruction, i, n)
            piece = Piece(part, instruction, "section", final=i == n, label=f"section {i}/{n}: ")
            out.append(self._cascade(piece, window))
            if self.live:
                # what streamed ended with its own whitespace; add what the original gap has beyond it
                gap, shown = part[len(part.rstrip()) :], self.last_shown
                self.console.write(gap[len(shown) - len(shown.rstrip()) :])
        return chunking.reassemble(parts, out)

    # --- one piece: local, retry, escalate -----------------------------------------------------
    def _cascade(self, piece: Piece, window: context.Window) -> str:
        if self.local_down:
            return self._cloud_piece(piece, "fallback")
        backend, model = self._local()
        try:
            messages = self._messages(piece)
            num_ctx = self._num_ctx(backend, messages, piece, window)
            first = self._attempt(backend, model, messages, piece, piece.kind, num_ctx)
            if first.verdict.ok:
                return first.verdict.answer
            last = first
            retry_ctx: int | None = num_ctx
            if first.truncated:
                # the window was too small after all: a bigger one may do, else the frontier model must
                retry_ctx = window.larger(num_ctx) if num_ctx else None
            if retry_ctx is not None or not first.truncated:
                self._rejected(first, piece, next_step="retrying on the local model")
                note = None if first.truncated else first.verdict.summary()
                last = self._attempt(backend, model, self._messages(piece, note), piece, "retry", retry_ctx)
                if last.verdict.ok:
                    return last.verdict.answer
            return self._escalate(piece, last)
        except LocalUnavailable as exc:
            if self.settings.local.unavailable != "cloud" or self.route.decided_by == "flag":
                raise
            self.local_down = True
            cloud, cloud_model = self._cloud()
            self.console.warn(
                f"{exc.message.rstrip('. ')}; using {cloud.name} {cloud_model} instead (local.unavailable = cloud)"
            )
            return self._cloud_piece(piece, "fallback")

    def _rejected(self, attempt: Attempt, piece: Piece, *, next_step: str) -> None:
        where = "the answer above" if self.live and piece.show else f"the local answer ({piece.label.rstrip(': ')})"
        where = where.replace(" ()", "")
        self.console.warn(f"{where} failed a check: {attempt.verdict.summary()}; {next_step}")

    def _escalate(self, piece: Piece, last: Attempt) -> str:
        why = last.verdict.summary()
        allowed, hint = self._may_escalate(why)
        if not allowed:
            if self.live and piece.show:
                self.console.warn("the answer above did not pass its checks: do not rely on it")
            raise CheckFailed(f"the local answer failed its checks: {why}", hint)
        cloud, cloud_model = self._cloud()
        self.console.info(
            f"escalating {piece.label}to {cloud.name} {cloud_model}: the local answer failed its checks "
            f"({last.verdict.names()})"
        )
        self.escalated = True
        return self._cloud_piece(piece, "escalation")

    def _may_escalate(self, why: str) -> tuple[bool, str]:
        policy = self.settings.local.escalate
        if not privacy.cloud_allowed(self.settings):
            return False, "privacy is local-only, so it was not escalated; run it where the cloud is allowed"
        if self.route.decided_by == "flag":
            return False, "it ran with --local, so it was not escalated; rerun without --local, or with --cloud"
        if policy == "auto":
            return True, ""
        if policy == "never":
            return False, "escalation is off (local.escalate = never); rerun with --cloud to use the frontier model"
        _, cloud_model = self._cloud()
        answer = confirm(self.console, f"slmr: the local answer failed its checks ({why}). Ask {cloud_model}?")
        if answer is None:
            return False, (
                "no terminal to ask on (local.escalate = ask); rerun with --cloud, or set local.escalate auto"
            )
        return answer, "declined; rerun with --cloud to use the frontier model"

    def _cloud_piece(self, piece: Piece, kind: str) -> str:
        backend, model = self._cloud()
        if kind == "first":
            self._announce(backend, model)
        attempt = self._attempt(backend, model, self._messages(piece), piece, kind, None)
        verdict = attempt.verdict
        if verdict.hard:
            if self.live and piece.show:
                self.console.warn("the answer above did not pass its checks: do not rely on it")
            cap = self.settings.cloud.max_tokens
            raise CheckFailed(
                f"the answer from {backend.name} {model} failed its checks: {verdict.summary(verdict.hard)}",
                f"allow longer answers: slmr config set cloud.max_tokens {cap * 2} (now {cap})"
                if any(f.check == "cut_off" for f in verdict.hard)
                else "rephrase the instruction, or check the input",
            )
        if not verdict.ok:
            # the frontier model is the last resort: its answer is given, with what to look at
            self.console.warn(f"check the answer from {backend.name} {model}: {verdict.summary()}")
        return verdict.answer

    # --- one call ------------------------------------------------------------------------------
    def _attempt(
        self,
        backend: Backend,
        model: str,
        messages: list[Message],
        piece: Piece,
        kind: str,
        num_ctx: int | None,
    ) -> Attempt:
        remaining = self._remaining()
        prompt_text = "\n".join(m.content for m in messages)
        record = CallRecord(
            command=self.request.command,
            task=self.request.task,
            route=self.route.route,
            decided_by=self.route.decided_by,
            confidence=self.route.confidence,
            backend=backend.name,
            model=model,
            status="error",
            prompt_sha256=prompt_hash(prompt_text),
            project=project_name(),
            parent_id=self.parent,
            final=piece.final,
            attempt=kind,
        )
        chat = ChatRequest(
            messages=messages,
            model=model,
            json=self.json,
            schema=self.schema if backend.local else None,
            num_ctx=num_ctx if backend.local else None,
            timeout_s=remaining,
        )
        show = self.live and piece.show
        cleaner = StreamCleaner(piece.content) if self.task.clean_output else None
        produced: list[str] = []
        shown: list[str] = []
        response: Response | None = None
        started = time.perf_counter()
        spinner = self.console.spinner(f"{piece.label}{backend.name} {model}: waiting for the first token…")
        try:
            if not backend.local:
                self._before_cloud_call(chat, record)
            response = backend.stream(chat)
            for chunk in response:
                if record.ttft_ms is None:
                    record.ttft_ms = (time.perf_counter() - started) * 1000
                    spinner.stop()
                produced.append(chunk)
                if self.deadline is not None and time.perf_counter() > self.deadline:
                    raise TimedOut(f"{backend.name} {model} took longer than {self.request.timeout_s:g} s")
                if show:
                    shown.append(cleaner.feed(chunk) if cleaner else chunk)
                    self.console.write(shown[-1])
            spinner.stop()
            if show:
                shown.append(cleaner.finish() if cleaner else "")
                self.console.write(shown[-1])
                self.last_shown = "".join(shown)
                if self.last_shown and not self.last_shown.endswith("\n"):
                    self.console.write("\n")
                    self.last_shown += "\n"
            answer = _final_text(produced, piece.content, cleaner)
            verdict = checks.check(self.task.name, piece.content, answer, json_mode=self.json, schema=self.schema)
            usage = response.usage
            cut = backend.local and not usage.estimated and context.truncated(prompt_text, usage.input_tokens, num_ctx)
            if cut:
                verdict.failures.insert(
                    0,
                    checks.Failure(
                        "truncated",
                        f"{model} read only {usage.input_tokens:,} of about {estimate_tokens(prompt_text):,} prompt "
                        "tokens: its context window cut the input, so the answer is incomplete",
                    ),
                )
            if response.hit_limit:  # the stream ended cleanly, but only because the token cap was reached
                verdict.failures.insert(
                    0, checks.Failure("cut_off", f"{model} stopped at its output token limit: the answer is cut off")
                )
            if verdict.ok:
                record.status = "ok"
            else:
                record.error_kind = "check_failed"
                record.checks = verdict.names()
            self.final_backend, self.final_model = backend.name, model
            return Attempt(verdict, cut)
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
            _fill_costs(record, self.settings)
            if self.settings.ledger.store_text:  # opt-in; `slmr log --purge-text` clears it
                record.prompt_text = "\n".join(m.content for m in chat.messages)  # as sent (redacted)
                record.response_text = "".join(produced)
            if kind in FOLLOW_UPS and self.parent is not None:
                supersede(self.parent, self.console, self.ledger_file)
            call_id = save(record, self.console, self.ledger_file)
            if call_id is not None:
                self.parent = call_id
                self.first_id = self.first_id or call_id

    def _remaining(self) -> float | None:
        """Seconds left before the request's deadline (None: no deadline); none left is a timeout."""
        if self.deadline is None:
            return None
        left = self.deadline - time.perf_counter()
        if left <= 0:
            raise TimedOut(f"no time left for another call within {self.request.timeout_s:g} s")
        return left

    def _before_cloud_call(self, chat: ChatRequest, record: CallRecord) -> None:
        """Every call to a cloud backend passes here just before it streams, and only cloud calls do.

        Policy guards (the monthly budget, privacy mode, the secret scan) belong here: raise a
        ``SlmrError`` (``PolicyBlocked``) to refuse the call, which is then recorded with its kind; a guard
        may also rewrite ``chat.messages`` (redaction).
        """
        guarded = privacy.guard(
            chat,
            record.backend,
            self.settings,
            self.console,
            {"input": self.request.content, "prompt": self.request.instruction},
        )
        chat.messages = guarded.messages  # redaction, when the secrets policy says so
        prompt_text = "\n".join(m.content for m in chat.messages)
        budget.check(self.settings, self.console, record.backend, chat.model, prompt_text, ledger_file=self.ledger_file)

    # --- helpers -------------------------------------------------------------------------------
    def _local(self) -> tuple[Backend, str]:
        return backends.local_backend(self.settings), self.request.model or self.settings.local.model

    def _cloud(self) -> tuple[Backend, str]:
        # --model names the model of the route the user chose; an escalation uses the configured frontier model
        model = self.request.model if self.request.force == "cloud" or not self.route.local else None
        if self.route.decided_by == "policy":
            model = None
        return backends.cloud_backend(self.settings), model or self.settings.cloud.resolved_model()

    def _messages(self, piece: Piece, note: str | None = None) -> list[Message]:
        messages = self.task.messages(piece.content, piece.instruction, json=self.json)
        if self.schema is not None:
            schema = json.dumps(self.schema, separators=(",", ":"))
            messages[0] = replace(
                messages[0], content=f"{messages[0].content} The JSON must match this JSON Schema: {schema}"
            )
        if note:
            messages[-1] = replace(
                messages[-1],
                content=f"{messages[-1].content}\n\nA previous answer was rejected by an automatic check: {note}. "
                "Give the whole answer again with that fixed.",
            )
        return messages

    def _num_ctx(self, backend: Backend, messages: list[Message], piece: Piece, window: context.Window) -> int | None:
        if backend.name != "ollama":
            return None  # other local servers fix their window at start-up
        out = context.expected_output_tokens(self.task.name, context.sizing_tokens(piece.content), json=self.json)
        return context.fits(context.prompt_sizing_tokens(messages), out, window) or window.usable

    def _remember(self) -> None:
        if self.first_id is None or not self.request.remember:
            return  # nothing was sent (nothing to redo), or the caller keeps its requests out of redo
        try:
            lastrun.remember(
                lastrun.LastRequest(
                    command=self.request.command,
                    task=self.request.task,
                    content=self.request.content,
                    instruction=self.request.instruction,
                    json=self.request.json,
                    schema=self.schema,
                    call_id=self.parent,
                    local=self.final_backend in LOCAL_BACKENDS if self.final_backend else self.route.local,
                    route=self.route.route,
                    decided_by=self.route.decided_by,
                    prompt_sha256=prompt_hash(f"{self.request.instruction or ''}\n{self.request.content}"),
                ),
                keep=self.settings.ledger.keep_last_request,
            )
        except OSError as exc:
            self.console.warn(f"could not keep this request for `slmr redo`: {exc}")


# --- slmr redo ---------------------------------------------------------------------------------


def redo(target: str | None, settings: Settings, console: Console, *, ledger_file: Path | None = None) -> Outcome:
    """Re-run the last request on the other route (or ``target``) and record a routing correction."""
    last = lastrun.recall()
    was = "local" if last.local else "cloud"
    target = target or ("cloud" if last.local else "local")
    if target == was:
        console.info(f"the last request already ran on the {was} route; running it again there")
    request = Request(
        command="redo",
        task=last.task,
        content=last.content,
        instruction=last.instruction,
        force=target,
        json=last.json,
        schema=last.schema,
        redo_of=last.call_id,
    )
    outcome = run(request, settings, console, ledger_file=ledger_file)
    if target != was:
        store = settings.ledger.store_text
        try:
            with Ledger(ledger_file or ledger_path()) as ledger:
                ledger.add_correction(
                    call_id=last.call_id,
                    redo_id=outcome.call_id,
                    task=last.task,
                    decided_by=last.decided_by,
                    from_route=tasks.RESHAPE if last.local else tasks.CREATE,
                    label=tasks.CREATE if target == "cloud" else tasks.RESHAPE,
                    prompt_sha256=last.prompt_sha256,
                    instruction=last.instruction if store else None,
                    content=last.content if store else None,
                )
        except (sqlite3.Error, OSError) as exc:
            console.warn(f"could not record the routing correction in the ledger: {exc}")
    return outcome


# --- asking the user ---------------------------------------------------------------------------


def open_tty() -> TextIO:
    """The controlling terminal, for a question while stdin is a pipe."""
    return open("/dev/tty", encoding="utf-8", errors="replace")


def confirm(console: Console, question: str) -> bool | None:
    """A yes/no question on the user's terminal; None when there is none (a script, CI, a git hook)."""
    if not console.stderr_is_tty:
        return None
    try:
        tty = open_tty()
    except OSError:
        return None
    with tty:
        console.stderr.write(f"{question} [y/N] ")
        console.stderr.flush()
        reply = tty.readline()
    return reply.strip().lower() in ("y", "yes")


# --- the ledger row ----------------------------------------------------------------------------


def _final_text(produced: list[str], content: str, cleaner: StreamCleaner | None) -> str:
    raw = "".join(produced)
    if cleaner is None:
        return raw
    fresh = StreamCleaner(content)
    return fresh.feed(raw) + fresh.finish()


def _fill_usage(record: CallRecord, response: Response | None, prompt_text: str, produced: list[str]) -> None:
    usage = response.usage if response is not None else None
    if usage is not None and usage.complete:
        record.input_tokens = usage.input_tokens
        record.output_tokens = usage.output_tokens
        record.cache_read_tokens = usage.cache_read_tokens
        record.cache_write_tokens = usage.cache_write_tokens
        record.tokens_estimated = usage.estimated
    elif produced or record.status == "interrupted":
        # the stream ended before the server reported final usage (Ctrl-C, a dropped connection):
        # keep what it did report (Anthropic sends input tokens first) and estimate the rest
        reported_input = usage.input_tokens if usage is not None else None
        record.input_tokens = reported_input if reported_input is not None else estimate_tokens(prompt_text)
        record.output_tokens = estimate_tokens("".join(produced))
        record.tokens_estimated = True


def _fill_costs(record: CallRecord, settings: Settings) -> None:
    def priced(model: str, backend: str) -> float | None:
        return pricing.cost(
            model,
            backend,
            record.input_tokens,
            record.output_tokens,
            settings.prices,
            cache_read_tokens=record.cache_read_tokens,
            cache_write_tokens=record.cache_write_tokens,
            energy_usd_per_1k=settings.local.energy_usd_per_1k_tokens,
        )

    record.cost_usd = priced(record.model, record.backend)
    # the baseline: the same tokens, cache reads and writes included, on the configured frontier model
    record.baseline_model = settings.cloud.resolved_model()
    record.baseline_cost_usd = priced(record.baseline_model, settings.cloud.provider)


def save(record: CallRecord, console: Console, ledger_file: Path | None = None) -> int | None:
    """Record a call; a broken ledger warns in one line but never stops the user's work."""
    path = ledger_file or ledger_path()
    saved = record_safely(path, record)
    if saved.problem:
        where = f"; saved to {saved.fallback}, merged back on the next healthy run" if saved.fallback else ""
        console.warn(f"ledger {path} unusable ({saved.problem}){where}")
    return saved.call_id


def supersede(call_id: int, console: Console, ledger_file: Path | None = None) -> None:
    """Mark a recorded call as not final: a retry or an escalation replaced it."""
    path = ledger_file or ledger_path()
    try:
        with Ledger(path) as ledger:
            ledger.supersede(call_id)
    except (sqlite3.Error, OSError) as exc:
        console.warn(f"could not update the ledger {path}: {exc}")


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
