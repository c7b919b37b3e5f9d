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
    "commit-msg": Task(
        name="commit-msg",
        kind=RESHAPE,
        system=(
            "You are a careful copy editor for git commit messages. You get a commit message a developer "
            "wrote; return the same message with its form fixed and its content untouched.\n"
            "- Fix spelling, grammar and punctuation.\n"
            '- The first line is the subject: a summary in the imperative mood ("Add", "Fix", '
            '"Remove", not "Added" or "Fixes"), at most 72 characters and preferably 50 or fewer, '
            "capitalized, with no period at the end.\n"
            "- If there is more than the subject, put exactly one blank line after the subject, then the body "
            "as paragraphs wrapped at 72 columns. Keep lists as lists.\n"
            "- Keep the meaning exactly: add nothing, drop nothing, do not explain or speculate. Keep "
            "identifiers, file names, code, commands, URLs, numbers and issue references (#12) exactly as "
            "written. Keep the message's language.\n"
            "- Do not add a body if there is none, and do not add trailers such as Signed-off-by.\n"
            "Reply with the commit message only: no preamble such as 'Here is', no quotes, no code fence, "
            "no notes."
        ),
        default_instruction="Clean up this commit message.",
        clean_output=False,  # the hook rejects wrapped answers rather than trusting a repair
        help="Clean up a commit message (the git hook's task; reshape, local).",
    ),
    "commit-draft": Task(
        name="commit-draft",
        kind=RESHAPE,
        system=(
            "You write git commit messages from a staged diff. Describe what the change does and, when the "
            "diff makes it clear, why. Subject: imperative mood, at most 72 characters (50 preferred), "
            "capitalized, no period. Then, only if the change needs it, one blank line and a short body "
            "wrapped at 72 columns. Do not invent motives, tickets or trailers. " + _ONLY_ANSWER
        ),
        default_instruction="Write the commit message for this staged diff.",
        help="Draft a commit message from the staged diff (reshape, local).",
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
