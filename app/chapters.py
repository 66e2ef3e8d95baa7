"""Where a manuscript's chapters begin: headings, their subtitles, and the volume a chapter opens.

A heading is a Markdown "# Title" / "## Title" line, or a line "Chapter" + a number (digits, Roman numerals,
or words: "Chapter One: The Ball", "CHAPTER XII.", "Chapter the First"). A chapter heading's subtitle is the
short line right under it ("CHAPTER I." / "Down the Rabbit-Hole"), or a short line in capitals after a blank
line ("CHAPTER I" / "" / "THE BEGINNING"). A line such as "VOLUME II" or "BOOK ONE" just before a chapter
heading goes into that chapter's title rather than stay behind at the end of the chapter before.
"""

from __future__ import annotations

import re

from engine.headings import NUMBER

HEADING = re.compile(
    r"^[ \t]*(?:#{1,2}[ \t]+(?P<md>\S.*?)"
    rf"|(?P<chapter>(?:chapter|CHAPTER|Chapter)[ \t]+{NUMBER}\b(?:[ \t]*[.:—–-]?[ \t]*\S.*?)?))[ \t]*$",
    re.MULTILINE,
)
_VOLUME = re.compile(rf"^(?:VOLUME|Volume|BOOK|Book|PART|Part)[ \t]+{NUMBER}\b[.:]?[ \t]*$")
MAX_HEADING = 100  # characters: a longer line is prose that happens to begin "Chapter 5"
MAX_SUBTITLE = 70
# A short line that a blank line (or the end) follows; bounded, so that a chapter's long first line is
# given up on at once.
_LINE = rf"[ \t]*(\S[^\n]{{0,{MAX_SUBTITLE - 1}}}?)[ \t]*(?=\n[ \t]*\n|\n?\Z)"
_SUBTITLE_UNDER = re.compile(rf"\n{_LINE}")
_SUBTITLE_AFTER_BLANK = re.compile(rf"\n[ \t]*\n{_LINE}")


def is_heading(line: str) -> bool:
    """Whether a line on its own is a "Chapter …" heading."""
    m = HEADING.fullmatch(line.strip())
    return bool(m and m.group("chapter")) and len(line.strip()) <= MAX_HEADING


def split_chapters(text: str) -> list[tuple[str, str]]:
    """(title, text) per chapter; text before the first heading becomes its own chapter, "Opening"."""
    headings = [m for m in HEADING.finditer(text) if len(m.group().strip()) <= MAX_HEADING]
    chapters = []
    title, start = ("Opening" if headings else "Chapter 1"), 0
    for m in headings:
        if m.start() < start:  # the line was taken as the previous heading's subtitle
            continue
        body = text[start : m.start()].strip("\n")
        volume, body = _trailing_volume(body) if m.group("chapter") else (None, body)
        if body.strip() or start > 0:  # text before the first heading only when it holds something
            chapters.append((title, body))
        title, start = (m.group("md") or m.group("chapter")).strip(), m.end()
        if m.group("chapter"):
            subtitle, start = _subtitle(text, start)
            if subtitle:
                title = f"{title}{' ' if title[-1] in '.:—–-' else '. '}{subtitle}"
        if volume:
            title = f"{volume}, {title}"
    chapters.append((title, text[start:].strip("\n")))
    return chapters


def _subtitle(text: str, end: int) -> tuple[str | None, int]:
    """The subtitle under a heading that ends at `end`, and where the chapter's text then starts."""
    m = _SUBTITLE_UNDER.match(text, end)
    if not m:
        m = _SUBTITLE_AFTER_BLANK.match(text, end)
        if m and (m.group(1).upper() != m.group(1) or not re.search(r"[A-Z]", m.group(1))):
            m = None
    if not m or HEADING.fullmatch(m.group(1)) or _VOLUME.match(m.group(1)):
        return None, end
    return m.group(1), m.end()


def _trailing_volume(body: str) -> tuple[str | None, str]:
    """A "VOLUME II" line closing `body` (it belongs to the next chapter), and the body without it."""
    head, _, last = body.rpartition("\n")
    if _VOLUME.match(last.strip()):
        return last.strip(), head.rstrip("\n")
    return None, body
