"""Exports that open in their own libraries and hold the novel's text."""

from __future__ import annotations

import zipfile

import pytest

from app.exporting import ExportProblem, export_novel

CHAPTERS = [("The Ball", "Emma danced.\n\nMr Knightley watched — “kindly”."), ("After", "Ça va. 😀 שלום")]


def test_markdown_and_text_hold_every_chapter(tmp_path):
    export_novel(tmp_path / "emma.md", "Emma", CHAPTERS)
    md = (tmp_path / "emma.md").read_text(encoding="utf-8")
    assert md.startswith("# Emma\n\n## The Ball\n\nEmma danced.") and "## After\n\nÇa va. 😀 שלום" in md
    export_novel(tmp_path / "emma.txt", "Emma", CHAPTERS)
    txt = (tmp_path / "emma.txt").read_text(encoding="utf-8")
    assert "EMMA" in txt and "Mr Knightley watched" in txt and "שלום" in txt


def test_docx_opens_with_python_docx_and_holds_the_text(tmp_path):
    import docx

    path = tmp_path / "emma.docx"
    export_novel(path, "Emma", [*CHAPTERS, ("Odd", "nul \x00 inside")])
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    assert "The Ball" in texts and "Emma danced." in texts and "Ça va. 😀 שלום" in texts
    assert "nul  inside" in texts
    assert document.core_properties.title == "Emma"


def test_epub_opens_with_ebooklib_and_holds_the_text(tmp_path):
    from ebooklib import ITEM_DOCUMENT, epub

    path = tmp_path / "emma.epub"
    export_novel(path, "Emma", CHAPTERS)
    assert zipfile.is_zipfile(path)
    book = epub.read_epub(str(path))
    assert book.get_metadata("DC", "title")[0][0] == "Emma"
    html = "".join(item.get_content().decode() for item in book.get_items_of_type(ITEM_DOCUMENT))
    assert "Emma danced." in html and "Mr Knightley watched" in html and "שלום" in html


def test_unknown_format_and_unwritable_folder_give_messages(tmp_path):
    with pytest.raises(ExportProblem, match="exports"):
        export_novel(tmp_path / "emma.pdf", "Emma", CHAPTERS)
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(ExportProblem, match="could not be written"):
        export_novel(blocked / "emma.md", "Emma", CHAPTERS)
