"""A chapter's beats: the writer's notes as a list, each beat opening its section in the book's voice, and
how far a section followed its beat.

A beat is one thing that happens ("the Duchess scolds Alice"). A 135M model does not follow an instruction,
but it does continue a sentence: so the beat, put in the book's tense ("The Duchess scolded Alice."), is the
first sentence of its section and the model writes on from it (`opening`). Whether that is followed more
often than a note the model reads but the text does not hold is measured by `longform-engine chapters`
(docs/BENCHMARKS.md, "Chapters from an outline").

A light module (no model, no Qt): the app splits the writer's notes with it.
"""

from __future__ import annotations

import re

# Present → past for the verbs a beat is likely to hold whose past is not "-ed" (the third person and the
# plain form both, "goes"/"go" → "went"). A regular verb is put in the past only when the book itself
# writes that past form, so "pigs" never becomes "pigged".
IRREGULAR = {
    "is": "was", "are": "were", "am": "was", "has": "had", "have": "had", "does": "did", "do": "did",
    "goes": "went", "go": "went", "comes": "came", "come": "came", "sees": "saw", "see": "saw",
    "says": "said", "say": "said", "tells": "told", "tell": "told", "finds": "found", "find": "found",
    "takes": "took", "take": "took", "gives": "gave", "give": "gave", "makes": "made", "make": "made",
    "leaves": "left", "leave": "left", "meets": "met", "meet": "met", "brings": "brought",
    "bring": "brought", "thinks": "thought", "think": "thought", "knows": "knew", "know": "knew",
    "runs": "ran", "run": "ran", "falls": "fell", "fall": "fell", "becomes": "became",
    "become": "became", "begins": "began", "begin": "began", "writes": "wrote", "write": "wrote",
    "speaks": "spoke", "speak": "spoke", "gets": "got", "get": "got", "feels": "felt", "feel": "felt",
    "keeps": "kept", "keep": "kept", "loses": "lost", "lose": "lost", "sits": "sat", "sit": "sat",
    "stands": "stood", "stand": "stood", "hears": "heard", "hear": "heard", "holds": "held",
    "hold": "held", "sends": "sent", "send": "sent", "buys": "bought", "catches": "caught",
    "teaches": "taught", "breaks": "broke", "chooses": "chose", "drives": "drove", "rides": "rode",
    "eats": "ate", "drinks": "drank", "sings": "sang", "swims": "swam", "throws": "threw",
    "wears": "wore", "forgets": "forgot", "forgives": "forgave", "hides": "hid", "sleeps": "slept",
    "weeps": "wept", "understands": "understood", "grows": "grew", "flies": "flew", "fights": "fought",
    "seeks": "sought", "sells": "sold", "shakes": "shook", "shows": "showed", "wins": "won",
    "spends": "spent", "lends": "lent", "lies": "lay", "rises": "rose", "strikes": "struck",
    "swears": "swore", "tears": "tore", "wakes": "woke", "bites": "bit", "draws": "drew",
    "puts": "put", "bursts": "burst", "sets": "set", "lets": "let", "cuts": "cut", "hurts": "hurt",
    "reads": "read",
    "can": "could", "will": "would", "shall": "should", "may": "might",
}  # fmt: skip
DETERMINERS = frozenset({
    "the", "a", "an", "his", "her", "their", "my", "our", "your", "its", "of", "in", "on", "at", "to", "for",
    "with", "from", "by", "this", "that", "these", "those",
})  # fmt: skip
SUBJECTS = frozenset({"i", "we", "he", "she", "it", "they", "who", "that", "which", "everyone", "nobody"})
JOINERS = frozenset(
    {"and", "but", "then", "while", "when", "until", "so", "or", "because", "before", "after"}
)
# Words ending in "-s" that are never a verb to put in the past ("his" → "hid" is in every book).
NEVER_VERBS = frozenset(
    {"his", "hers", "its", "this", "thus", "us", "as", "yes", "news", "always",
     "perhaps", "towards", "unless", "across", "less", "series", "species", "means", "ours", "yours"}
)  # fmt: skip
# After these a verb keeps its plain form whatever the tense: "comes to see", "will go", "does not know".
NOT_AFTER = frozenset(
    {"to", "will", "would", "can", "could", "may", "might", "must", "shall", "should", "not"}
)
_BASE = {}  # a past form → its plain form ("went" → "go")
for _present, _past_form in IRREGULAR.items():
    if _past_form not in _BASE or not _present.endswith("s"):
        _BASE[_past_form] = _present
STOP_WORDS = frozenset(
    """a an the and or but if of to in on at by for with from into onto over under about after before
    again then than that this these those there here his her hers him he she it its they them their we us
    our you your i me my is are was were be been being am has have had do does did not no so as up down out
    off all any some each very just also only too more most much many who whom whose which what when where
    why how one two""".split()  # noqa: SIM905 (a paragraph of words reads better than a list)
)
_BEAT_LENGTH = re.compile(r"\s*\(\s*(\d+)\s*words?\s*\)\s*$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def split_beats(notes: str) -> list[str]:
    """The writer's notes as beats: one a line (list marks dropped), or split at ";" within a line."""
    beats = []
    for line in notes.splitlines():
        for part in line.split(";"):
            beat = re.sub(r"^\s*(?:[-*•–]|\d+[.)])\s*", "", part).strip()
            if beat:
                beats.append(beat)
    return beats


def beat_length(beat: str) -> tuple[str, int | None]:
    """A beat without the length the writer gave it at its end ("Anne walks out (200 words)"), and that
    length in words (None: none given)."""
    m = _BEAT_LENGTH.search(beat)
    return (beat[: m.start()].strip(), int(m.group(1))) if m else (beat.strip(), None)


def _past(word: str, vocabulary: set[str]) -> str | None:
    """The past of a present-tense verb when this rule knows it (IRREGULAR) or the book writes it."""
    lower = word.lower()
    if lower in IRREGULAR:
        return IRREGULAR[lower]
    if len(lower) < 4 or not lower.endswith("s") or lower.endswith("ss") or lower in NEVER_VERBS:
        return None
    return next((c for c in _regular_candidates(lower) if c in vocabulary), None)


def _regular_candidates(word: str) -> list[str]:
    """The regular pasts an "-s" verb may take, likeliest first: "turns" → "turned", "arrives" →
    "arrived", "watches" → "watched", "tries" → "tried", "nods" → "nodded"."""
    if word.endswith("ies"):
        return [word[:-3] + "ied"]
    if re.search(r"(?:ss|x|z|ch|sh)es$", word):
        return [word[:-2] + "ed"]
    stem = word[:-1]
    if stem.endswith("e"):
        return [stem + "d"]
    doubled = [stem + stem[-1] + "ed"] if re.search(r"(?:^|[^aeiou])[aeiou][bdgmnprt]$", stem) else []
    return [*doubled, stem + "ed"] if len(stem) <= 4 else [stem + "ed", *doubled]


def _verb_places(words: list[str]) -> list[int]:
    """Where a beat's verbs stand: right after their subject (a name, a pronoun, "who") or a word that
    joins clauses ("and", "but"); the beat's first also after its subject's noun ("the baby turns"). Never
    after "the", "his", a possessive ("Anne's letters"), "to" or a modal ("comes to see", "will go"), nor
    as the object of the verb before ("gives orders")."""
    places: list[int] = []
    for i, word in enumerate(words):
        lower, before = word.lower(), words[i - 1] if i else ""
        if lower in NEVER_VERBS or (i and not word.islower()):
            continue
        if i == 0:
            if lower in IRREGULAR:  # "Is she there?"
                places.append(i)
            continue
        if before.lower() in DETERMINERS | NOT_AFTER or re.search(r"['’]s$", before):
            continue
        subject = before.lower() in SUBJECTS or before[:1].isupper() or before.lower() in JOINERS
        first_verb = not places and re.search(r"[^su]s$", lower) and len(lower) > 3
        if subject or first_verb:
            places.append(i)
    return places


def opening(beat: str, past: bool, vocabulary: set[str]) -> str:
    """The beat as its section's first sentence: capitalised, ended, its verbs in the book's tense.

    `vocabulary` holds the book's words in lower case. Only a word where a verb stands (`_verb_places`) is
    changed: to the past this module knows (IRREGULAR) or the book writes ("scolds" → "scolded"); the
    beat's first verb, when neither knows it, takes the regular past ("the baby turns" → "turned").
    """
    text = beat.strip().rstrip(",;:")
    if past:
        matches = list(_WORD.finditer(text))
        places = _verb_places([m.group() for m in matches])
        for n, i in reversed(list(enumerate(places))):
            m = matches[i]
            new = _past(m.group(), vocabulary)
            if new is None and n == 0 and m.group().endswith("s") and m.group().lower() not in IRREGULAR:
                new = _regular_candidates(m.group().lower())[0]
            if new is not None:
                new = new.capitalize() if m.group()[:1].isupper() else new
                text = text[: m.start()] + new + text[m.end() :]
    text = text[:1].upper() + text[1:]
    return text if text[-1:] in '.!?"”’' else f"{text}."


def content_words(text: str) -> set[str]:
    """The words that carry a beat's content, as stems: "scolds" and "scolded" are one word."""
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 2}


def stem(word: str) -> str:
    """A crude stem, enough to match a beat's word in prose: "turns", "turned", "turning" → "turn"."""
    word = re.sub(r"['’]s$", "", word.lower()).strip("'’-")
    if word in IRREGULAR or word in _BASE:  # "goes", "go" and "went" are one word
        return _BASE[IRREGULAR.get(word, word)]
    for suffix in ("ing", "ied", "ies", "ed", "es", "s", "e", "d"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def followed(beat: str, section: str) -> float:
    """The share of the beat's content words that its section holds (1.0: every one)."""
    wanted = content_words(beat)
    if not wanted:
        return 1.0
    return len(wanted & content_words(section)) / len(wanted)
