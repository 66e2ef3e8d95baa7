"""An outline of the next chapters, as the writer types it: a line starting with "#" begins a chapter (its
title after the "#", empty for the book's next number alone), the lines under it are its beats, one a line.
A title may end with its length, "# The Ball (800 words)"; the others get the dialog's length. A beat may
end with its own ("Anne walks out (200 words)"); it is sent as that beat's section length (app/ai_menu.py).

Text before the first "#" is the beats of a first, untitled chapter, so a plain list of beats is one
chapter. Without Qt: the dialog shows what this reads, the outline queue writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.beats import split_beats
from engine.headings import next_heading

_LENGTH = re.compile(r"\(\s*(\d+)\s*words?\s*\)\s*$", re.IGNORECASE)
MIN_WORDS, MAX_WORDS = 30, 6000  # the dialogs' range: a paragraph to a long chapter


@dataclass(frozen=True)
class OutlineChapter:
    """One chapter the model is to write: the writer's title (may be empty), its beats, its length."""

    title: str
    beats: list[str] = field(default_factory=list)
    words: int = 600


def parse_outline(text: str, words: int) -> list[OutlineChapter]:
    """The chapters of an outline, in order; `words` is the length of a chapter that names none."""
    chapters: list[OutlineChapter] = []
    title, lines, length, started = "", [], words, False

    def close() -> None:
        if started or any(line.strip() for line in lines):
            chapters.append(OutlineChapter(title, split_beats("\n".join(lines)), length))

    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            close()
            title, lines, length, started = line.lstrip().lstrip("#").strip(), [], words, True
            if m := _LENGTH.search(title):
                length = min(MAX_WORDS, max(MIN_WORDS, int(m.group(1))))
                title = title[: m.start()].strip()
        else:
            lines.append(line)
    close()
    return chapters


def headings(titles: list[str], chapters: list[OutlineChapter]) -> list[str]:
    """The headings the outline's chapters get, one after another after the book's `titles`."""
    out: list[str] = []
    for chapter in chapters:
        out.append(next_heading([*titles, *out], chapter.title))
    return out
