"""The router's features on clear cases of each kind, and the decisions they lead to."""

from __future__ import annotations

import pytest

from slmr import cues, router
from slmr.router import CREATE, RESHAPE

DIFF = """diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,3 +1,3 @@
-TIMEOUT = 10
+TIMEOUT = 30
"""
TRACE = """Traceback (most recent call last):
  File "/srv/app/main.py", line 12, in <module>
    run()
KeyError: 'user_id'
"""
LOG = """2024-05-02T10:00:01Z INFO starting
2024-05-02T10:00:02Z ERROR job 12 failed
2024-05-02T10:00:03Z WARN retrying job 12
"""
NOTES = """Planning notes: the database migration runs on the 21st between 03:00 and 07:00 UTC.
Nothing needs to be done beforehand; the API is read-only during the window.
"""
CODE = """def total(items):
    out = 0
    for item in items:
        out += item.price
    return out
"""


# --- splitting the instruction from pasted content ---------------------------------------------


def test_a_first_line_ending_in_a_colon_introduces_the_content():
    parts = router.split("Write a commit message for this diff:\n" + DIFF)
    assert parts.instruction == "Write a commit message for this diff:"
    assert "TIMEOUT = 30" in parts.supplied


def test_a_short_last_paragraph_after_a_paste_is_the_instruction():
    notes = "Ana leads the migration. Bob owns the rollback plan. Questions go to the platform channel.\n\n"
    parts = router.split(notes + "^ summarize the above in one line")
    assert parts.instruction == "^ summarize the above in one line"
    assert parts.supplied.startswith("Ana leads")


def test_a_wh_question_after_a_trace_is_the_instruction_even_without_a_question_mark():
    parts = router.split(TRACE + "\n\nwhat file and line, and which key")
    assert parts.instruction == "what file and line, and which key"
    assert router.split(NOTES + "\n^ who is blocked and on what").instruction == "^ who is blocked and on what"


def test_an_ask_on_the_line_right_after_a_paste_is_the_instruction():
    fenced = "```ts\nconst a = 1;\nconst b = 2;\n```\nswitch these to template literals pls"
    assert router.split(fenced).instruction == "switch these to template literals pls"
    assert router.split("```diff\n" + DIFF + "```\ncommit msg pls, short").instruction == "commit msg pls, short"
    # after a closing fence a longer line is still the ask
    ask = "explain what this does step by step, esp the `ok = yield batch` part. i didn't write it"
    assert router.split("```python\n" + CODE + "```\n" + ask).instruction == ask
    thread = "#infra, Tue\nrosa: cache is cold every morning\nkwame: lifecycle rule, fixing it\ntl;dr"
    assert router.split(thread).instruction == "tl;dr"
    # the last line of an email is not an ask when the first line already is one
    assert router.split("Summarize this email\nHi team,\nthe build is green.\nThanks").instruction.startswith(
        "Summarize"
    )


def test_a_quoted_or_labelled_paragraph_is_content():
    quoted = router.split('can you make this comment less harsh?\n\n"Did you even run the linter? Review it again."')
    assert quoted.instruction == "can you make this comment less harsh?"
    ticket = "TKT-55: PDFs show tomorrow's date\nOnly for the Oslo entity. We format with dayjs.\n\nany idea why?"
    assert router.split(ticket).instruction == "any idea why?"


def test_a_question_before_a_trace_stays_the_instruction():
    parts = router.split("Why do I get this?\n\n" + TRACE)
    assert parts.instruction == "Why do I get this?"
    assert "KeyError" in parts.supplied


def test_inline_content_after_a_colon_and_in_quotes():
    assert router.split("fix typos: teh quick brwon fox") == router.Parts("fix typos", "teh quick brwon fox")
    quoted = router.split('make "pls fix asap, prod is down!!!" sound calm')
    assert quoted.supplied == "pls fix asap, prod is down!!!"
    assert "sound calm" in quoted.instruction
    # a URL in the content does not stop the split; the colon of "https:" is not followed by a space
    assert router.split("markdown link: Docs https://docs.example.com").supplied == "Docs https://docs.example.com"
    assert router.split("why does https://example.com/health return 503").supplied == ""
    # an intro line that asks nothing stays with the question at the end: it says what the question is about
    docs = "From our API docs:\n\n> Each key may make 600 requests per minute.\n\nso am i over the limit at 700?"
    assert router.split(docs) == router.Parts(
        "From our API docs:\nso am i over the limit at 700?", "> Each key may make 600 requests per minute."
    )


def test_a_quoted_question_under_a_verb_line_is_content_not_the_instruction():
    # the last paragraph ends in "?" and says "this", but the first line is the one with a verb
    prompt = "make this review comment less harsh, keep the point\n\nthis is completely wrong, did you even test this?"
    parts = router.split(prompt)
    assert parts.instruction == "make this review comment less harsh, keep the point"
    assert parts.supplied.startswith("this is completely wrong")
    # a short ask after a paste without a verb-led first paragraph still wins
    assert router.split("Notes from today\n\nwe agreed on sqs\n\n^ summarize that").instruction == "^ summarize that"


def test_a_why_question_above_pasted_output_stays_the_instruction():
    prompt = (
        "why is this slow? takes 40s on 12M rows\n\nSELECT count(*) FROM events;\n\nEXPLAIN says Seq Scan on events"
    )
    assert router.split(prompt).instruction.startswith("why is this slow?")


def test_piped_content_keeps_the_whole_prompt_as_the_instruction():
    assert router.split("summarize: the notes", "the content") == router.Parts("summarize: the notes", "the content")


# --- features, one kind at a time ----------------------------------------------------------------


def f(prompt: str, content: str = "", **kwargs) -> dict[str, float]:
    return router.features(prompt, content, **kwargs)


@pytest.mark.parametrize(
    "prompt",
    ["rewrite this to be more formal", "summarize the thread", "tl;dr pls", "translate to French: merci", "proofread"],
)
def test_reshape_verbs(prompt):
    assert f(prompt)["reshape_verb"] == 1.0


@pytest.mark.parametrize(
    "prompt",
    [
        "add JSDoc to this",
        "f-strings pls",
        "can this be a dict comprehension",
        "fix the indentation/formatting",
        "pull the magic numbers out into named constants",
    ],
)
def test_mechanical_edits_of_given_code_are_reshape_verbs(prompt):
    # the rule names these behaviour-preserving edits as reshape work
    assert f(prompt, CODE)["reshape_verb"] == 1.0


def test_a_slash_separates_words_and_a_hyphen_joins_them():
    from slmr import cues

    assert cues.tokens("indentation/formatting, thread-safe") == ["indentation", "formatting", "thread-safe"]


@pytest.mark.parametrize(
    "prompt", ["write a function that parses dates", "design a schema for invoices", "implement an LRU cache"]
)
def test_create_verbs_and_new_objects(prompt):
    feats = f(prompt)
    assert feats["create_verb"] == 1.0 and feats["new_object"] == 1.0 and feats["reshape_verb"] == 0.0


def test_write_whose_object_restates_the_input():
    feats = f("Write a commit message for this diff:\n" + DIFF)
    assert feats["write_restate"] == 1.0 and feats["diff"] == 1.0
    assert f("write a script that prints a changelog")["write_restate"] == 0.0  # a script is new


def test_a_design_doc_is_an_object_not_a_design_ask():
    assert f("Summarize this design doc: the cache sits in front of pricing and expires entries.")["create_verb"] == 0


def test_diagnosis_judgment_and_howto():
    assert f("why does this crash?\n\n" + TRACE)["diagnose"] == 1.0
    assert f("Should we use Kafka or SQS for this?")["judgment"] == 1.0
    assert f("how do I undo the last commit")["howto"] == 1.0


def test_depth_terms_are_counted_and_capped():
    assert f("make it thread-safe")["depth_terms"] == pytest.approx(1 / 3)
    assert f("a scalable, distributed, idempotent migration with failover")["depth_terms"] == 1.0


def test_constraints_and_expected_output_length():
    assert f("answer in one sentence")["short_output"] == 1.0
    assert f("write a detailed guide with examples")["long_output"] == 1.0
    assert f("must be async, without locks, at most 50 lines, and never block")["constraints"] == 1.0


def test_an_extractive_question_about_the_given_content():
    feats = f("According to this doc, when does the cache expire?\n\nEntries expire after 60 seconds, always.")
    assert feats["extractive_question"] == 1.0
    assert f("Why does the cache expire?")["extractive_question"] == 0.0  # no content: the answer must be new


def test_content_shape_code_trace_and_logs():
    assert f("Add type hints:\n" + CODE)["code"] == 1.0
    assert f("What failed?\n\n" + TRACE)["trace"] == 1.0
    assert f("Which jobs failed?\n\n" + LOG)["log_lines"] == 1.0
    assert f("Summarize this:\n" + LOG)["code"] == 0.0


def test_no_content_and_an_open_ask():
    assert f("what is a monad")["no_content_open"] == 1.0
    assert f("proofread")["no_content_open"] == 0.0  # a reshape ask whose text comes separately
    assert f("what is a monad")["content_share"] == 0.0


def test_an_inline_code_span_is_not_a_verb():
    assert f("write a script that reads `git log --format=%s`")["reshape_verb"] == 0.0


@pytest.mark.parametrize(
    ("prompt", "feature"),
    [
        ("Résume ce texte :\n\nLa réunion est déplacée à jeudi. Les tests passent.", "reshape_verb"),
        ("Übersetze das bitte ins Englische:\n\nDer Server startet neu.", "reshape_verb"),
        ("次の議事録を要約してください：\n\n・リリース日は6月3日", "reshape_verb"),
        ("为什么这个测试会失败？", "diagnose"),
        ("Écris une fonction qui trie une liste.", "create_verb"),
    ],
)
def test_instructions_in_other_languages(prompt, feature):
    assert f(prompt)[feature] == 1.0


def test_substring_cues_are_found_in_text_that_also_holds_typographic_punctuation():
    # scan() skips the substring cues in text holding none of their characters; curly quotes and "…"
    # are not such characters, so they must neither hide a cue nor trigger a false one
    assert all(any(not c.isascii() for c in s) for subs in cues.SUBSTRING_CUES.values() for s in subs)
    text = "“请总结一下” … 这段会议记录"
    assert cues.scan(cues.tokens(text), text)["reshape_verb"] >= 1
    curly, plain = "“summarize” this … then list why it broke", '"summarize" this ... then list why it broke'
    assert cues.scan(cues.tokens(curly), curly) == cues.scan(cues.tokens(plain), plain)


@pytest.mark.parametrize(
    "prompt",
    [
        "Fass das kurz zusammen",
        "haz esto más corto",
        "резюмируй",
        "この文を短くして",
        "把这段改成表格",
        "요약해 주세요",
        "tóm tắt giúp tôi",
        "لخص هذا النص",
    ],
)
def test_reshape_verbs_in_other_languages_come_from_a_word_list_not_from_mistakes(prompt):
    # summarize / shorten / rewrite / convert in many languages, written from a dictionary so that
    # a new writer's phrasing is covered before it is ever seen
    assert f(prompt, "Der Server startet neu. Die Tests laufen wieder.")["reshape_verb"] == 1.0


def test_explaining_given_content_is_reshape_but_explaining_why_is_not():
    assert f("explain this in plain words", CODE)["reshape_verb"] == 1.0
    assert f("erkläre diesen Code", CODE)["reshape_verb"] == 1.0
    assert f("explain why this crashes", CODE)["reshape_verb"] == 0.0
    assert f("explain the trade-offs here", CODE)["reshape_verb"] == 0.0
    assert f("explain how TCP works")["reshape_verb"] == 0.0  # no content: the answer must be new
    # the same rule in every language: "explica" is no more a create verb than "explain" is
    portuguese = f("O que essa query faz? Explica.", "SELECT id FROM users WHERE active = true ORDER BY id;")
    assert portuguese["reshape_verb"] == 1.0 and portuguese["create_verb"] == 0.0
    assert f("explica cómo funciona TCP")["howto"] == 1.0


@pytest.mark.parametrize(("prompt", "word"), [("implement a trie", "trie"), ("write a unit converter", "converter")])
def test_foreign_verbs_that_are_english_nouns_are_left_out(prompt, word):
    # "trie" (French: sorts) and "converter" (Portuguese: convert) are data structures and tools here
    assert f(prompt)["reshape_verb"] == 0.0, word


@pytest.mark.parametrize(
    ("prompt", "content", "feature"),
    [
        ("too long, cut to half", "", "reshape_verb"),
        ("pull the version numbers out", "", "reshape_verb"),
        ("split this docker run command over multiple lines", "", "reshape_verb"),
        ("only the lines between 14:05 and 14:10 pls", LOG, "reshape_verb"),
        ("what does `git clean -fdx` do", "", "reshape_verb"),
        ("what is this error actually saying?", TRACE, "reshape_verb"),
        (
            "make a jira ticket out of this",
            "the healthz endpoint returns 200 when the pool is exhausted",
            "restate_object",
        ),
        ("email to eng-all", "the VPN cert rotates this saturday 02:00-04:00 UTC", "restate_object"),
        ("which step failed?", LOG, "extractive_question"),
        ("does this say whether we must do anything before the migration?", NOTES, "extractive_question"),
        ("Da questa documentazione, qual è il limite?", NOTES, "extractive_question"),
        ("per this doc, what's the maintenance window?", NOTES, "extractive_question"),
        (
            "which index is this plan using?",
            "Index Scan using idx_orders_customer on orders (cost=0.43..8.45 rows=1)",
            "extractive_question",
        ),
        ("what does this part of our config actually do?", CODE, "reshape_verb"),
        (
            "json schema -> typescript interface pls",
            '{"type": "object", "properties": {"id": {"type": "string"}}}',
            "reshape_verb",
        ),
        ("según este documento, ¿cuándo es la migración?", NOTES, "extractive_question"),
        ("switch this to the new hash syntax", CODE, "reshape_verb"),
        ("merge into one list, note who raised each", NOTES, "reshape_verb"),
        ("turn each into a friendly inline comment", NOTES, "reshape_verb"),
        ("one liner for this pls", DIFF, "restate_object"),
        ("use constructor promotion here, same behaviour", CODE, "preserve"),
        ("change nothing else", CODE, "preserve"),
        ("strip every frame that isn't ours, keep the exception lines", TRACE, "reshape_verb"),
        ("what do these lines say happened, in order?", LOG, "reshape_verb"),
        ("email the eng team", "staging postgres is down saturday 02:00-04:00 UTC for the upgrade", "restate_object"),
        ("Şu hata mesajlarını Türkçeye çevirir misin?", NOTES, "reshape_verb"),
        ("bunu özetler misin", NOTES, "reshape_verb"),
        ("what's the request id in this error?", TRACE, "extractive_question"),
        ("What did we decide? Just the decisions.", NOTES, "extractive_question"),
        ("who asked for the migration to be split, and what reason did they give?", NOTES, "extractive_question"),
        ("how many distinct hosts here", "web-01 web-02 web-01 db-01 cache-01 web-03", "extractive_question"),
        ("did the backup finish last night and how long did it take?", LOG, "extractive_question"),
        ("which of our own classes show up in this, top to bottom", TRACE, "extractive_question"),
        ("what status codes can it return, and which one means a bad address?", NOTES, "extractive_question"),
        ("what does git reset --soft HEAD~2 do exactly", "", "reshape_verb"),
        ("Make this upgrade guide a GitHub task-list checklist", NOTES, "reshape_verb"),
        ("make this a markdown table with ts, level, msg", LOG, "reshape_verb"),
        ("Add a Google-style docstring to this function", CODE, "reshape_verb"),
        ("Put the options below into a comparison table, don't add your own", NOTES, "reshape_verb"),
        ("fix the formatting but don't change the wording", NOTES, "preserve"),
        ("add KDoc to these, don't change the code", CODE, "reshape_verb"),
        ("add KDoc to these, don't change the code", CODE, "preserve"),
        ("git diff --staged | write a conventional commit for this", DIFF, "restate_object"),
        ("switch to the new hash syntax, leave string keys alone", CODE, "preserve"),
        ("kotlin data class version of this pls", CODE, "reshape_verb"),
        ("one sentence version?", "", "reshape_verb"),
        ("less passive pls", NOTES, "reshape_verb"),
        ("can you soften these? keep every technical point", NOTES, "reshape_verb"),
        ("mask every IP address before I share it", LOG, "reshape_verb"),
        ("Reply to this customer. Points to cover: SSO is on the Business plan; OIDC in Q3.", NOTES, "reshape_verb"),
        ("Zet dit om in een markdown-tabel", NOTES, "reshape_verb"),
        ("¿me escribes el mensaje de commit para esto?", DIFF, "restate_object"),
        ("going by this docstring only: how much memory per key?", CODE, "extractive_question"),
        ("From this doc, why did they pick REST? Just what the doc says.", NOTES, "extractive_question"),
        ("下面的日志里，是哪个服务最先报错的？", LOG, "extractive_question"),
        ("which job failed and on what line?", LOG, "extractive_question"),
        ("clean this up, keep every point", NOTES, "reshape_verb"),
        ("port to postgres, same result", "SELECT TOP 10 id, name FROM users ORDER BY name", "reshape_verb"),
        ("swap the string concatenation for f-strings", CODE, "reshape_verb"),
        ("add explicit types to this", CODE, "reshape_verb"),
        ("same thing in go pls", CODE, "reshape_verb"),
        ("what's the last line of the trace? paste it back verbatim", TRACE, "reshape_verb"),
        ("popraw literówki w tym tekście", NOTES, "reshape_verb"),
        ("ise thoda formal bana do", NOTES, "reshape_verb"),
        ("このエラーは何て言ってるの？", TRACE, "reshape_verb"),
        ("sort these into: bug / feature / question", NOTES, "reshape_verb"),
        ("two things from these notes: when is the migration, and is the API up?", NOTES, "extractive_question"),
        ("which worker is the one crashing? just read it off", LOG, "extractive_question"),
        ("put this into a table, don't add opinions", NOTES, "preserve"),
        ("turn this into a release note, only use what's in the diff", DIFF, "preserve"),
    ],
)
def test_general_reshape_phrasings(prompt, content, feature):
    # complaints about form, filtering given lines, explaining a given command, wrapping stated facts,
    # questions the given text answers (in several languages)
    assert f(prompt, content)[feature] == 1.0


def test_asking_for_new_substance_in_a_message_is_not_restating():
    assert f("email to eng-all")["restate_object"] == 0.0  # nothing given to wrap
    assert f("which step should we add?", LOG)["extractive_question"] == 0.0  # a judgment, not a lookup
    assert f("what is the best way to say this?")["reshape_verb"] == 0.0
    assert f("plan the rollout of the new billing service")["create_verb"] == 1.0
    assert f("which index is this plan using?", LOG)["create_verb"] == 0.0  # "this plan" is a noun
    assert f("what's wrong with this query?", CODE)["diagnose"] == 1.0
    assert f("what's the max payload size?", NOTES)["diagnose"] == 0.0
    assert f("what's missing from this spec?", NOTES)["judgment"] == 1.0
    assert f("what did we decide?", NOTES)["create_verb"] == 0.0
    assert f("decide between these two designs", NOTES)["create_verb"] == 1.0
    assert f("what does pnpm install --frozen-lockfile do vs plain pnpm install?")["reshape_verb"] == 0.0
    assert f("what does a mutex do")["reshape_verb"] == 0.0  # a topic, not a given command
    # the verb is the job of a new artefact, not an edit of given text
    sql = f("sql to dedupe a table keeping only the latest row per email? mysql 8")
    assert (sql["reshape_verb"], sql["create_verb"], sql["new_object"]) == (0.0, 1.0, 1.0)
    assert f("regex to extract the ticket ids from these lines", LOG)["reshape_verb"] == 0.0
    assert f("which one should we pick?", NOTES)["extractive_question"] == 0.0
    assert f("reviewing a teammate's PR, what would you flag here?", CODE)["judgment"] == 1.0
    assert f("based on this, what should the follow-up plan be?", NOTES)["judgment"] == 1.0
    # "<language> version of this" converts; a version number or a new behaviour does not
    assert f("what go version do I need for generics?")["reshape_verb"] == 0.0
    assert f("make a thread-safe version of this", CODE)["reshape_verb"] == 0.0
    # "Given/When/Then format." names a format; "format this" asks for formatting
    assert f("write acceptance criteria for password reset. Given/When/Then format.")["reshape_verb"] == 0.0
    assert f("format this as JSON", NOTES)["reshape_verb"] == 1.0
    # a create verb after a determiner is a noun: "the design below", "this review comment"
    assert f("From the design below: what happens on downgrade?", NOTES)["create_verb"] == 0.0
    assert f("make this review comment less harsh", NOTES)["create_verb"] == 0.0
    assert f("review this design", NOTES)["create_verb"] == 1.0
    assert f("make this code review comment kinder", NOTES)["create_verb"] == 0.0
    # making given code faster, naming suspects, asking what to cover: new substance or a decision
    assert f("how do I make this faster?", CODE)["create_verb"] == 1.0
    assert f("which of these commits are the likely suspects?", LOG)["diagnose"] == 1.0
    assert f("kickoff on Monday for the billing rewrite. what should we cover?")["judgment"] == 1.0
    assert f("add new types for the order events", CODE)["reshape_verb"] == 0.0
    # asking how to change given code is not a lookup in it
    slow = f("whats the big-O here and how do i make it faster", CODE)
    assert slow["extractive_question"] == 0.0 and slow["depth_terms"] > 0
    # "変換中" is the IME's conversion state, not a request to convert
    assert f("日本語のIME変換中にEnterを押すと送信されてしまいます。どうすればいいですか？")["reshape_verb"] == 0.0
    assert f("このJSONをYAMLに変換して", NOTES)["reshape_verb"] == 1.0


def test_put_is_an_instruction_only_where_it_starts_a_clause():
    assert f("put these in a table, newest first", LOG)["reshape_verb"] == 1.0
    assert f("please put them in a numbered list", NOTES)["reshape_verb"] == 1.0
    assert f("is there a problem with this? we put these in a HashSet and get duplicates", CODE)["reshape_verb"] == 0.0


def test_diagnosis_words_that_ask_for_no_diagnosis():
    assert f("is there a bug in this?", CODE)["diagnose"] == 1.0
    # a commit-message convention and an explicit "no fix" are not diagnosis asks
    assert f("commit message for this, body should say why", DIFF)["diagnose"] == 0.0
    assert f("what do these lines mean? not asking for a fix", LOG)["diagnose"] == 0.0
    assert f("what happened here, in plain order? not asking why", LOG)["diagnose"] == 0.0
    no_fix = f("what is this error saying? I don't need a fix yet", TRACE)
    assert no_fix["diagnose"] == 0.0 and no_fix["create_verb"] == 0.0
    # "the failing job ids" picks items out; "fix the failing test" still asks for a fix
    assert f("extract the failing job ids from this log", LOG)["diagnose"] == 0.0
    assert f("fix the failing test", CODE)["diagnose"] == 1.0
    assert f("why is the failing test failing?", CODE)["diagnose"] == 1.0
    # a bare "fix pls" after a paste asks for a fix
    assert f("this page does 600 queries. fix pls", CODE)["diagnose"] == 1.0
    # "no need to optimise", "i didn't write it": verbs the user rules out
    assert f("what does this do? no need to optimise anything", CODE)["create_verb"] == 0.0
    assert f("explain this step by step, i didn't write it", CODE)["create_verb"] == 0.0
    # "which goroutine panicked" looks up what happened; "why did it panic" asks for a cause
    assert f("which goroutine panicked and on what line?", TRACE)["diagnose"] == 0.0
    assert f("why did it panic?", TRACE)["diagnose"] == 1.0
    # "a fix" after a denial is a noun, not a bare "fix" request
    assert f("what does this error mean? not looking for a fix", TRACE)["diagnose"] == 0.0
    # quoted terms, column names and category lists are mentions, not asks
    assert f('which is the innermost "Caused by" line?', TRACE)["diagnose"] == 0.0
    assert f("make a table (option | pros | cons | why not) of this", NOTES)["diagnose"] == 0.0
    assert f("label each line: bug / feature / question", LOG)["diagnose"] == 0.0
    assert f("write a bug report from this thread", NOTES)["diagnose"] == 0.0
    # "which service is failing" looks it up; "why is it failing" asks for a cause
    assert f("which service is failing? I'll dig in myself", LOG)["diagnose"] == 0.0
    assert f("which pod keeps restarting?", LOG)["diagnose"] == 0.0
    assert f("why is this service failing?", LOG)["diagnose"] == 1.0
    # fencing an edit in does not make a diagnosis mechanical
    assert f("why does this crash? change nothing else", CODE)["preserve"] == 0.0


def test_input_longer_than_the_context_window():
    text = "The meeting covered the roadmap and the hiring plan. " * 400  # ~5,000 tokens
    assert f("summarize", text, context_tokens=100_000)["over_context"] == 0.0
    assert f("summarize", text, context_tokens=2_000)["over_context"] == 3.0
    assert router.decide("summarize", text, context_tokens=2_000).route == CREATE
    assert router.decide("summarize", text, context_tokens=100_000).route == RESHAPE


def test_every_feature_has_a_weight_and_a_description():
    model = router.weights()
    assert set(f("x")) == set(model.weights) == set(model.descriptions)


# --- decisions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "route"),
    [
        ("Write a commit message for this diff:\n" + DIFF, RESHAPE),
        ("Is this change safe to deploy on Friday?\n\n" + DIFF, CREATE),
        ("Extract the failing job ids from this log:\n" + LOG, RESHAPE),
        ("Why does this keep failing and how do I fix it?\n\n" + TRACE, CREATE),
        ("Rename the variables to be descriptive, change nothing else:\n" + CODE, RESHAPE),
        ("Make this thread-safe and add retries with backoff:\n" + CODE, CREATE),
        ("Make this email more polite:\n\nSend me the report now. I needed it yesterday.", RESHAPE),
        ("Write an email convincing my manager to fund a rewrite of the billing service.", CREATE),
        ("Design a multi-region architecture for our SaaS with EU data residency.", CREATE),
        ("Turn these meeting notes into action items:\n\n- Ana: fix login\n- Raj: update docs by Friday", RESHAPE),
        ("Format this SQL:\n\nselect id,name from users where active=true order by name", RESHAPE),
        ("Write a SQL query that returns each customer's first order and total spend in 30 days.", CREATE),
        ("Explain what this command does: tar -xzvf backup.tar.gz -C /srv", RESHAPE),
        ("regex for ipv4 addresses", CREATE),
        ("fix typos: recieve the pakage tomorow", RESHAPE),
        ("Given this spec, design the database schema:\n\nUsers own projects. Projects have tasks. " * 3, CREATE),
    ],
)
def test_clear_cases_route_as_expected(prompt, route):
    decision = router.decide(prompt)
    assert decision.route == route, (decision.p_create, decision.reasons)
    assert decision.reasons
    assert 0.0 < decision.p_create < 1.0


def test_the_threshold_decides_and_defaults_to_the_fitted_one():
    prompt = "rewrite this paragraph"
    d = router.decide(prompt)
    assert d.threshold == router.weights().threshold
    assert router.decide(prompt, threshold=0.0).route == CREATE
    assert router.decide(prompt, threshold=1.0 + 1e-9).route == RESHAPE
    assert d.confidence == pytest.approx(1 - d.p_create)


def test_the_unsure_band_is_around_the_threshold():
    d = router.Decision(route=CREATE, confidence=0.32, p_create=0.32, threshold=0.25)
    assert d.unsure(0.1) and not d.unsure(0.05) and not d.unsure(0.0)


def test_explain_lists_contributions_strongest_first():
    bias, items = router.explain("design a schema for a multi-tenant audit log")
    assert isinstance(bias, float) and items
    sizes = [abs(c.logit) for c in items]
    assert sizes == sorted(sizes, reverse=True)
    p = router.decide("design a schema for a multi-tenant audit log").p_create
    import math

    assert p == pytest.approx(1 / (1 + math.exp(-(bias + sum(c.logit for c in items)))))


def test_terms_are_the_instructions_words_word_pairs_and_stems():
    assert router.terms("Tighten THIS, pls") == {"tighten", "this", "pls", "tighten this", "this pls", "~tight"}
    # spellings of one verb meet in its stem, so a weight learned from one reaches the others
    for verb in ("summarize", "summarise", "summarizing"):
        assert "~summa" in router.terms(f"{verb} the thread")
    # words under STEM_CHARS letters have no stem
    assert not any(t.startswith("~") for t in router.terms("fix the typo pls"))
    # only the start of a long instruction: that is where the ask is
    assert "zebra" not in router.terms("a " * router.TERM_CHARS + "zebra")
    # from the instruction, not from the pasted content
    feats, terms = router.analyse("Summarize this:\n" + NOTES)
    assert "summarize" in terms and "migration" not in terms
    assert feats == router.features("Summarize this:\n" + NOTES)


def test_explain_lists_strong_words_and_sums_the_rest():
    prompt = "tighten this paragraph, keep the facts: we moved the deploy to friday because QA found two blockers"
    _, items = router.explain(prompt)
    words = [c for c in items if c.name.startswith("word:")]
    assert words and all(abs(c.weight) >= router.WORD_SHOWN for c in words)
    known = sum(router.weights().words.get(t, 0.0) for t in router.analyse(prompt)[1])
    listed = sum(c.logit for c in items if c.name.startswith("word"))
    assert listed == pytest.approx(known)
    # "facts" and its stem "~facts" both carry weight: one line says "facts" for both
    assert {"facts", "~facts"} <= router.weights().words.keys()
    names = {c.name for c in items}
    assert "word:facts" in names and "word:~facts" not in names
