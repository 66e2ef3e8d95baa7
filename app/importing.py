"""Import a manuscript from .txt, .md or .docx: decode it, take it out of any Project Gutenberg wrapping,
re-join hard-wrapped lines into paragraphs, and split it into chapters at its headings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app import gutenberg
from app.chapters import split_chapters
from app.docx_files import DocxProblem, read_docx
from app.markup import from_markdown
from app.unwrap import rejoin, strip_control
from engine.text_files import NotText, decode_text

MAX_IMPORT_BYTES = 200 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text")
MARKDOWN_SUFFIXES = (".md", ".markdown")
SUFFIXES = (*TEXT_SUFFIXES, *MARKDOWN_SUFFIXES, ".docx")
FILE_FILTER = f"Manuscripts ({' '.join('*' + s for s in SUFFIXES)})"


class ImportProblem(Exception):
    """The file cannot be imported; the message tells the writer why."""


@dataclass
class Manuscript:
    """An imported novel: its title, its chapters (title, text), and what the import left out.

    It unpacks as `title, chapters = read_manuscript(path)`."""

    title: str
    chapters: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator:
        return iter((self.title, self.chapters))


# Words a title leaves in lower case, but for its first.
SMALL_WORDS = frozenset(["a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"])


def title_from_file_name(stem: str) -> str:
    """The novel's title when the file names none: "the_long_road" → "The Long Road". A name the writer
    already capitalised ("McCarthy draft 3") is kept as written."""
    name = " ".join(stem.replace("_", " ").replace("-", " ").split())
    if not name:
        return "Untitled"
    if name != name.lower():
        return name
    words = name.split()
    return " ".join(w if i and w in SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words))


def read_manuscript(path: Path) -> Manuscript:
    """The manuscript in a .txt, .md or .docx file; ImportProblem says why it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportProblem(f"{path.name}: Longform imports .txt, .md and .docx files.")
    name = title_from_file_name(path.stem)
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise ImportProblem(f"{path.name} is larger than {MAX_IMPORT_BYTES // 2**20} MB.")
        if suffix == ".docx":
            title, chapters = read_docx(path)
            return Manuscript(title or name, chapters or [("Chapter 1", "")])
        text = decode_text(path.read_bytes())
    except DocxProblem as e:
        raise ImportProblem(str(e)) from None
    except NotText:
        raise ImportProblem(
            "This looks like a binary file, not text. Longform imports .txt, .md and .docx files."
        ) from None
    except OSError as e:
        raise ImportProblem(f"{path.name} cannot be read: {e.strerror or e}") from None
    book = gutenberg.unwrap(strip_control(text))
    notes = [book.note()] if book.note() else []
    markdown = suffix in MARKDOWN_SUFFIXES
    text = rejoin(book.text, markdown=markdown)
    title = book.title or name
    if markdown:
        lines = text.split("\n", 1)
        if lines[0].startswith("# ") and text.count("\n# ") == 0:
            # One "# Title" at the top of a Markdown file names the novel; its "## " headings are chapters.
            title = from_markdown(lines[0][2:].strip()) or title
            text = lines[1] if len(lines) > 1 else ""
        chapters = [(from_markdown(t), from_markdown(body)) for t, body in split_chapters(text)]
    else:
        chapters = split_chapters(text)
    return Manuscript(title, chapters, notes)
