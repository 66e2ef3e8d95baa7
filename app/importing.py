"""Import a manuscript from .txt or .md: decode it carefully and split it into chapters at its headings."""

from __future__ import annotations

import re
from pathlib import Path

MAX_IMPORT_BYTES = 200 * 1024 * 1024

# "# Title" / "## Title" (Markdown), or a line such as "Chapter 1", "CHAPTER XII.", "Chapter One: The Ball".
HEADING = re.compile(
    r"^[ \t]*(?:#{1,2}[ \t]+(?P<md>\S.*?)|(?P<chapter>(?:chapter|CHAPTER|Chapter)[ \t]+[\w.]+.*?))[ \t]*$",
    re.MULTILINE,
)


class ImportProblem(Exception):
    """The file cannot be imported; the message tells the writer why."""


def decode_manuscript(data: bytes) -> str:
    """Text of a manuscript file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8-sig")  # valid UTF-8 is text, even with a stray NUL in it
    except UnicodeDecodeError:
        if b"\x00" in data[:65536]:
            raise ImportProblem(
                "This looks like a binary file, not text. Longform imports .txt and .md files."
            ) from None
        # Older word processors wrote Windows-1252; every byte but five decodes, and those are replaced.
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_chapters(text: str) -> list[tuple[str, str]]:
    """(title, text) per chapter; text before the first heading becomes its own chapter, "Opening"."""
    chapters = []
    title, start = ("Opening" if HEADING.search(text) else "Chapter 1"), 0
    for m in HEADING.finditer(text):
        body = text[start : m.start()].strip("\n")
        if body.strip() or start > 0:  # text before the first heading only when it holds something
            chapters.append((title, body))
        title = (m.group("md") or m.group("chapter")).strip()
        start = m.end()
    chapters.append((title, text[start:].strip("\n")))
    return chapters


def read_manuscript(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """(novel title, chapters) of a .txt or .md file; ImportProblem says why it cannot be read."""
    if path.suffix.lower() not in (".txt", ".md", ".markdown", ".text"):
        raise ImportProblem(f"{path.name}: Longform imports .txt and .md files.")
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise ImportProblem(f"{path.name} is larger than {MAX_IMPORT_BYTES // 2**20} MB.")
        data = path.read_bytes()
    except OSError as e:
        raise ImportProblem(f"{path.name} cannot be read: {e.strerror or e}") from None
    text = decode_manuscript(data)
    title = path.stem.replace("_", " ").strip() or "Untitled"
    lines = text.lstrip("\n").split("\n", 1)
    if path.suffix.lower() in (".md", ".markdown") and lines[0].startswith("# ") and text.count("\n# ") == 0:
        # One "# Title" at the top of a Markdown file names the novel; its "## " headings are chapters.
        title = lines[0][2:].strip() or title
        text = lines[1] if len(lines) > 1 else ""
    return title, split_chapters(text)
