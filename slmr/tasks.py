"""The task table: what each command asks of a model, and which route it takes by default."""

from __future__ import annotations

from dataclasses import dataclass

from slmr.backends.base import Message

RESHAPE = "reshape"
CREATE = "create"

_ONLY_ANSWER = (
    "Reply with the result only: no preamble such as 'Here is', no closing remarks, "
    "and no code fence around the whole answer."
)


@dataclass(frozen=True)
class Task:
    name: str
    #: "reshape" or "create"; None means the router decides (``ask``)
    kind: str | None
    system: str
    #: what to do when the user gave no instruction
    default_instruction: str
    #: strip a small model's usual wrapping ("Here is…", an all-enclosing fence) from the answer
    clean_output: bool = True
    help: str = ""

    def messages(self, content: str, instruction: str | None = None, json: bool = False) -> list[Message]:
        ask = (instruction or self.default_instruction).strip()
        system = self.system
        if json:
            system += " Answer with valid JSON only (an object or an array), nothing else."
        if not content:
            return [Message("system", system), Message("user", ask)]
        if self.kind is None:
            user = f"{ask}\n\n{content}"
        else:
            user = f"Instruction: {ask}\n\nText:\n<<<\n{content}\n>>>"
        return [Message("system", system), Message("user", user)]


TASKS: dict[str, Task] = {
    "rewrite": Task(
        name="rewrite",
        kind=RESHAPE,
        system=(
            "You are a careful editor. Rewrite the text you are given as instructed, keeping its meaning, "
            "its language, its structure (headings, lists, paragraphs), and every code block, inline code "
            "span and URL exactly as they are. " + _ONLY_ANSWER
        ),
        default_instruction="Fix spelling and grammar and make it clearer and more concise.",
        help="Rewrite text: fix grammar, tone, clarity (reshape, local).",
    ),
    "summarize": Task(
        name="summarize",
        kind=RESHAPE,
        system=(
            "You summarize text faithfully: only what the text says, shorter than the text, in the text's "
            "language. " + _ONLY_ANSWER
        ),
        default_instruction="Summarize the text in a few sentences or bullet points.",
        help="Summarize text (reshape, local).",
    ),
    "extract": Task(
        name="extract",
        kind=RESHAPE,
        system=("You extract information from text: only what the text contains, nothing invented. " + _ONLY_ANSWER),
        default_instruction="Extract the key facts, decisions and action items as a list.",
        help="Extract items (action items, names, dates...) from text (reshape, local).",
    ),
    "ask": Task(
        name="ask",
        kind=None,
        system="You are a concise, expert assistant for software developers.",
        default_instruction="",
        clean_output=False,
        help="Ask anything; the router sends it to the local or the frontier model.",
    ),
    "create": Task(
        name="create",
        kind=CREATE,
        system="You are a concise, expert assistant for software developers.",
        default_instruction="",
        clean_output=False,
        help="Create new content on the frontier model.",
    ),
}


def get(name: str) -> Task:
    return TASKS[name]
