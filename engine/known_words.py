"""What the adapter has learned, in the writer's words: the book's names it now expects most.

Measured, not guessed. While a chunk is learned, the first training step's forward gives each of its tokens'
log-probability with the adapter as trained on everything before it (test-then-train); a forward without the
adapter, after the same context, gives the base model's (TempLoraTrainer.train_chunk_with_gains, on a share
of the chunks: engine/absorb.py's MEASURE_SHARE). A token's gain is the difference, a word's gain the sum
over its tokens: how many nats likelier the adapter made the word where it stands.

The words shown (`KnownWords.best`) are the book's names:
- a word of two or more letters, capitalised (not all capitals: headings), not a title, a day or the second
  word of a place (engine/names.py: "Mr", "Captain", "Monday", "Hall" of "Kellynch Hall", ...);
- seen at least MIN_SEEN times in the chunks learned, capitalised and not at a sentence start (after
  ".", "!", "?" other than in "Mr." and the like, after a blank line, or at the start of the text), and
  never in lower case ("The" is out: the book also says "the");
- measured in at least MIN_CHUNKS of the measured chunks, anywhere, with a mean gain of at least MIN_GAIN;
ranked by the gain summed over its measured occurrences, each counted up to MAX_COUNTED_GAIN, best first,
and said as "times likelier" (e to the mean gain).
A chunk learned twice (after an edit) counts twice.

Why that rank, not the mean factor: measured chunks are few (about one in eight), so a name's mean can rest
on one or two occurrences, and one occurrence can be extreme. Ranked by the mean, the first 8k tokens of
Persuasion put "Hall" first at 1,994 times likelier, from its one measured occurrence ("Hall" after
"Kellynch", which the base model does not expect). The summed gain is what the adapter learned about the
name over the book: a name the book uses often and the adapter expects a little more each time outranks
one surprising occurrence, and the cap keeps a single occurrence from counting for more than a few ordinary
ones. Two measured chunks at least: one passage is not yet "knowing" a name (docs/BENCHMARKS.md has the
lists before and after).
"""

from __future__ import annotations

import codecs
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from engine.names import NOT_NAMES, PLACE_WORDS, TITLES

NOT_SHOWN = NOT_NAMES | TITLES | PLACE_WORDS
MIN_SEEN = 3
MIN_CHUNKS = 2
MIN_GAIN = math.log(1.5)  # at least half as likely again as the base model found it
MAX_COUNTED_GAIN = math.log(20)  # nats one occurrence may add to a name's rank: 20 times likelier
SHOWN = 8

LETTERS = re.compile(r"[^\W\d_]+")
TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Capt|Col)\.$")
OPENERS = " \t\r\"'“‘(["  # skipped when looking back for the end of the sentence before a word


class Word(NamedTuple):
    """One word as it stands in a learned chunk; `gain` (nats) where the chunk was measured."""

    text: str
    starts_sentence: bool
    gain: float | None = None


def token_texts(pieces: Iterable[bytes]) -> list[str]:
    """The text of each token, from their bytes: a character split over tokens belongs to the last one."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    return [decoder.decode(piece) for piece in pieces]


def starts_sentence(before: str) -> bool:
    """Whether a word after the text `before` begins a sentence."""
    stripped = before.rstrip(OPENERS + "\n")
    if not stripped or before[len(stripped) :].count("\n") >= 2:  # the text's start, or a new paragraph
        return True
    return stripped[-1] in ".!?" and not TITLE.search(stripped)


def words_of(texts: Sequence[str], gains: Sequence[float] | None = None, before: str = "") -> list[Word]:
    """The words of tokens with these texts (`before`: the text just before them), each with the sum of
    its tokens' gains where every one of them has one. `gains` may be shorter than `texts`: it is then of
    the last tokens (a text's first token has none). A word's tokens are those its letters are in."""
    gains = list(gains) if gains is not None else []
    per_token = [None] * (len(texts) - len(gains)) + gains
    text = before + "".join(texts)
    owner = []  # character offset -> token index, for the chunk's own characters
    for i, piece in enumerate(texts):
        owner += [i] * len(piece)
    words = []
    for m in LETTERS.finditer(text, len(before)):
        if len(m.group()) < 2:
            continue
        first, last = m.start() - len(before), m.end() - len(before) - 1
        token_gains = per_token[owner[first] : owner[last] + 1]
        gain = None if None in token_gains else float(sum(token_gains))
        words.append(Word(m.group(), starts_sentence(text[: m.start()]), gain))
    return words


class KnownWords:
    """A document's running tally of its names and what the adapter gained on them (rule: module doc)."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()  # capitalised, not at a sentence start
        self.lower: set[str] = set()  # words seen in lower case
        self.gain: Counter[str] = Counter()  # summed gain of the measured capitalised occurrences
        self.counted: Counter[str] = Counter()  # the same, each occurrence capped: the rank
        self.measured: Counter[str] = Counter()
        self.chunks: Counter[str] = Counter()  # measured chunks it was measured in

    def add(self, words: Iterable[Word]) -> None:
        """The words of one learned chunk."""
        measured_here = set()
        for word in words:
            text = word.text
            if text[0].islower():
                self.lower.add(text)
                continue
            if text.isupper() or not text[0].isupper():
                continue
            if not word.starts_sentence:
                self.seen[text] += 1
            if word.gain is not None:
                self.gain[text] += word.gain
                self.counted[text] += min(word.gain, MAX_COUNTED_GAIN)
                self.measured[text] += 1
                measured_here.add(text)
        self.chunks.update(measured_here)

    def best(self, n: int = SHOWN) -> list[tuple[str, float]]:
        """Up to `n` names, best first, each with how many times likelier the adapter makes it."""
        ranked = []
        for text, count in self.measured.items():
            if self.chunks[text] < MIN_CHUNKS or self.seen[text] < MIN_SEEN:
                continue
            if text in NOT_SHOWN or text.lower() in self.lower:
                continue
            mean = self.gain[text] / count
            if mean >= MIN_GAIN:
                ranked.append((self.counted[text], mean, text))
        ranked.sort(key=lambda item: (-item[0], item[2]))
        return [(text, round(math.exp(mean), 1)) for _, mean, text in ranked[:n]]
