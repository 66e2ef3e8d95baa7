"""Project Gutenberg's wrapping of a book: the header before "*** START OF …", the licence after "*** END …".

The book is what lies between the two markers; the header's "Title:" line names it. Files from before
about 2010 say "THIS PROJECT GUTENBERG EBOOK" or "EBOOK" without a space; both are recognised, in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_START = re.compile(r"^[ \t]*\*{3}[ \t]*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b.*$", re.I | re.M)
_END = re.compile(
    r"^[ \t]*(?:\*{3}[ \t]*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b"
    r"|End of (?:the |this )?Project Gutenberg(?:'s)?\b).*$",
    re.I | re.M,
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
        body_start = start.end()
        if not start.group().rstrip().endswith("***"):  # a long title wrapped the marker onto a second line
            close = text.find("***", body_start)
            body_start = text.find("\n", close) if 0 <= close - body_start < 200 else body_start
        text = text[body_start:] if body_start >= 0 else ""
        text = _CREDIT.sub("", text, count=1)
    end = _END.search(text)
    if end:
        text = text[: end.start()]
    return Unwrapped(text.strip("\n"), title, bool(start), bool(end))
