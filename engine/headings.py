"""A book's chapter headings: how they are numbered, and the heading of the chapter that comes next.

A heading is "Chapter" (in any case) and a number written as the book writes it: digits ("Chapter 12"),
Roman numerals ("CHAPTER XII."), words ("Chapter Twelve", "CHAPTER TWELVE") or an ordinal ("Chapter the
Twelfth"), with what follows it (a full stop, a subtitle). The next chapter's heading keeps all of that and
counts one on: "CHAPTER XII." → "CHAPTER XIII."; a title the writer gave becomes its subtitle, joined as the
book joins its own ("CHAPTER I. Down the Rabbit-Hole" → "CHAPTER XIII. The Pig").

A light module (no model, no Qt): the app names its chapters with it and the engine's `chapters` command
with the same rule.
"""

from __future__ import annotations

import re

UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"]
TEENS += ["nineteen"]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINALS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth",
]  # fmt: skip
_UNIT = "|".join(UNITS)
WORDS = rf"(?:{'|'.join(TEENS)}|(?:{'|'.join(TENS)})(?:[- ](?:{_UNIT}))?|{_UNIT}|hundred)"
# The number of a "Chapter …" heading, as app/chapters.py finds headings in an imported manuscript too.
NUMBER = rf"(?:\d+|[IVXLCDM]+|(?i:{WORDS})|(?i:the[ \t]+(?:{'|'.join(ORDINALS)}|last)))"
_NUMBERED = re.compile(
    rf"^(?P<lead>.*?\b[Cc][Hh][Aa][Pp][Tt][Ee][Rr][ \t]+)(?P<number>{NUMBER})\b(?P<rest>.*)$"
)
_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL")]
_ROMAN += [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def word_number(n: int) -> str:
    """1..99 in words ("twenty-one")."""
    if n < 10:
        return UNITS[n - 1]
    if n < 20:
        return TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return TENS[tens - 2] + (f"-{UNITS[unit - 1]}" if unit else "")


def roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _value(number: str) -> int | None:
    """The number a heading writes, or None when it is not one this module can count on from."""
    lower = number.lower()
    if number.isdigit():
        return int(number)
    if re.fullmatch(r"[IVXLCDM]+", number):
        return next((n for n in range(1, 400) if roman(n) == number), None)
    if lower.startswith("the"):
        word = lower.split()[-1]
        return ORDINALS.index(word) + 1 if word in ORDINALS else None
    return next((n for n in range(1, 100) if word_number(n) == lower.replace(" ", "-")), None)


def _written_like(n: int, number: str) -> str | None:
    """`n` written as `number` is: digits, Roman, words or an ordinal, in the same case."""
    if number.isdigit():
        return str(n)
    if re.fullmatch(r"[IVXLCDM]+", number):
        return roman(n)
    if number.lower().startswith("the"):
        if n > len(ORDINALS):
            return None
        the, word = number.split()
        return f"{the} {_case_like(ORDINALS[n - 1], word)}"
    if n > 99:
        return None
    return _case_like(word_number(n), number)


def _case_like(words: str, example: str) -> str:
    """ "twenty-one" as "TWENTY-ONE", "Twenty-One" or "twenty-one", as the example is written."""
    if example.isupper():
        return words.upper()
    if example[:1].isupper():
        return "-".join(part.capitalize() for part in words.split("-"))
    return words


def chapter_titles(text: str) -> list[str]:
    """The "Chapter …" headings of a manuscript, each a line of its own, in order."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if len(line) <= 100 and _heading(line)]


def _starts(line: str) -> bool:
    """A heading begins with its "Chapter" (or a short "VOLUME II," before it), not mid-sentence."""
    return re.match(r"(?i:chapter)\b|(?:VOLUME|BOOK|PART)\b", line) is not None


def _heading(line: str) -> re.Match | None:
    """A numbered "Chapter …" heading (not "A chapter I loved", not "Cut from chapter 2")."""
    line = line.strip()
    return _NUMBERED.match(line) if _starts(line) else None


def _after_number(m: re.Match) -> tuple[str, str]:
    """The stop after a heading's number ("." of "CHAPTER XII.", ":" of "Chapter 12: The Ball", " -" of
    "Chapter 3 - The Ball", its space kept) and the subtitle after it."""
    punct, subtitle = re.fullmatch(r"([ \t]+[—–-]|[.:—–-]?)[ \t]*(.*)", m.group("rest")).groups()
    return punct, subtitle


def _bare_stop(titles: list[str]) -> str:
    """How the book ends a heading that has no subtitle ("CHAPTER I." or "CHAPTER I"): as its last such
    heading does; none when every heading has a subtitle (its stop is the subtitle's)."""
    for previous in reversed(titles):
        m = _heading(previous)
        if m and not _after_number(m)[1]:
            return _after_number(m)[0]
    return ""


def next_heading(titles: list[str], title: str = "") -> str:
    """The heading of a chapter after `titles` (the book's chapter titles up to where it goes).

    Counts on from the last numbered heading, in its style; `title` (the writer's, may be empty) becomes the
    subtitle, or is the heading itself when the book does not number its chapters or it is numbered as a
    heading already ("Chapter 14" asked for a book whose chapters are "CHAPTER XII": "CHAPTER XIII").
    """
    title = title.strip()
    if (asked := _heading(title)) is not None:
        title = _after_number(asked)[
            1
        ]  # the writer's "CHAPTER III. The Ball": the book's number, their subtitle
    for previous in reversed(titles):
        m = _heading(previous)
        n = _value(m.group("number")) if m else None
        if n is None:
            continue
        number = _written_like(n + 1, m.group("number")) or str(n + 1)  # past the words it can write: digits
        punct, subtitle = _after_number(m)
        heading = f"{m.group('lead')}{number}"
        if title:
            return f"{heading}{punct or '.'} {title}"
        return heading + (punct if not subtitle else _bare_stop(titles))
    return title or f"Chapter {len(titles) + 1}"
