"""The router's vocabulary: words and phrases that signal a kind of ask, matched in one pass.

A big alternation regex over the instruction costs milliseconds in Python's ``re``; looking up
each word (and its short prefixes, for stems like ``migrat*``) in a dict costs microseconds. So
the cues are data here, compiled once into ``first word → phrases`` and ``stem → category``
tables, and ``scan`` counts every category in a single pass over the words. Scripts written
without spaces (Japanese, Chinese, Korean) are matched as substrings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import product

#: the longest instruction prefix (and suffix) scanned: instructions are short; a long first
#: paragraph is mostly content, and its cues would be noise
MAX_SCAN = 400


def _words(text: str) -> list[str]:
    return text.split()


def _combos(*parts: str) -> list[str]:
    """'make|turn', 'this|it' → ['make this', 'make it', 'turn this', 'turn it']."""
    return [" ".join(words).strip() for words in product(*(p.split("|") for p in parts))]


_ARTICLE = "|the |my |any |all "
CUES: dict[str, list[str]] = {
    "reshape_verb": [
        *_words(
            "rewrite re-write rephrase reword paraphrase proofread summar* recap condense shorten shorter trim "
            "simplify cleanup clean-up polish tighten grammar typo typos spelling extract translate convert reformat "
            "format formatting rename dedupe de-duplicate group tally reorganize reorganise restructure collapse "
            "bullet bullets bulletize politer friendlier kinder softer warmer redact wrap highlight classify "
            "categori* tldr jsdoc javadoc kdoc tsdoc phpdoc rustdoc godoc docblock docblocks f-string f-strings "
            "fstring fstrings comprehension "
            "comprehensions readonly pep8 pep-8 prettier gofmt rustfmt isort lint linting indent indentation "
            "annotate grammer spellcheck spell-check abridge distill distil itemize tabulate alphabetize alphabetise "
            "capitalize capitalise uppercase lowercase anonymize anonymise prettify pretty-print beautify minify "
            "dedent unindent reflow rewrap copyedit copy-edit restate transliterate transcribe dedup de-dupe "
            # "to the new hash syntax", "idiomatic Kotlin": a change of form, not of behaviour
            "syntax idiomatic modernize modernise strip soften"
        ),
        *_combos("compress|mask", "this|these|it|the|every|all|each|any|out"),
        # "less passive", "more formal": a change of tone or register of given text
        *_combos(
            "less|more",
            "passive|formal|wordy|casual|harsh|blunt|stiff|technical|jargony|corporate|robotic|aggressive|polite|"
            "friendly|concise|direct|professional|diplomatic|neutral",
        ),
        # the user lists what to say (tie-breaker 2): "reply to this. points to cover: ..."
        *_combos("points|things", "to cover|to mention|to make|to include"),
        *_combos("zet", "dit|het|deze", "om"),
        "omzetten",
        *_combos("in|into", "english|spanish|french|german|italian|portuguese|dutch|polish|japanese|chinese|korean"),
        "tl dr",
        "sum up",
        "sum it up",
        # writing that wraps facts the user states (tie-breaker 2): "reply saying yes, 3pm works"
        "saying",
        *_combos("let|letting", "them|the team|everyone|people|folks|the customer|him|her", "know"),
        *_combos("tell|telling", "them|the team|everyone|the customer|him|her"),
        "boil down",
        "boil this down",
        "tone down",
        "the gist",
        "key points",
        "main points",
        "key takeaways",
        "action items",
        "pick out",
        "list out",
        "pretty print",
        "sentence case",
        "kebab case",
        "kebab-case",
        "pascal case",
        "pascalcase",
        "upper case",
        "lower case",
        "in plain english",
        "in plain words",
        "in simple terms",
        "in your own words",
        *_combos("redo", "this|it"),
        *_combos("group", "these|this|them|by"),
        *_combos("combine|join", "these|this|them"),
        "clean up",
        "tidy up",
        *_combos("clean|tidy", "this|these|it|them|that|my|the", "up"),
        # "port to bigquery sql": like "port this", a change of dialect
        "port to",
        "pull out",
        "bullet points",
        "bullet point",
        "magic numbers",
        "named constants",
        "type annotations",
        "doc comments",
        "imperative mood",
        "title case",
        "snake case",
        "snake_case",
        "camelcase",
        "camel case",
        "walk me through",
        "break down",
        "according to",
        "based on this",
        "based on the",
        "based on what",
        "based only on",
        "label each",
        "tag each",
        "mark each",
        "list them",
        "correct the grammar",
        "correct the spelling",
        *_combos(
            "fix",
            _ARTICLE,
            "grammar|typo|typos|spelling|punctuation|formatting|indentation|markdown|english|wording|phrasing|"
            "capitalization|capitalisation|casing|whitespace",
        ),
        *_combos("cut", "this|it|down|in half|to half"),
        *_combos("over|across|onto|into|on", "multiple|several|separate|one|a single", "lines|line"),
        # filtering given lines: "only the lines between 14:05 and 14:10"
        *_combos("only|just", "the", "lines|rows|entries|errors|warnings|ones|items|names|dates|urls"),
        # a complaint about the given text's form asks to reshape it: "too long, cut to half"
        *_combos("too", "long|wordy|verbose|formal|informal|casual|harsh|blunt|stiff|dense|rambly|jargony"),
        *_combos("list", "the|all|every|only|just"),
        *_combos("which", "lines|requests|pods|tables|ones"),
        "which of these",
        # "put" is matched in the router only where it starts a clause: "we put these in a HashSet" is a story
        *_combos("turn|port", "this|these|that|it|them|my|each|every|all"),
        *_combos("switch", "this|these|that|it|them", "to|over"),
        *_combos("show", "this|these|them|it|only"),
        *_combos("make", "this|it|these|that", "sound|more|less|shorter|longer|clearer|friendlier|into|consistent"),
        *_combos("make", "this|it|these|that", "readable|imperative|polite|formal|professional|scannable"),
        *_combos("make", "this|it", "a", "table|list|proper"),
        *_combos("sort", "these|this|them|the|alphabetically|by"),
        *_combos("merge", "these|the|them|all|everything|into one|into a single"),
        *_combos("count", "each|these|requests|occurrences"),
        *_combos("count the", "lines|requests|votes|comments"),
        "count how many",
        *_combos("replace", "the|these|all|every|var|this"),
        *_combos("swap", "the|these|all|every|this|out"),
        *_combos("flatten", "this|the"),
        *_combos("to", "json|yaml|csv|markdown|html"),
        "to a table",
        *_combos("more", "formal|polite|concise|professional|friendly|casual"),
        *_combos("less", "formal|harsh|stiff|robotic|jargon"),
        *_combos("add", "type hints|types|docstrings|docstring|comments|comment|a docstring|alt text"),
        *_combos("explain", "in plain|each|what this|what these|what the"),
        *_combos("explain this", "diff|command|query|code|function|pipeline|regex"),
        *_combos("from", "this|these|the", "notes|thread|email|doc|log"),
        # fr de es pt it nl pl ru tr sv cs el
        *_words(
            "résume resume résumé réécris reecris récris reformule corrige traduis réponds reponds zusammen fasse "
            "übersetze ubersetze korrigiere formuliere umschreiben resuma resumir reescribe reescriba reescreva "
            "reescrever traduza traduzir traduce convierte corrija liste riassumi traduci riscrivi vertaal "
            "przetłumacz przetlumacz перепиши сократи переведи rätta přepiš συνόψισε résumer resumer "
            "résumez tradúceme traducir traduire übersetzen hernoem hernoemen classifica classifique clasifica "
            "formale formeller "
            # es / pt
            "resúmeme resumeme reescribir reformula reformular corregir tradúcelo traducelo acorta acortar simplifica "
            "simplificar convertir extrae extraer enumera ordena ordenar agrupa formatea formatear encurte encurtar "
            "simplifique converta extraia extrair formate agrupe ordene "
            # fr
            "reformuler corriger raccourcis raccourcir simplifie simplifier convertis extrais extraire reformate "
            "reformater regroupe "
            # de
            "zusammenfassen korrigieren umformulieren kürze kurze kürzen kurzen vereinfache vereinfachen konvertiere "
            "konvertieren umwandeln wandle extrahiere extrahieren sortiere sortieren formatiere formatieren gruppiere "
            # it / nl
            "riassumere tradurre riscrivere riformula riformulare correggi correggere accorcia accorciare semplifica "
            "semplificare converti convertire estrai estrarre elenca ordina formatta raggruppa samenvatten vertalen "
            "trasforma trasformi trasformare transforma transforme transformar transformer verwandle umwandle "
            "herschrijf herschrijven herformuleer corrigeer verkort vereenvoudig converteer sorteer formatteer "
            # pl / cs / sv
            "streść stresc podsumuj przepisz skróć skroc uprość uprosc przekonwertuj wyodrębnij wypisz posortuj "
            "sformatuj przeformułuj shrň shrn přelož preloz zkrať zjednoduš převeď seřaď naformátuj sammanfatta "
            "översätt oversatt förkorta förenkla konvertera sortera formatera "
            # ru / uk / tr / id / vi
            "резюмируй суммируй перефразируй упрости преобразуй конвертируй извлеки выпиши перечисли отсортируй "
            "отформатируй сгруппируй подытожь перекажи підсумуй скороти переклади спрости "
            "yazım imla ringkas ringkaskan rangkum rangkumkan terjemahkan "
            "sederhanakan urutkan dịch eli5 kürzer freundlicher höflicher короче вежливее формальнее korter "
            "formeler krócej "
            # pl: typos, punctuation (nouns, like "typos")
            "literówki literowki literówkę literowke interpunkcję interpunkcje"
        ),
        # Hinglish: "isko professional bana do" (make it professional), "chhota kar do" (shorten it)
        *_combos("professional|formal|polite|chhota|short|clear|simple", "bana|banao|kar|karo"),
        # Turkish verbs take suffixes ("çevirir misin", "özetler misin"): match their stems
        *_words(
            "çevir* düzelt* özetle* kısalt* sadeleştir* dönüştür* listele* sırala* biçimlendir* türkçeye* ingilizceye*"
        ),
        *_combos(
            "más|mas|plus|più|piu|mais", "corto|curto|court|breve|formal|formel|formale|claro|clair|chiaro|amable"
        ),
        *_combos("bardziej", "formalnie|uprzejmie"),
        *_combos("fasse|fass", "das|es|den|die|mir"),
        "vat samen",
        "zet om",
        "skriv om",
        "yeniden yaz",
        "tulis ulang",
        "tóm tắt",
        "viết lại",
        "rút gọn",
        "своими словами",
        "mets en forme",
        "ajoute des commentaires",
        "maak dit",
        *_combos("was macht", "dieser|diese|das|der"),
        *_combos("qué hace|que hace|que fait|cosa fa|o que", "este|esta|essa|esse|ce|cette|questo|questa|isso"),
    ],
    "create_verb": [
        *_words(
            "write create design implement build generate brainstorm propose invent architect draft prove derive "
            "solve optimi* improve refactor migrate setup outline estimate recommend suggest compare evaluate critique "
            "review decide choose pick"
        ),
        # "plan the rollout" is a verb; "this plan", "the query plan" are nouns
        *_combos("plan", "the|a|an|out|how|our|my|this|for|me|us|it"),
        "speed up",
        "speed this",
        *_combos("make", "it|this|that|these|them", "fast|faster|quicker|efficient|scalable|performant|cheaper"),
        "set up",
        "come up with",
        *_combos("need", "a|an|some"),
        "idea for",
        "ideas for",
        *_combos("make", "me|us|", "a|an"),
        *_combos("give me", "a|an|some|#"),
        *_words(
            "écris ecris conçois concevoir schreibe entwirf escribe diseña disena "
            "escreva projete scrivi progetta napisz напиши спроектируй yaz buatkan "
            "implementa crea genera construye propón propon sugiere optimiza crie implemente gere sugira otimize "
            "crée cree implémente génère genere recommande erstelle implementiere entwickle "
            "generiere baue optimiere vergleiche empfiehl ottimizza confronta consiglia proponi schrijf ontwerp "
            "bouw implementeer genereer zaprojektuj zaimplementuj stwórz stworz utwórz wygeneruj zoptymalizuj "
            "porównaj zaproponuj реализуй создай сгенерируй придумай оптимизируй сравни предложи tasarla oluştur "
            "öner karşılaştır scaffold troubleshoot investigate diagnose parallelize memoize "
            "automate"
        ),
        "code up",
        "whip up",
        "flesh out",
        "expand on",
        "think of",
        "spec out",
        "schlage vor",
        "maak een",
        "thiết kế",
        "viết",
    ],
    "restate_object": [
        *_words(
            "summary title headline tweet sms out-of-office announcement reply timeline table bullets bullet checklist "
            "task-list json yaml csv markdown html gherkin mermaid docstring docstrings comment comments trailers "
            "agenda faq annotation changelog"
        ),
        "commit message",
        "commit msg",
        "conventional commit",
        *_combos("commit", "for this|for these|for that|for it"),
        "meeting minutes",
        "todo list",
        "to-do list",
        "todos",
        "one-liner summary",
        *_combos("one liner|one-liner|oneliner", "for|of", "this|these|that|it"),
        # "make a jira ticket out of this": the artefact is built from the given text
        *_combos("out of", "this|these|that|it|them"),
        *_words(
            "resumen resumo zusammenfassung riassunto samenvatting streszczenie podsumowanie shrnutí sammanfattning "
            "выжимка резюме özet ringkasan tabla tabela tableau tabelle tabella таблицу таблица respuesta resposta "
            "réponse antwort risposta respond responde responda antworte rispondi"
        ),
        "msg",
        "commit-message",
        "descripción",
        *_combos("mensaje|mensagem|message|messaggio", "de|di", "commit"),
        "commit-nachricht",
        "commit subject",
        "subject line",
        "merge commit",
        "pr description",
        "changelog entry",
        "release notes",
        "release note",
        "release announcement",
        "slack message",
        "alt text",
        "status update",
        "thank-you note",
        "bullet list",
        "user story",
        "user stories",
        "given/when/then",
        "given when then",
        "faq entry",
        "calendar invite",
        "one line",
        "one sentence",
        "one paragraph",
        *_combos("#", "bullets|sentences|lines|words"),
    ],
    "new_object": [
        *_words(
            "function class script program module library cli bot service endpoint api sdk query queries schema "
            "architecture system design algorithm plan roadmap strategy policy proposal spec adr rfc test tests "
            "regex dockerfile makefile hook workflow pipeline migration tutorial guide readme contributing talk okr "
            "okrs implementation one-liner decorator parser cache queue scheduler ideas name names solution tasks "
            "subtasks recurrence proof skeleton"
        ),
        "data model",
        "data structure",
        "test suite",
        "test plan",
        "regular expression",
        "github action",
        "blog post",
        "style guide",
        "job description",
        "interview questions",
        "threat model",
        "acceptance criteria",
        "state machine",
        "rate limiter",
    ],
    "diagnose": [
        *_words(
            "why debug* bug bugs broken fail fails failing crash* hang hangs leak* deadlock* panic* "
            "slow stall stalls caus* suspect* culprit* "
            "pourquoi warum porqué porque perché perche почему dlaczego neden varför proč"
        ),
        "what is wrong",
        *_combos("what's|whats", "wrong|going on|happening|causing|breaking|up with"),
        "i did wrong",
        "we did wrong",
        "what did i do wrong",
        "root cause",
        "not working",
        "doesn't work",
        "doesnt work",
        "what could",
        "won't",
        "wont",
        "can't get",
        "cannot get",
        "can't figure",
        "keeps failing",
        "flaky",
        "intermittent*",
        "regression",
        "figure out",
        "how bad",
        "por qué",
        "por que",
        *_combos("fix", "this|it"),
        *_combos("fix the", "bug|error|test|issue|failing|failed|broken|flaky|crashing"),
        *_combos("is", "this|it", "safe|correct|right"),
        *_combos("is there", "a|any", "problem|problems|bug|bugs|issue|issues|race|leak|mistake"),
        "anything wrong",
        "is this an attack",
    ],
    "judgment": [
        *_words(
            "better best recommend* vs versus compare comparison risk risks ambiguous gaps tradeoff tradeoffs "
            "trade-off trade-offs mejor meilleur besser melhor nên opinion thoughts downsides pitfalls "
            "gotchas weaknesses alternatives"
        ),
        "makes sense",
        "feedback on",
        "sanity check",
        "sanity-check",
        "poke holes",
        "ok to",
        "okay to",
        "should i",
        "should we",
        "shall we",
        "who's right",
        "whos right",
        "which is",
        "which option",
        "pros and cons",
        "trade off",
        "trade offs",
        "worth it",
        "good idea",
        "what are we missing",
        *_combos("what's|whats|what is|anything|is anything|is something", "missing"),
        "when will",
        *_combos("is", "it|this", "a good idea|worth|over-engineered|overengineered|feasible|possible"),
        *_combos("what would you", "do|change|recommend|pick|use|flag|improve|fix|worry about|push back on"),
    ],
    "howto_ask": [*_combos("how", "do|can|should|would|could", "i|we|you"), "how to"],
    "howto": [
        *_combos("how", "do|can|should|would|could", "i|we|you"),
        "how to",
        "how does",
        "how is",
        "what's the way",
        "what's the best way",
        "what is the best way",
        "what is",
        "what are",
        "what's a",
        "what's an",
        "what's the",
        "difference between",
        # "explain" in every language is an open question unless it is about given content (see "explain")
        "explain",
        *_words(
            "comment wie cómo como come explique explica erkläre erklare objaśnij wyjaśnij объясни поясни açıkla "
            "jelaskan spiega"
        ),
    ],
    "depth": [
        *_words(
            "trade-off* tradeoff* scal* concurren* thread-safe race distributed consisten* idempoten* architect* "
            "schema* migrat* zero-downtime performance optimi* complexity algorithm* prove proof secur* multi-tenan* "
            "replicat* failover deadlock latency throughput capacity at-least-once exactly-once isolation partition* "
            "shard* backpressure consensus transaction* np-hard probabilit* invariant* stream* testable memory ram "
            "retry retries backoff lock* dependenc* iterative* recursi* faster quicker big-o"
        ),
        "zero downtime",
        "edge case",
        "edge cases",
        "cache invalidation",
        "step by step",
        "safe to",
        "without making",
        "without blocking",
    ],
    "constraint": [
        *_words(
            "must without keep only include including handle handles support cover while ensure never always don't dont"
        ),
        "at most",
        "at least",
        "no more than",
        "under #",
        "max #",
        "maximum #",
        "do not",
        "with proper",
        "with a",
        "with an",
        "so that",
        "in under",
        *_combos("per", "user|tenant|request"),
        "per api key",
    ],
    "short_output": [
        *_words("short brief tldr title subject"),
        "tl dr",
        "one line",
        "one-line",
        "one sentence",
        "one paragraph",
        "just the",
        "just give",
        "only the",
        *_combos("in", "one|two|three|#", "sentence|sentences|line|lines|bullet|bullets|word|words"),
        *_combos("#", "words|bullets|sentences|lines"),
        *_combos("under #", "chars|characters|words"),
        "max # chars",
    ],
    "long_output": [
        *_words(
            "detailed comprehensive complete full in-depth thorough step-by-step guide tutorial essay document "
            "milestones concrete concretely cover covering"
        ),
        "in depth",
        "step by step",
        "with example",
        "with examples",
        "explain the",
        "explain your",
        "explain why",
        "and explain",
        "with reasoning",
        "show your math",
        "show your work",
        "blog post",
    ],
    "design_doc": ["design doc", "design docs"],
    #: the user fences the edit in ("same behaviour", "change nothing else"): a mechanical, local change
    "preserve": [
        *_combos("same", "behaviour|behavior|logic|semantics|meaning|output"),
        "behaviour-preserving",
        "behavior-preserving",
        *_combos("no", "functional|behaviour|behavior|logic", "change|changes"),
        *_combos("without changing|keep", "|the ", "behaviour|behavior|logic|semantics|meaning"),
        "nothing else",
        "change nothing",
        *_combos("don't|dont|do not", "touch|change anything"),
        *_combos("don't|dont|do not", "add|invent", "new|any|anything|your own"),
        *_combos(
            "don't|dont|do not",
            "change",
            "words|the words|wording|the wording|the text|the meaning|anything else|the code|the logic|"
            "behaviour|behavior",
        ),
        *_combos("no new", "points|content|facts|information|info|claims"),
        *_combos("don't|dont|do not", "add", "opinions|commentary|interpretation|recommendations"),
        # "only use what's in the review": the answer may hold nothing the given text does not
        *_combos("only use|use only|only", "what's|whats|what is", "in|there|given|stated"),
        *_combos("isn't|is not|isnt", "there|in it|in the text"),
    ],
    #: "explain": reshape when it is about given content and asks no why/judgment (the rule's "explain in plain
    #: words what a given snippet does"), create otherwise
    "explain": [
        *_words(
            "explain explica explique explicá erkläre erklare erklär spiega wyjaśnij wyjasnij объясни поясни "
            "açıkla acikla jelaskan vysvětli"
        ),
        "leg uit",
        "walk me through",
    ],
    "deictic": [*_words("this these that above below here given attached my it"), "the following"],
    "backref": _words("above that this these those it das ça esto isso questo"),
    "wh": [*_words("what which who when where"), "how many", "how long"],
    "extractive": [
        "according to",
        *_combos("going by|go by|judging by|judging from", "this|these|the|that"),
        *_combos(
            "just|only",
            "what the|what this",
            "doc|docs|text|article|adr|page|notes|email|thread|spec|post|log|logs|report|readme|ticket",
            "says|say|said",
        ),
        *_words("según segun selon laut gemäß gemass secondo volgens według wedlug согласно göre menurut"),
        *_combos(
            "de acuerdo con|d'après|d'apres|da|dalla|dal|z|из", "este|esta|esto|questa|questo|tego|tej|этого|этой"
        ),
        "based on",
        "based only on",
        "did they",
        "who is responsible",
        "who is in charge",
        "when is",
        "which of these",
        *_combos("does", "this|it|the email|the doc|the log|the page", "say|mention|state"),
        *_combos("per", "this|the|these|your"),
        *_combos(
            "which",
            "step|steps|file|line|job|jobs|test|tests|service|services|host|hosts|version|commit|function|endpoint|"
            "request|user|users|task|tasks|stage|container|node|query|index|table|tables|column|columns|key|field|"
            "branch|pod|region|port",
        ),
        "which one",
        "which ones",
        # "just read it off the events"
        *_combos("read", "it|that|this|them|", "off"),
        *_combos("what did", "we|they|he|she"),
        *_combos("who", "asked|said|raised|suggested|proposed|owns|mentioned|reported|wrote|approved|objected|agreed"),
    ],
    "imperative": [
        *_words("give make put turn write list show tell find pull sort add use now please pls"),
        "can you",
        "could you",
    ],
}

#: cues in scripts written without spaces between words
SUBSTRING_CUES: dict[str, tuple[str, ...]] = {
    "reshape_verb": (
        "要約",
        "翻訳",
        "英語に",
        "書き直",
        "校正",
        "总结",
        "翻译",
        "润色",
        "改写",
        "정리",
        "뽑아",
        "요약",
        "번역",
        "अनुवाद",
        # ja: "what is it saying", "what does it mean" about a given message
        "何て言って",
        "何と言って",
        "どういう意味",
        "注释",
        "コメントを",
        "바꿔",
        "줄여",
        # ja
        "短く",
        "まとめ",
        "言い換え",
        "整形",
        # "変換中" is the IME's conversion state; "に変換", "変換して" ask to convert
        "に変換",
        "変換して",
        "抽出",
        "箇条書き",
        "英訳",
        "和訳",
        "日本語に",
        "丁寧に",
        "丁寧な",
        "敬語",
        "並べ替え",
        "表に",
        "一覧に",
        "次の内容",
        "以下の内容",
        # zh (simplified and traditional)
        "摘要",
        "概括",
        "归纳",
        "缩短",
        "精简",
        "简化",
        "转换",
        "转成",
        "转为",
        "提取",
        "列出",
        "排序",
        "格式化",
        "重写",
        "改成",
        "译成",
        "翻成",
        "要点",
        "總結",
        "翻譯",
        "改寫",
        "潤色",
        "轉換",
        "歸納",
        # ko
        "다듬어",
        "맞춤법",
        "변환",
        "추출",
        "나열",
        "정렬",
        "표로",
        "다시 써",
        "간단하게",
        "간결하게",
        # hi / ar (combining marks split words, so match substrings)
        "सारांश",
        "छोटा कर",
        "दोबारा लिख",
        "फिर से लिख",
        "لخص",
        "ترجم",
        "اختصر",
        "أعد صياغة",
    ),
    "create_verb": (
        "設計",
        "実装",
        "教えて",
        "写一个",
        "设计",
        "实现",
        "작성",
        "作って",
        "作成",
        "考えて",
        "提案",
        "最適化",
        "编写",
        "生成",
        "创建",
        "帮我写",
        "优化",
        "推荐",
        "만들어",
        "구현",
        "설계",
        "추천",
        "최적화",
        "बनाओ",
        "लिखो",
        "اكتب",
    ),
    "diagnose": ("なぜ", "为什么", "為什麼", "왜", "バグ", "为何", "原因", "원인", "क्यों", "لماذا"),
    "howto": ("どうすれば", "どうやって", "如何", "怎么", "어떻게", "कैसे", "解释", "解釋", "説明", "설명", "اشرح"),
    "explain": ("解释", "解釋", "説明", "설명", "समझा", "اشرح"),
    # "是哪个服务最先报错的": which one, read off the given text
    "extractive": ("是哪个", "是哪些", "哪一个", "どれが", "どの行"),
}

#: hyphens join a word ("trade-off", "thread-safe"); a slash separates two ("indentation/formatting")
_TOKEN = re.compile(r"[\w']+(?:-[\w']+)*|#|\^")


def tokens(text: str) -> list[str]:
    """Lower-case words; numbers become '#' so "in 3 bullets" matches "in # bullets"."""
    return ["#" if t.isdigit() else t for t in _TOKEN.findall(text.lower())]


#: phrases indexed by their first word, then by their second ("" for one-word cues): common first words
#: ("in", "make", "fix") start dozens of phrases, and most positions rule all of them out by the next word
_Index = dict[str, dict[str, list[tuple[tuple[str, ...], str]]]]


def _compile(cues: dict[str, list[str]]) -> tuple[_Index, dict[str, list[str]]]:
    phrases: _Index = {}
    stems: dict[str, list[str]] = {}
    for category, entries in cues.items():
        for entry in entries:
            if entry.endswith("*"):
                stems.setdefault(entry[:-1], []).append(category)
                continue
            words = tuple(tokens(entry))
            second = words[1] if len(words) > 1 else ""
            phrases.setdefault(words[0], {}).setdefault(second, []).append((words, category))
    return phrases, stems


_PHRASES, _STEM_CATEGORIES = _compile(CUES)
_STEM_LENGTHS = sorted({len(s) for s in _STEM_CATEGORIES})
#: the first non-ASCII character of every substring cue: a cue can only be in a text holding one
_SUBSTRING_CHARS = re.compile(
    "["
    + "".join(sorted({re.escape(next(c for c in s if not c.isascii())) for v in SUBSTRING_CUES.values() for s in v}))
    + "]"
)
#: every stem's first _HEAD letters: one lookup rules out all stems for most words
_HEAD = _STEM_LENGTHS[0]
_STEM_HEADS = frozenset(s[:_HEAD] for s in _STEM_CATEGORIES)


def scan(words: list[str], text: str = "") -> Counter[str]:
    """How many cues of each category the words contain (one per category per position)."""
    found: Counter[str] = Counter()
    n = len(words)
    for i, word in enumerate(words):
        by_second = _PHRASES.get(word)
        if by_second:
            seen: set[str] = set()
            for key in ("", words[i + 1] if i + 1 < n else None):
                for phrase, category in by_second.get(key, ()) if key is not None else ():
                    if category not in seen and tuple(words[i : i + len(phrase)]) == phrase:
                        found[category] += 1
                        seen.add(category)
        if word[:_HEAD] not in _STEM_HEADS:
            continue
        for k in _STEM_LENGTHS:
            if k > len(word):
                break
            cats = _STEM_CATEGORIES.get(word[:k])
            if cats:
                for category in cats:
                    found[category] += 1
    # every substring cue is in a script without spaces: text without one of their characters holds
    # none (curly quotes and "…" make much English text non-ASCII, so isascii() alone rarely skips)
    if text and n and not text.isascii() and _SUBSTRING_CHARS.search(text):
        for category, subs in SUBSTRING_CUES.items():
            if any(s in text for s in subs):
                found[category] += 1
    return found


def window(text: str) -> str:
    """The part of an instruction worth scanning: all of it when short, else its start and end."""
    if len(text) <= MAX_SCAN:
        return text
    return text[: MAX_SCAN // 2] + "\n" + text[-MAX_SCAN // 2 :]


def any_of(words: Iterable[str], vocabulary: set[str]) -> bool:
    return any(w in vocabulary for w in words)
