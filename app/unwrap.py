"""Paragraphs out of hard-wrapped plain text (Project Gutenberg style): wrapped lines re-joined, verse kept.

The wrap width is the 90th percentile of the lengths of lines that another line follows (71–72 columns in
each of Austen's six novels). A text is hard-wrapped when that width is 55–150 columns and at least a third
of its line breaks fall where a wrapper would put them, the next word not fitting (Austen: 88–99%; text
typed a paragraph a line: rarely; a text that is half verse: still over a third).

Within a block (lines between blank lines) a break is a wrap when the line it ends is full: the next line's
first word would not have fit, or the line reaches three quarters of the width. Both tests are needed: the
Austen files were not wrapped greedily (one break in eight in Emma ends a line a greedy wrapper would
have filled further), and two of their prose lines stop at 56 columns; at 0.7 of the width verse lines
start being joined (Emma's charades), so three quarters is where it sits.

A block is prose when every break in it is full, or when it reaches the width, most of its breaks are full
and fewer than half of its lines start with a capital (verse starts nearly all of them with one: this tells
a stanza with one long line from a paragraph). A block that never reaches the width is prose only when it
has at least four lines, all full at its own width, and few capitals: a letter set in a narrower measure,
as in Sense and Sensibility. Any other block is verse or set by hand, and keeps its lines.

Indentation goes; inside prose a line indented deeper than the block's least-indented lines starts a
paragraph, and a line set far in (a date, a signature) is never joined.
"""

from __future__ import annotations

import re
from itertools import pairwise
from statistics import quantiles

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f]")
_CAPITAL = re.compile(r"^[\"'“‘(\[_*]*(?!I\b)[A-Z]")  # "I" is a capital in prose as in verse
_HARD_BREAK = re.compile(r"(?<!\\)(?:\\\\)*\\$| {2,}$")  # Markdown's: a backslash or two spaces at the end

MIN_WIDTH, MAX_WIDTH = 55, 150  # below: verse of even lines looks wrapped; above: a paragraph per line
FULL = 0.75  # a line this close to the width is full
MAX_INDENT = 8  # columns; a line set further in (a date, a signature) was placed by hand


def strip_control(text: str) -> str:
    """The text without control characters but tabs and newlines (a ^Z at the end of a DOS file, NULs);
    a form feed, a page break on a printer, becomes a paragraph break."""
    return _CONTROL.sub("", text.replace("\x0c", "\n\n"))


def wrap_width(text: str) -> int | None:
    """The width the text's lines were wrapped at, or None when it is not hard-wrapped."""
    lines = text.split("\n")
    breaks = [(_width(a), b) for a, b in pairwise(lines) if a.strip() and b.strip()]
    if len(breaks) < 3:
        return None
    width = round(quantiles([n for n, _ in breaks], n=10, method="inclusive")[-1])
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        return None
    # A wrapper ends a line where the next word would not fit; in unwrapped text that is rare.
    greedy = sum(n + 1 + len(b.split()[0]) > width for n, b in breaks)
    return width if 3 * greedy >= len(breaks) else None


def rejoin(text: str, markdown: bool = False) -> str:
    """Blocks of the text with wrapped lines re-joined, separated by blank lines.

    With `markdown`, a line ending in a Markdown hard break keeps its break (the marker is removed)."""
    width = wrap_width(text)
    blocks = re.split(r"\n[ \t]*\n", text)
    out = []
    for block in blocks:
        lines = [line.rstrip("\n") for line in block.split("\n") if line.strip()]
        if lines:
            out.append(_rejoin_block(lines, width, markdown))
    return "\n\n".join(out)


def _rejoin_block(lines: list[str], width: int | None, markdown: bool) -> str:
    hard = [bool(markdown and _HARD_BREAK.search(line)) for line in lines]
    lines = [
        (line[:-1] if h and line.endswith("\\") else line).rstrip()
        for line, h in zip(lines, hard, strict=True)
    ]
    words = [line.strip() for line in lines]
    indents = [len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip()) for line in lines]
    widths = [
        _width(line) if indent <= MAX_INDENT else 0 for line, indent in zip(lines, indents, strict=True)
    ]
    width = _block_width(words, widths, indents, width)
    if width is None:
        return "\n".join(words)
    base = min(indents[1:])
    out = [words[0]]
    for i in range(1, len(lines)):
        if indents[i] > base:
            out.append("\n\n")
        elif not hard[i - 1] and _full(widths[i - 1], words[i], width):
            out.append("" if re.search(r"\w-$|--$", words[i - 1]) else " ")
        else:
            out.append("\n")
        out.append(words[i])
    return "".join(out)


def _block_width(words: list[str], widths: list[int], indents: list[int], width: int | None) -> int | None:
    """The width this block was wrapped at, or None when its lines are deliberate (verse, or no wrapping)."""
    if len(words) < 2 or width is None:
        return None
    base = min(indents[1:])
    own = min(max(widths), width)  # a letter may be set in a narrower measure than the rest

    def votes(reference: int) -> list[bool]:
        # A break before a paragraph's indented first line is neither a wrap nor a kept line break.
        full = [_full(widths[i - 1], words[i], reference) for i in range(1, len(words))]
        return [f for i, f in enumerate(full, 1) if f or indents[i] <= base]

    capitals = [bool(_CAPITAL.match(words[i])) for i in range(1, len(words)) if indents[i] <= base]
    few_capitals = 2 * sum(capitals) < len(capitals)
    if own >= FULL * width and all(votes(width)):
        return width
    if own >= FULL * width and 2 * sum(votes(own)) >= len(votes(own)) and few_capitals:
        return own  # prose with a deliberate break or two, or wrapped narrower than the rest (a letter)
    if len(words) >= 4 and all(votes(own)) and few_capitals:
        return own  # all of it wrapped narrower than the rest
    return None


def _full(length: int, next_line: str, width: int) -> bool:
    """Whether a line of `length` columns was ended by the wrapper rather than by the writer."""
    return length > 0 and (length >= FULL * width or length + 1 + len(next_line.split()[0]) > width)


def _width(line: str) -> int:
    return len(line.expandtabs(8).rstrip())
