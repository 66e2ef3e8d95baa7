"""Project Gutenberg's wrapping of a book: the header before "*** START OF …", the licence after "*** END …".

The book is what lies between the two markers; the header's "Title:" line names it. Files from before
about 2010 say "THIS PROJECT GUTENBERG EBOOK" or "EBOOK" without a space; both are recognised, in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each pattern starts with literal text, which lets a 50 MB manuscript be searched in hundredths of a second.
_START = re.compile(r"\*\*\*[ \t]*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b", re.I)
_END = (
    re.compile(r"\*\*\*[ \t]*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b", re.I),
    re.compile(r"(?:End|END) of (?:the |this |The |This )?Project Gutenberg\b"),
)
_TITLE = re.compile(r"^Title:[ \t]*(\S.*?)[ \t]*$", re.M)
# The credit line that follows the start marker in most files ("Produced by …"): not part of the book.
_CREDIT = re.compile(r"\A\s*(?:Produced|E-?text prepared|Transcribed|Prepared) by\b[^\n]*(?:\n[^\n]+)*", re.I)


@dataclass(frozen=True)
class Unwrapped:
    """The book's text, the title from its header, and whether a header and a licence were left out."""

    text: str
    title: str | None = None
    header: bool = False
    footer: bool = False

    def note(self) -> str | None:
        """What was left out, in the writer's words, or None when nothing was."""
        parts = [name for name, cut in (("header", self.header), ("licence", self.footer)) if cut]
        return f"Left out the Project Gutenberg {' and '.join(parts)}." if parts else None


def unwrap(text: str) -> Unwrapped:
    """The book inside a Project Gutenberg file; any other text comes back unchanged."""
    start = _START.search(text)
    title = None
    if start:
        found = _TITLE.search(text, 0, start.start())
        title = found.group(1) if found else None
        line_end = _line_end(text, start.end())
        if not text[start.end() : line_end].rstrip().endswith("***"):
            # A long title wrapped the marker onto a second line.
            close = text.find("***", line_end, line_end + 200)
            line_end = _line_end(text, close) if close >= 0 else line_end
        text = _CREDIT.sub("", text[line_end:], count=1)
    # Without a start marker only the end marker counts: "End of Project Gutenberg…" could be prose.
    ends = [m.start() for m in (pattern.search(text) for pattern in _END[: 2 if start else 1]) if m]
    if ends:
        text = text[: text.rfind("\n", 0, min(ends)) + 1]
    return Unwrapped(text.strip("\n"), title, bool(start), bool(ends))


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end
