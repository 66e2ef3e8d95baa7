"""Where a sentence ends: suggestions stop at one, never halfway through a word or a sentence.

A plain, documented rule rather than a parser: a sentence ends at ".", "!" or "?", optionally followed by
closing quotes or brackets, unless the word before the full stop is a title or an initial ("Mr.",
"Mrs.", "St.", "J."), or the full stop is part of an ellipsis (which trails off more often than it ends).
"""

from __future__ import annotations

import re

CLOSERS = "\"'”’)]»"
TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "messrs",
        "dr",
        "st",
        "col",
        "capt",
        "lt",
        "gen",
        "rev",
        "prof",
        "sr",
        "jr",
        "mme",
        "mlle",
        "mons",
        "no",
        "vol",
        "ch",
        "esq",
        "hon",
        "sgt",
        "maj",
    }
)
_LAST_WORD = re.compile(r"([A-Za-z]+)\.$")


def ends_sentence(text: str) -> bool:
    """Does `text` end at the end of a sentence (closing quotes and brackets allowed after it)?"""
    core = text.rstrip(CLOSERS)
    if not core or core[-1] not in ".!?":
        return False
    if core[-1] != ".":
        return True
    if core.endswith("..") or core.endswith("…."):
        return False
    word = _LAST_WORD.search(core)
    if word is None:
        return True
    w = word.group(1)
    return not (w.lower() in TITLES or (len(w) == 1 and w.isupper()))


def starts_new_word(piece: str) -> bool:
    """Does this piece of text begin after a word boundary (a space or a line break)?"""
    return piece[:1].isspace()


def cut_to_sentence(text: str) -> str:
    """The longest start of `text` that ends a sentence ("" when it holds no sentence end)."""
    for m in reversed(list(re.finditer(r"[.!?][" + re.escape(CLOSERS) + r"]*(?=\s|$)", text))):
        if ends_sentence(text[: m.end()]):
            return text[: m.end()]
    return ""
