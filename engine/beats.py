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
    "puts": "put", "sets": "set", "lets": "let", "cuts": "cut", "hurts": "hurt", "reads": "read",
    "can": "could", "will": "would", "shall": "should", "may": "might",
}  # fmt: skip
DETERMINERS = frozenset({
    "the", "a", "an", "his", "her", "their", "my", "our", "your", "its", "of", "in", "on", "at", "to", "for",
    "with", "from", "by", "this", "that", "these", "those",
})  # fmt: skip
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
    """The past of a present-tense verb, when this rule knows it (see IRREGULAR), else None."""
    lower = word.lower()
    if lower in IRREGULAR:
        return IRREGULAR[lower]
    if not lower.endswith("s") or lower.endswith("ss"):
        return None
    stem = lower[:-1]
    candidates = [stem + "ed", stem + "d", lower[:-2] + "ed"]
    if lower.endswith("ies"):
        candidates.insert(0, lower[:-3] + "ied")
    return next((c for c in candidates if c in vocabulary), None)


def _regular_past(word: str) -> str:
    """ "turns" → "turned", "arrives" → "arrived", "watches" → "watched", "tries" → "tried"."""
    if word.endswith("ies"):
        return word[:-3] + "ied"
    if re.search(r"(?:ss|x|z|ch|sh)es$", word):
        return word[:-2] + "ed"
    stem = word[:-1]
    return stem + "d" if stem.endswith("e") else stem + "ed"


def _is_verb_place(words: list[str], i: int) -> bool:
    """Could the i-th word be the beat's verb: after its subject, not a noun after "the" or "of"?"""
    word = words[i]
    return (
        i > 0
        and word.islower()
        and len(word) > 3
        and re.search(r"[^su]s$", word) is not None
        and words[i - 1].lower() not in DETERMINERS
        and words[i - 1].lower() not in NOT_AFTER
        and not re.search(r"['’]s$", words[i - 1])  # "Anne's letters": a noun after a possessive
    )


def _past_in_place(text: str, m: re.Match, vocabulary: set[str]) -> str | None:
    """The past of the word `m` of `text` where it stands (None: it stays as it is)."""
    word = m.group()
    before = re.findall(r"[A-Za-z]+", text[: m.start()])[-1:]
    if (word[:1].isupper() and m.start() > 0) or (before and before[0].lower() in NOT_AFTER):
        return None  # a name ("Jones"), or a verb's plain form after "to" or "will" ("comes to see")
    new = _past(word, vocabulary)
    return None if new is None else (new.capitalize() if word[:1].isupper() else new)


def opening(beat: str, past: bool, vocabulary: set[str]) -> str:
    """The beat as its section's first sentence: capitalised, ended, its verbs in the book's tense.

    `vocabulary` holds the book's words in lower case: a present-tense verb becomes past when this module
    knows its past (IRREGULAR) or the book writes it ("scolds" → "scolded"), and the first word where a verb
    goes that ends in "-s" ("the baby turns into a pig") takes the regular past when no known one comes
    before it.
    """
    text = beat.strip().rstrip(",;:")
    if past:
        words = list(_WORD.finditer(text))
        pasts = [_past_in_place(text, m, vocabulary) for m in words]
        # The beat's own verb comes first: when a word where a verb goes ("Mary complains that she is
        # ill") comes before any word this rule knows the past of, it takes the regular past.
        place = next((i for i in range(len(words)) if _is_verb_place([m.group() for m in words], i)), None)
        known = next((i for i, p in enumerate(pasts) if p is not None), len(words))
        if place is not None and place < known:
            pasts[place] = _regular_past(words[place].group())
        for m, new in reversed(list(zip(words, pasts, strict=True))):
            if new is not None:
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
