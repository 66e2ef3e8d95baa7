"""The light markup of a chapter's text: paragraphs, kept line breaks, `*italic*` or `_italic_`, `**bold**`.

One parser serves every format that has real italics (the .docx and .epub exports, the .docx import) so
that they cannot disagree about what is emphasised. The rules are a small, predictable part of Markdown's:
- `*` or `**` (or `***` for both) opens when a non-space follows it and closes when a non-space precedes
  it, as in Markdown; `_` does the same but never inside a word, so `snake_case` stays as it is.
- `\\*`, `\\_` and `\\\\` are a literal star, underscore and backslash; any other backslash is itself.
- A delimiter that finds no partner is an ordinary character ("5 * 3", "* * *").
- Emphasis stays inside its paragraph.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# A paragraph keeps its line breaks when its lines are this short, markup aside (verse, a letter's closing);
# longer lines are paragraphs of their own, typed by a writer who ends a paragraph with a single Enter.
VERSE_LINE_MAX = 60

_TOKEN = re.compile(r"\\[*_\\]|\*+|_")


@dataclass(frozen=True)
class Span:
    """A stretch of text with one formatting."""

    text: str
    italic: bool = False
    bold: bool = False


@dataclass(frozen=True)
class Mark:
    """Where a formatting or a marker lies in the paragraph as typed (the editor styles the text in place)."""

    start: int
    end: int
    italic: bool = False
    bold: bool = False
    marker: bool = False  # the `*`, `**` or `_` of an emphasis, or the backslash of an escape


def paragraphs(text: str) -> list[str]:
    """A chapter's paragraphs; a "\\n" left inside one is a deliberate line break (verse)."""
    blocks = [b.strip("\n") for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    single_enter = len(blocks) == 1  # no blank line anywhere: every line is a paragraph
    found = []
    for block in blocks:
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if not single_enter and all(len(plain(line).strip()) <= VERSE_LINE_MAX for line in lines):
            found.append("\n".join(line.strip() for line in lines))
        else:
            found += [line.strip() for line in lines]
    return found


class _Token:
    """Text, or a delimiter run ("*", "**", "***", "_") that may open or close emphasis."""

    __slots__ = ("both", "delimiter", "escaped", "opens", "partner", "start", "text")

    def __init__(self, text: str, start: int, delimiter: bool = False, both: bool = False) -> None:
        self.text, self.start, self.delimiter, self.both = text, start, delimiter, both
        self.opens, self.partner, self.escaped = False, None, False


def parse(paragraph: str) -> list[Span]:
    """The paragraph's spans, with the markup taken out (adjacent spans of one formatting merged)."""
    spans: list[Span] = []
    for token, italic, bold in _formatted(_tokens(paragraph)):
        if token.delimiter and token.partner is not None:
            continue
        span = Span(token.text, italic, bold)
        if spans and (spans[-1].italic, spans[-1].bold) == (span.italic, span.bold):
            span = Span(spans[-1].text + token.text, span.italic, span.bold)
            spans.pop()
        spans.append(span)
    return spans


def marks(paragraph: str) -> list[Mark]:
    """The paragraph's emphasised stretches and markers, by their place in the paragraph as typed."""
    found = []
    for token, italic, bold in _formatted(_tokens(paragraph)):
        marker = token.delimiter and token.partner is not None
        if token.escaped:
            found.append(Mark(token.start - 1, token.start, marker=True))  # an escape's backslash
        if italic or bold or marker:
            found.append(Mark(token.start, token.start + len(token.text), italic, bold, marker))
    return found


def _formatted(tokens: list[_Token]):
    """Each token with the formatting it has (a marker: that of the emphasis it opens or closes)."""
    italic = bold = 0
    for token in tokens:
        if token.delimiter and token.partner is not None and token.opens:
            italic += token.text in ("*", "_", "***")
            bold += token.text in ("**", "***")
        yield token, italic > 0, bold > 0
        if token.delimiter and token.partner is not None and not token.opens:
            italic -= token.text in ("*", "_", "***")
            bold -= token.text in ("**", "***")


def _tokens(paragraph: str) -> list[_Token]:
    """The paragraph as text and delimiter runs, each run paired with its partner where it has one."""
    tokens: list[_Token] = []
    openers: list[_Token] = []  # delimiters that may still be closed, innermost last
    pos = 0
    for m in _TOKEN.finditer(paragraph):
        if m.start() > pos:
            tokens.append(_Token(paragraph[pos : m.start()], pos))
        pos = m.end()
        run = m.group()
        start = m.start()
        if run.startswith("\\"):
            tokens.append(_Token(run[1], start + 1))
            tokens[-1].escaped = True
            continue
        before = paragraph[m.start() - 1] if m.start() else " "
        after = paragraph[m.end()] if m.end() < len(paragraph) else " "
        can_open, can_close = not after.isspace(), not before.isspace()
        if run == "_":
            can_open, can_close = can_open and not before.isalnum(), can_close and not after.isalnum()
        if len(run) > 3:
            can_open = can_close = False
        # A closing run uses as many of its stars as its opener has and the rest may close or open again
        # ("*a***b**" is italic a, bold b); a longer opener keeps its outer stars open ("***a* b**").
        while run and can_close:
            opener = next((t for t in reversed(openers) if _may_pair(t, run, can_open)), None)
            if opener is None or opener is tokens[-1]:  # nothing between: "__" is no emphasis
                break
            del openers[openers.index(opener) :]  # delimiters opened inside and never closed stay literal
            used = min(len(opener.text), len(run))
            if len(opener.text) > used:
                outer = _Token(opener.text[used:], opener.start, delimiter=True, both=opener.both)
                opener.text, opener.start = opener.text[:used], opener.start + len(outer.text)
                tokens.insert(tokens.index(opener), outer)
                openers.append(outer)
            closer = _Token(run[:used], start, delimiter=True)
            opener.opens, opener.partner, closer.partner = True, closer, opener
            tokens.append(closer)
            run, start = run[used:], start + used
        if run:
            token = _Token(run, start, delimiter=True, both=can_open and can_close)
            tokens.append(token)
            if can_open:
                openers.append(token)
    if pos < len(paragraph):
        tokens.append(_Token(paragraph[pos:], pos))
    return tokens


def toggle(text: str, marker: str) -> str:
    """`text` with `marker` ("*" or "**") put around it, or taken away where it is what makes it italic
    (bold): "vain" -> "*vain*" -> "vain"; "**vain**" -> "***vain***" with "*"."""
    inner = text[len(marker) : -len(marker)]
    if (
        text[: len(marker)] == marker == text[-len(marker) :]
        and _all(text, marker)
        and not _all(inner, marker)
    ):
        return inner
    return f"{marker}{text}{marker}"


def _all(text: str, marker: str) -> bool:
    visible = [s for s in parse(text) if s.text.strip()]
    return bool(visible) and all(s.bold if marker == "**" else s.italic for s in visible)


def _may_pair(opener: _Token, run: str, run_opens: bool) -> bool:
    """Markdown's "rule of three": when either run could also do the other job, runs whose lengths add up
    to a multiple of three do not pair ("**a*b*c**" is bold with an italic b inside, not italic "a")."""
    if opener.text[0] != run[0]:
        return False
    if (opener.both or run_opens) and (len(opener.text) + len(run)) % 3 == 0:
        return len(opener.text) % 3 == 0 and len(run) % 3 == 0
    return True


def plain(paragraph: str) -> str:
    """The paragraph's text without its markup."""
    return "".join(span.text for span in parse(paragraph))


def render(spans: list[Span]) -> str:
    """Light markup for spans: `parse` reads it back as the same text, with the same formatting but where
    spans of different formatting touch with no space between and the markup cannot say it (then the
    stretch they make takes the formatting of all of them)."""
    text = _render(spans, _escape)
    if _visible(parse(text)) != _visible(spans):
        text = _render(spans, _escape, unite=True)
    return text


def _visible(spans: list[Span]) -> list[tuple[str, bool, bool]]:
    return [(ch, s.italic, s.bold) for s in spans for ch in s.text if not ch.isspace()]


def _render(spans: list[Span], escape, unite: bool = False) -> str:
    merged: list[Span] = []
    for span in spans:
        if merged and (merged[-1].italic, merged[-1].bold) == (span.italic, span.bold):
            merged[-1] = Span(merged[-1].text + span.text, span.italic, span.bold)
        elif span.text:
            merged.append(span)
    out, i = [], 0
    while i < len(merged):
        j = i
        while j < len(merged) and (merged[j].italic or merged[j].bold):
            j += 1
        if j == i:
            out.append(escape(merged[i].text))
            i += 1
            continue
        island = merged[i:j]  # formatted spans in a row: the formatting they all share goes outside
        if all(s.italic for s in island):
            out.append(_wrap("*", _render([Span(s.text, False, s.bold) for s in island], escape, unite)))
        elif all(s.bold for s in island):
            out.append(_wrap("**", _render([Span(s.text, s.italic, False) for s in island], escape, unite)))
        elif unite:
            out.append(_wrap("***", escape("".join(s.text for s in island))))
        else:  # an italic word run straight into a bold one: the longest stretches that share one
            k = 1
            while k < len(island) and _shared(island[: k + 1]):
                k += 1
            first = island[0]
            out.append(_render(island[:k], escape) if k > 1 else _wrap(_marker(first), escape(first.text)))
            j = i + k
        i = j
    return "".join(out)


def _shared(spans: list[Span]) -> bool:
    return all(s.italic for s in spans) or all(s.bold for s in spans)


def _marker(span: Span) -> str:
    return "*" * (span.italic + 2 * span.bold)


def _wrap(marker: str, text: str) -> str:
    """`text` between markers, with its leading and trailing spaces outside them (where they can open)."""
    core = text.strip()
    if not core:
        return text
    return f"{text[: len(text) - len(text.lstrip())]}{marker}{core}{marker}{text[len(text.rstrip()) :]}"


def _escape(text: str, backslashes: bool = True) -> str:
    """Stars always, underscores where one could open or close (not inside a word), backslashes where a
    star, an underscore or a backslash follows, or the end of the text (where a marker may follow)."""
    out = []
    end = len(text.rstrip())
    for i, ch in enumerate(text):
        after = text[i + 1] if i + 1 < end else "*"
        if (
            ch == "*"
            or (ch == "_" and not (i > 0 and text[i - 1].isalnum() and after.isalnum()))
            or (backslashes and ch == "\\" and after in "*_\\")
        ):
            out.append("\\")
        out.append(ch)
    return "".join(out)


def xml_safe(text: str) -> str:
    """The text without the control characters XML cannot hold (a NUL would break a .docx or an .epub)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)


# Markdown gives these a meaning anywhere in a line (code spans, links, HTML, strike-through, escapes) ...
_MD_INLINE = set("\\`[]<>~")
# ... and these at the start of one (headings, lists, quotes, setext underlines, tables).
_MD_LINE_START = re.compile(r"^([#>+=|-])|^(\d+)([.)])", re.M)
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])|&(#\d+|#[xX][0-9a-fA-F]+|\w+);")
_MD_DOUBLE_UNDERSCORE = re.compile(r"(?<![\w\\])__(?=\S)(.+?)(?<=\S)__(?!\w)")


def to_markdown(paragraph: str) -> str:
    """A paragraph in Markdown: its markup kept, every other character that Markdown would read escaped,
    indentation (an accidental code block) dropped, a line break kept as Markdown's hard break."""
    spans = parse("\n".join(line.strip() for line in paragraph.split("\n")))
    text = _render(spans, _md_escape)
    if _visible(parse(from_markdown(text))) != _visible(spans):
        text = _render(spans, _md_escape, unite=True)  # as `render` does where spans touch
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _MD_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    return text.replace("\n", "\\\n")


def _md_escape(text: str) -> str:
    text = "".join(f"\\{ch}" if ch in _MD_INLINE else ch for ch in text)
    return _escape(_MD_ENTITY.sub(r"\\&", text), backslashes=False)


def from_markdown(text: str) -> str:
    """Markdown's text as light markup: escapes and entities resolved, but for `\\*` and `\\_`, which the
    light markup shares; `__bold__` as `**bold**`."""
    text = _MD_DOUBLE_UNDERSCORE.sub(r"**\1**", text)

    def resolve(m: re.Match) -> str:
        if m[1] is None:
            return html.unescape(m[0])
        if m[1] in "*_" or (m[1] == "\\" and text[m.end() : m.end() + 1] in ("*", "_", "\\")):
            return m[0]  # the light markup's own escapes
        return m[1]

    return _MD_UNESCAPE.sub(resolve, text)
