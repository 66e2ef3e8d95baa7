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

from engine.beats import beat_length, opening, split_beats
from engine.headings import NUMBER
from engine.sentences import CLOSERS, cut_to_sentence, ends_sentence
from engine.tense import is_past_tense

STEERS = ("opening", "both", "note", "none")
MIN_SECTION_TOKENS = 48  # a beat's section is at least a few sentences, however short the chapter asked for
MAX_CHAPTER_TOKENS = 32768  # however many beats and lengths a request holds, a chapter ends
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
    given = [max(MIN_SECTION_TOKENS, g) if g > 0 else 0 for g in [*given, *[0] * count][:count]]
    free = given.count(0)
    share = max(MIN_SECTION_TOKENS, (total - sum(given)) // free) if free else 0
    lengths = [g or share for g in given]
    over = sum(lengths) / MAX_CHAPTER_TOKENS
    return [max(MIN_SECTION_TOKENS, int(n / over)) for n in lengths] if over > 1 else lengths


def not_prose(text: str) -> int | None:
    """Where the model left the chapter's prose in `text` (None: it did not): at NOT_PROSE, or at a
    paragraph it ended in the middle of a sentence ("…and Miss" then a blank line)."""
    m = NOT_PROSE.search(text)
    cut = m.start() if m else None
    for b in re.finditer(r"\n[ \t]*\n", text[:cut]):
        before = text[: b.start()].rstrip()
        if before and not _may_end_paragraph(before):
            return b.start()
    return cut


def _may_end_paragraph(text: str) -> bool:
    """Can a paragraph end here: at a sentence end, a dash or an ellipsis ("But I—", "He waited…"), a
    colon, or the comma of a letter's short first line ("Dear Sir,")?"""
    core = text.rstrip(CLOSERS)
    line = text[text.rfind("\n") + 1 :]
    return (
        ends_sentence(text)
        or core[-1:] in ":—–-…"
        or core.endswith("..")
        or (core.endswith(",") and len(line) <= 40)
    )


def _settled(text: str) -> int:
    """How much of a section's new text may be shown: all but a line just begun, which may yet turn out a
    list item or a heading ("\n\n1.", "\nChapter 9") and be cut."""
    newline = text.rfind("\n")
    return newline if newline >= 0 and len(text[newline:].strip()) < 16 else len(text)


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
        self.current = ""  # the section being written, as far as it has been shown and kept
        self.pieces: list[str] = []
        self.tokens = 0
        self.evaluated = 0

    @property
    def text(self) -> str:
        return "\n\n".join(s for s in self.sections if s)

    def __iter__(self) -> Iterator[str]:
        for beat, lead, length in zip(self.beats, self.openings, self.lengths, strict=True):
            before = self.text + "\n\n" if self.sections else ""
            note = f"[{beat.strip()}]\n\n" if self.steer in ("note", "both") else ""
            if before or lead:
                shown = (before and "\n\n") + lead  # the blank line between sections streams too
                self.pieces.append(shown)
                yield shown
            section = yield from self._section(self.prompt + before + note, lead, length)
            self.sections.append(section.strip())
            self.current = ""

    def _section(self, prompt: str, lead: str, length: int) -> Iterator[str]:
        """One section's text, streamed. A paragraph the model opens as a list or a heading ("1.", "Chapter
        6": a small model drifts into both), or ends mid-sentence, is cut off back to the last sentence end
        and the section written on from there, afresh."""
        written, spent = lead, 0
        self.current = lead
        for attempt in range(MAX_ATTEMPTS):
            continuation = self.stream(prompt + written, length - spent, attempt)
            wrote, shown = "", 0  # shown: how much of `wrote` has been streamed
            for piece in continuation:
                wrote += piece
                if "\n" in piece and not_prose(wrote) is not None:
                    break
                if (settled := _settled(wrote)) > shown:
                    yield self._show(wrote[shown:settled])
                    shown = settled
                self.current = written + wrote[:shown]
            self.tokens += continuation.tokens
            self.evaluated += continuation.evaluated
            spent += continuation.tokens
            cut = not_prose(wrote)
            if cut is None:
                if wrote[shown:]:
                    yield self._show(wrote[shown:])  # the line held back turned out prose
                return written + continuation.text
            kept = cut_to_sentence(wrote[:cut])
            if len(kept) > shown:
                yield self._show(kept[shown:])
            written += kept
            self.current = written
            if spent >= length:
                break
        return written

    def _show(self, text: str) -> str:
        self.pieces.append(text)
        return text

    @property
    def partial(self) -> str:
        """The chapter as written so far, without what was cut from it: what a stopped chapter keeps."""
        return "\n\n".join(s for s in [*self.sections, self.current.strip()] if s)


def chapter_beats(beats: list[str], notes: str, lengths: list[int] = ()) -> tuple[list[str], list[int]]:
    """The request's beats and their lengths (or its notes split into beats), those without a letter left
    out together with their lengths."""
    if any(b.strip() for b in beats):
        pairs = zip(beats, [*lengths, *[0] * len(beats)], strict=False)
    else:
        pairs = ((beat_length(b)[0], 0) for b in split_beats(notes))  # a length in notes is not prose
    kept = [(beat_length(b)[0], n) for b, n in pairs if re.search(r"[A-Za-z]", beat_length(b)[0])]
    return [b for b, _ in kept], [n for _, n in kept]
