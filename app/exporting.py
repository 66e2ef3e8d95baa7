"""Export a novel to .docx (python-docx), .epub (ebooklib), .md and .txt; every file is written atomically.

The file goes into a folder the writer chose, so it is written as any of their files would be: the folder's
permissions are left alone and the file gets the writer's umask (the app's own data stays owner-only).
"""

from __future__ import annotations

import html
import io
import uuid
from pathlib import Path

from app import markup
from app.docx_files import write_docx
from app.markup import xml_safe
from app.unwrap import strip_control
from engine.paths import write_atomically

# The first is the default: the format a publisher or an agent asks for.
FORMATS = {".docx": "Word document", ".epub": "EPUB e-book", ".md": "Markdown", ".txt": "Plain text"}
DEFAULT_FORMAT = ".docx"


class ExportProblem(Exception):
    """The export could not be written; the message says why."""


def to_markdown(title: str, chapters: list[tuple[str, str]]) -> str:
    """The novel in Markdown: "# Title", a "## " heading per chapter, the markup kept, all else escaped."""
    parts = [f"# {_md_heading(title)}"]
    for chapter_title, text in chapters:
        parts.append(f"## {_md_heading(chapter_title)}")
        # Control characters are left out as an import leaves them out (a form feed: a paragraph break).
        parts += [markup.to_markdown(p) for p in markup.paragraphs(strip_control(text))]
    return "\n\n".join(parts) + "\n"


def _md_heading(title: str) -> str:
    """A heading's text in Markdown: on one line and escaped (a closing "#" would be taken off)."""
    text = markup.to_markdown(" ".join(strip_control(title).split())) or "Untitled"
    return text[:-1] + "\\#" if text.endswith("#") else text


def to_text(title: str, chapters: list[tuple[str, str]]) -> str:
    """The novel as plain text, the light markup as typed (as Project Gutenberg writes _italics_)."""
    parts = [title.upper()]
    for chapter_title, text in chapters:
        parts += [chapter_title, text.strip("\n")]
    return "\n\n\n".join(p for p in parts if p) + "\n"


def to_epub(title: str, chapters: list[tuple[str, str]], author: str = "") -> bytes:
    """The novel as an EPUB 3 book with title and author metadata, italics and bold as <em> and <strong>."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier(f"urn:uuid:{uuid.uuid4()}")
    book.set_title(xml_safe(title))
    book.set_language("en")
    if author.strip():
        book.add_author(xml_safe(author.strip()))
    items = []
    for i, (chapter_title, text) in enumerate(chapters, 1):
        item = epub.EpubHtml(title=xml_safe(chapter_title), file_name=f"chapter-{i:03d}.xhtml", lang="en")
        body = "".join(f"<p>{_html(p)}</p>" for p in markup.paragraphs(xml_safe(text)))
        item.content = f"<h1>{html.escape(xml_safe(chapter_title))}</h1>{body}"
        book.add_item(item)
        items.append(item)
    book.toc = items
    book.spine = ["nav", *items]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    out = io.BytesIO()
    epub.write_epub(out, book)
    return out.getvalue()


def _html(paragraph: str) -> str:
    parts = []
    for span in markup.parse(paragraph):
        text = html.escape(span.text).replace("\n", "<br/>")
        if span.italic:
            text = f"<em>{text}</em>"
        if span.bold:
            text = f"<strong>{text}</strong>"
        parts.append(text)
    return "".join(parts)


def export_novel(path: Path, title: str, chapters: list[tuple[str, str]], author: str = "") -> None:
    """Write the novel to `path` in the format its suffix names."""
    suffix = path.suffix.lower()
    if suffix == ".md":
        data = to_markdown(title, chapters).encode("utf-8")
    elif suffix == ".txt":
        data = to_text(title, chapters).encode("utf-8")
    elif suffix == ".docx":
        data = write_docx(title, author, chapters)
    elif suffix == ".epub":
        data = to_epub(title, chapters, author)
    else:
        raise ExportProblem(f"Longform exports {', '.join(FORMATS)}; {path.name} is none of them.")
    try:
        write_atomically(path, data, private=False)
    except OSError as e:
        raise ExportProblem(f"{path.name} could not be written: {e.strerror or e}") from None
