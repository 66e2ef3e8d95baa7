"""Spell checking of a chapter, offline: which words are unknown, and what they might have meant.

The word list is pyspellchecker's English one (about 160,000 words with their frequencies, shipped inside
the package), loaded once per process. A novel adds its own words (character and place names), kept in the
library; "Ignore" adds a word for this session only. Lookups are cached, because a highlighter asks about
the same few thousand words again on every keystroke.

What counts as a word: letters, with apostrophes inside ("don't", "o'clock"). A word with a digit in it
("3rd", "1990s") is not checked; a hyphenated word is checked part by part. A possessive or a contraction
of a known word ("Elliot's", "Anne'll") is known, and so is the plural of a novel's word ("the Musgroves'").

The book's own names are known without the writer adding them: a word the manuscript writes at least
`NAME_USES` times, always with a capital ("Kellynch", "Wentworth"), is taken for a name, so an imported
novel is not underlined on every page; a misspelt name, written once, still is.

The word list spells as Americans do; a British spelling whose American form it has ("favour", "realise",
"centre", "travelled", "offence") is known too, so a British writer, or Austen, is not underlined for it.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Iterator

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*['’]?")
_SUFFIXES = ("'s", "'", "'ll", "'d", "'ve", "'re")
# British to American, applied in turn: "neighbourhood" -> "neighborhood", "colourise" -> "colorize".
_AMERICAN = [
    (re.compile(r"(?<=.)our"), "or"),
    (re.compile(r"is(?=(e|es|ed|ing|ation|ations|er|ers)$)"), "iz"),
    (re.compile(r"ence(?=s?$)"), "ense"),
    (re.compile(r"tre(?=s?$)"), "ter"),
    (re.compile(r"(?<=[aeiou])ll(?=(ed|ing|er|ers)$)"), "l"),
    (re.compile(r"ogue(?=s?$)"), "og"),
]
NAME_USES = 3  # a typo of a name is rarely repeated three times; a name is, in a chapter or two
SUGGESTIONS = 6  # as many as a context menu shows without scrolling past the editing actions


@functools.cache
def _dictionary():
    from spellchecker import SpellChecker

    # Distance 1: suggestions for one wrong, missing, extra or swapped letter take about 2 ms. Distance 2
    # finds more but takes 0.2-1.6 s a word in pure Python, too slow for a right-click on the GUI thread.
    return SpellChecker(language="en", distance=1)


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """The words of `text` to check, as (start, end, word); numbers and words with digits are left out."""
    for m in _WORD.finditer(text):
        word = m.group()
        if word.endswith(("'", "’")) and not word[:-1].endswith(("s", "S")):
            word = word[:-1]  # a closing quote, not a plural possessive
        if not any(ch.isdigit() for ch in word):
            yield m.start(), m.start() + len(word), word


def _normal(word: str) -> str:
    return word.replace("’", "'").lower()


def _american(word: str) -> str:
    for pattern, american in _AMERICAN:
        word = pattern.sub(american, word)
    return word


def book_names(text: str) -> set[str]:
    """The words `text` writes at least NAME_USES times and always with a capital, normalised: its names."""
    capitalised: dict[str, int] = {}
    lowercase: set[str] = set()
    for _, _, word in words(text):
        key = _normal(word)
        if word[:1].isupper():
            capitalised[key] = capitalised.get(key, 0) + 1
        else:
            lowercase.add(key)
    return {w for w, n in capitalised.items() if n >= NAME_USES and w not in lowercase}


class SpellCheck:
    """Knows the English word list, the open novel's own words and names, and the words ignored this
    session."""

    def __init__(self) -> None:
        self.novel_words: set[str] = set()
        self.book_names: set[str] = set()
        self.ignored: set[str] = set()
        self._known: dict[str, bool] = {}

    def set_novel_words(self, novel_words: Iterable[str], manuscript: str = "") -> None:
        """The open novel's dictionary and the names its manuscript uses (empty when none is open)."""
        self.novel_words = {_normal(w) for w in novel_words}
        self.book_names = book_names(manuscript)

    def add_novel_word(self, word: str) -> None:
        self.novel_words.add(_normal(word))

    def ignore(self, word: str) -> None:
        """Known until the app closes, in every novel."""
        self.ignored.add(_normal(word))

    def is_known(self, word: str) -> bool:
        """Whether `word` is spelt as the dictionary, the novel or the writer says."""
        word = _normal(word)
        base = next((word[: -len(s)] for s in _SUFFIXES if word.endswith(s) and len(word) > len(s)), None)
        forms = [w for w in (word, base) if w]
        # The novel's names in the plural too: "the Musgroves" once "Musgrove" is in its dictionary.
        return any(self._knows(w) or (w[-1] == "s" and self._is_name(w[:-1])) for w in forms)

    def _is_name(self, word: str) -> bool:
        return word in self.novel_words or word in self.book_names

    def _knows(self, word: str) -> bool:
        if self._is_name(word) or word in self.ignored:
            return True
        known = self._known.get(word)
        if known is None:
            known = self._known[word] = word in _dictionary() or _american(word) in _dictionary()
        return known

    def unknown(self, text: str) -> Iterator[tuple[int, int]]:
        """Where the unknown words of `text` are, as (start, end)."""
        for start, end, word in words(text):
            if not self.is_known(word):
                yield start, end

    def suggestions(self, word: str) -> list[str]:
        """Known words one letter away, the most common first, in the word's own capitals."""
        dictionary = _dictionary()
        found = dictionary.candidates(_normal(word)) or set()
        found.discard(_normal(word))
        best = sorted(found, key=lambda w: (-dictionary.word_usage_frequency(w), w))[:SUGGESTIONS]
        if word.isupper() and len(word) > 1:
            return [w.upper() for w in best]
        if word[:1].isupper():
            return [w[:1].upper() + w[1:] for w in best]
        return best
