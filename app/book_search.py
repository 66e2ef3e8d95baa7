"""Find and replace across a whole novel, without Qt: hits by chapter with their context, and a replace-all
that changes every chapter in one transaction, each changed chapter keeping its old text as a revision.

The open chapter is searched as the editor holds it (its manuscript text: a suggestion shown in the editor is
not part of it), so the window passes the chapters with that text in place of the saved one.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from app.storage import Chapter, Library

CONTEXT = 40  # characters shown either side of a hit


@dataclass(frozen=True)
class Query:
    """What the writer searches for."""

    text: str
    match_case: bool = False
    whole_words: bool = False

    def pattern(self) -> re.Pattern[str]:
        """The query as a regular expression (the text is literal, never a pattern of its own)."""
        body = re.escape(self.text)
        if self.whole_words:
            # Not \b: that only works next to word characters ("Mr." would never match as a whole word).
            body = rf"(?<!\w){body}(?!\w)"
        return re.compile(body, 0 if self.match_case else re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """One match: where it is, and the line of text around it as the results list shows it."""

    chapter_id: int
    chapter_title: str
    chapter_number: int  # in reading order, from 1: titles repeat ("CHAPTER I" of each volume)
    start: int
    end: int
    before: str
    match: str
    after: str

    @property
    def snippet(self) -> str:
        return f"{self.before}{self.match}{self.after}"


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """Up to CONTEXT characters either side of a hit, within its paragraph ("…" where it is cut)."""
    paragraph_start = text.rfind("\n", 0, start) + 1
    paragraph_end = text.find("\n", end)
    paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
    left, right = max(paragraph_start, start - CONTEXT), min(paragraph_end, end + CONTEXT)
    # Cut between words, not inside one ("…andalls, but" reads as a typo).
    if left > paragraph_start and text[left - 1] != " " and " " in text[left:start]:
        left = text.index(" ", left, start) + 1
    if right < paragraph_end and text[right] != " " and " " in text[end:right]:
        right = text.rindex(" ", end, right)
    before = ("…" if left > paragraph_start else "") + text[left:start]
    return before, text[end:right] + ("…" if right < paragraph_end else "")


def find_in_text(text: str, query: Query) -> list[tuple[int, int]]:
    """(start, end) of every match in one text, in order."""
    if not query.text:
        return []
    return [m.span() for m in query.pattern().finditer(text)]


def find_hits(chapters: list[Chapter], query: Query) -> list[Hit]:
    """Every match in the chapters, chapter by chapter in reading order."""
    hits = []
    for number, c in enumerate(chapters, 1):
        for start, end in find_in_text(c.text, query):
            before, after = _context(c.text, start, end)
            match = c.text[start:end]
            hits.append(Hit(c.id, c.title or "Untitled", number, start, end, before, match, after))
    return hits


def replace_in_text(text: str, query: Query, replacement: str) -> tuple[str, int]:
    """The text with every match replaced (the replacement is literal: no backslash escapes)."""
    if not query.text:
        return text, 0
    return query.pattern().subn(lambda _m: replacement, text)


def nearest_match(text: str, query: Query, start: int) -> tuple[int, int] | None:
    """The match closest to `start`: a hit found a while ago, in text the writer has typed in since."""
    spans = find_in_text(text, query)
    return min(spans, key=lambda span: abs(span[0] - start)) if spans else None


def replace_in_novel(library: Library, novel_id: int, query: Query, replacement: str) -> dict[int, int]:
    """Replace every match in every chapter of the novel, in one transaction; chapter id -> replacements.

    Each chapter that changes keeps the text it had as a revision (Chapter → Revisions… brings it back).
    The caller saves the chapter in the editor first and shows it again afterwards.
    """
    changed: dict[int, tuple[str, str, int]] = {}
    for c in library.chapters(novel_id):
        text, count = replace_in_text(c.text, query, replacement)
        if count and text != c.text:
            changed[c.id] = (c.text, text, count)
    if not changed:
        return {}
    now = time.time()
    # The same rows as Library.save_text(keep_revision=True) writes, for all chapters at once: a crash
    # leaves the novel either as it was or with every replacement made. db.atomic() and not only
    # `with conn:`: sqlite-utils 4 commits each db.execute() write at once unless a transaction is open.
    with library._atomic(), library.db.atomic():
        for chapter_id, (old, new, _count) in changed.items():
            if old:
                library.db.execute(
                    "INSERT INTO revisions (chapter_id, text, created) VALUES (?, ?, ?)",
                    (chapter_id, old, now),
                )
            library.db.execute(
                "UPDATE chapters SET text = ?, updated = ? WHERE id = ?", (new, now, chapter_id)
            )
        library.db.execute("UPDATE novels SET updated = ? WHERE id = ?", (now, novel_id))
    return {chapter_id: count for chapter_id, (_old, _new, count) in changed.items()}


def summary(hits: list[Hit]) -> str:
    """ "12 in 3 chapters", as the results list's heading says it."""
    if not hits:
        return "Not found"
    chapters = len({h.chapter_id for h in hits})
    return f"{len(hits):,} found in {chapters} chapter{'s' if chapters != 1 else ''}"
