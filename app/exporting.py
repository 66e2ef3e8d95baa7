"""Export a novel to .md, .txt, .docx (python-docx) and .epub (ebooklib); every file is written atomically."""

from __future__ import annotations

import html
import io
import uuid
from pathlib import Path

from app.paths import write_atomically

FORMATS = {".md": "Markdown", ".txt": "Plain text", ".docx": "Word document", ".epub": "EPUB e-book"}


class ExportProblem(Exception):
    """The export could not be written; the message says why."""


def paragraphs(text: str) -> list[str]:
    """A chapter's paragraphs: blocks separated by blank lines (single newlines kept inside a block)."""
    return [p.strip("\n") for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def to_markdown(title: str, chapters: list[tuple[str, str]]) -> str:
    parts = [f"# {title}"]
    for chapter_title, text in chapters:
        parts += [f"## {chapter_title}", text.strip("\n")]
    return "\n\n".join(p for p in parts if p) + "\n"


def to_text(title: str, chapters: list[tuple[str, str]]) -> str:
    parts = [title.upper()]
    for chapter_title, text in chapters:
        parts += [chapter_title, text.strip("\n")]
    return "\n\n\n".join(p for p in parts if p) + "\n"


def to_docx(title: str, chapters: list[tuple[str, str]]) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    for i, (chapter_title, text) in enumerate(chapters):
        if i:
            document.add_page_break()
        document.add_heading(chapter_title, level=1)
        for p in paragraphs(text):
            document.add_paragraph(_xml_safe(p))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_epub(title: str, chapters: list[tuple[str, str]], author: str = "") -> bytes:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier(f"urn:uuid:{uuid.uuid4()}")
    book.set_title(title)
    book.set_language("en")
    if author:
        book.add_author(author)
    items = []
    for i, (chapter_title, text) in enumerate(chapters, 1):
        item = epub.EpubHtml(title=chapter_title, file_name=f"chapter-{i:03d}.xhtml", lang="en")
        body = "".join(f"<p>{html.escape(_xml_safe(p))}</p>" for p in paragraphs(text))
        item.content = f"<h1>{html.escape(_xml_safe(chapter_title))}</h1>{body}"
        book.add_item(item)
        items.append(item)
    book.toc = items
    book.spine = ["nav", *items]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    out = io.BytesIO()
    epub.write_epub(out, book)
    return out.getvalue()


def _xml_safe(text: str) -> str:
    """XML cannot hold most control characters (a NUL in a chapter would break .docx and .epub)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)


def export_novel(path: Path, title: str, chapters: list[tuple[str, str]]) -> None:
    """Write the novel to `path` in the format its suffix names."""
    suffix = path.suffix.lower()
    if suffix == ".md":
        data = to_markdown(title, chapters).encode("utf-8")
    elif suffix == ".txt":
        data = to_text(title, chapters).encode("utf-8")
    elif suffix == ".docx":
        data = to_docx(title, chapters)
    elif suffix == ".epub":
        data = to_epub(title, chapters)
    else:
        raise ExportProblem(f"Longform exports {', '.join(FORMATS)}; {path.name} is none of them.")
    try:
        write_atomically(path, data)
    except OSError as e:
        raise ExportProblem(f"{path.name} could not be written: {e.strerror or e}") from None
