"""A chapter written beat by beat: each beat opens a section of its own and the model writes on from it.

The prompt is the manuscript before the chapter, the chapter's heading, and what the chapter holds so far.
A section begins with its beat as a sentence in the book's tense (engine/beats.py `opening`) and goes on to
its share of the chapter's length, ending at a sentence end (engine/generate.py's rule); sections are
paragraphs apart. Steering by a note instead (the beat in brackets before the section, not in the text), by
both, or not at all is kept for `longform-engine chapters` to measure against (docs/BENCHMARKS.md).

Iterated like a Continuation: its pieces stream as they come, `text` is the final chapter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from engine.beats import opening, split_beats
from engine.headings import NUMBER
from engine.sentences import cut_to_sentence, ends_sentence
from engine.tense import is_past_tense

STEERS = ("opening", "both", "note", "none")
MIN_SECTION_TOKENS = 48  # a beat's section is at least a few sentences, however short the chapter asked for
MAX_ATTEMPTS = 4  # a section the model keeps turning into a list is left shorter, not retried for ever
# What is not the chapter's prose: a paragraph opened as a list item, a heading or a Markdown mark, or a
# "Chapter 9" line (after a single line break too: a hard-wrapped book puts none before it).
NOT_PROSE = re.compile(
    r"\n[ \t]*\n[ \t]*(?:\d+[ \t]*[.)]|[IVXLC]+\.[ \t]|(?i:chapter|volume|book)\b|#|\*[ \t])"
    rf"|\n[ \t]*(?i:chapter)[ \t]+{NUMBER}[ \t]*[.:]?[ \t]*(?:\n|$)"
)


def section_lengths(total: int, count: int, given: list[int]) -> list[int]:
    """Each section's length in tokens: the writer's where a beat has one, an even share of what is left of
    the chapter's `total` for the others (at least MIN_SECTION_TOKENS each)."""
    given = [max(0, g) for g in [*given, *[0] * count][:count]]
    free = given.count(0)
    share = max(MIN_SECTION_TOKENS, (total - sum(given)) // free) if free else 0
    return [g or share for g in given]


def not_prose(text: str) -> int | None:
    """Where the model left the chapter's prose in `text` (None: it did not): at NOT_PROSE, or at a
    paragraph it ended in the middle of a sentence ("…and Miss" then a blank line)."""
    m = NOT_PROSE.search(text)
    cut = m.start() if m else None
    for b in re.finditer(r"\n[ \t]*\n", text[:cut]):
        before = text[: b.start()].rstrip()
        if before and not ends_sentence(before) and before[-1] not in ":—":
            return b.start()
    return cut


def chapter_prompt(manuscript: str, heading: str) -> str:
    return f"{manuscript.rstrip()}\n\n{heading.strip()}\n\n"


def book_vocabulary(text: str) -> set[str]:
    """The book's words in lower case (the past forms a beat's verbs may take)."""
    return set(re.findall(r"[a-z]+", text[-400_000:].lower()))


class ChapterWriting:
    """One chapter being written. `stream(prompt, tokens, attempt)` gives one section's Continuation (a
    retry, `attempt` > 0, samples with another seed)."""

    def __init__(
        self,
        stream: Callable[[str, int, int], object],
        manuscript: str,
        heading: str,
        beats: list[str],
        max_tokens: int,
        steer: str = "opening",
        beat_tokens: list[int] | None = None,
    ) -> None:
        self.stream, self.prompt = stream, chapter_prompt(manuscript, heading)
        self.beats = beats or [""]  # no beats: one section, the model's own
        self.steer = steer if beats else "none"
        past, vocabulary = is_past_tense(manuscript), book_vocabulary(manuscript)
        opens = self.steer in ("opening", "both")
        self.openings = [opening(b, past, vocabulary) if b and opens else "" for b in beats]
        self.openings = self.openings or [""]
        self.lengths = section_lengths(max_tokens, len(self.beats), beat_tokens or [])
        self.sections: list[str] = []
        self.pieces: list[str] = []
        self.tokens = 0
        self.evaluated = 0

    @property
    def text(self) -> str:
        return "\n\n".join(self.sections)

    def __iter__(self) -> Iterator[str]:
        for beat, lead in zip(self.beats, self.openings, strict=True):
            before = self.text + "\n\n" if self.sections else ""
            note = f"[{beat.strip()}]\n\n" if self.steer in ("note", "both") else ""
            if before or lead:
                shown = (before and "\n\n") + lead  # the blank line between sections streams too
                self.pieces.append(shown)
                yield shown
            section = yield from self._section(
                self.prompt + before + note, lead, self.lengths[len(self.sections)]
            )
            self.sections.append(section.strip())
            if section == lead:
                return  # the model has nothing more to say (or was stopped): no more sections

    def _section(self, prompt: str, lead: str, length: int) -> Iterator[str]:
        """One section's text, streamed. A paragraph the model opens as a list or a heading ("1.", "Chapter
        6": a small model drifts into both), or ends mid-sentence, is cut off back to the last sentence end
        and the section written on from there, afresh."""
        written, spent = lead, 0
        for attempt in range(MAX_ATTEMPTS):
            continuation = self.stream(prompt + written, length - spent, attempt)
            wrote = ""
            for piece in continuation:
                self.pieces.append(piece)
                yield piece
                wrote += piece
                if "\n" in piece and not_prose(wrote) is not None:
                    break
            self.tokens += continuation.tokens
            self.evaluated += continuation.evaluated
            spent += continuation.tokens
            cut = not_prose(wrote)
            if cut is None:
                return written + continuation.text
            written += cut_to_sentence(wrote[:cut])
            if spent >= length:
                break
        return written


def chapter_beats(beats: list[str], notes: str) -> list[str]:
    """The request's beats, or its notes split into beats."""
    return [b.strip() for b in beats if b.strip()] or split_beats(notes)
