"""Exports that open in their own libraries, hold the novel as a publisher expects it, and leave the writer's
folders alone."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from app.export_dialog import ExportChoice, ExportDialog, default_path
from app.exporting import DEFAULT_FORMAT, FORMATS, ExportProblem, export_novel
from app.importing import read_manuscript
from app.main_window import MainWindow
from app.settings import EXPORT_FORMATS, Settings, load_settings
from app.storage import Library
from tests.conftest import CORPUS

CHAPTERS = [("The Ball", "Emma danced.\n\nMr Knightley watched — “kindly”."), ("After", "Ça va. 😀 שלום")]
MARKED = [
    (
        "The Ball",
        "Emma was *very* happy, and Harriet **quite** beside herself.\n\n"
        "She read the _charade_ aloud:\n\n"
        "My first doth affliction denote,\nWhich my second is destin'd to feel",
    ),
    ("After", "Nothing was ever *so* still."),
]


def test_markdown_and_text_hold_every_chapter(tmp_path):
    export_novel(tmp_path / "emma.md", "Emma", CHAPTERS)
    md = (tmp_path / "emma.md").read_text(encoding="utf-8")
    assert md.startswith("# Emma\n\n## The Ball\n\nEmma danced.") and "## After\n\nÇa va. 😀 שלום" in md
    export_novel(tmp_path / "emma.txt", "Emma", CHAPTERS)
    txt = (tmp_path / "emma.txt").read_text(encoding="utf-8")
    assert "EMMA" in txt and "Mr Knightley watched" in txt and "שלום" in txt


def test_markdown_keeps_the_markup_and_nothing_else_becomes_markdown(tmp_path):
    text = (
        "Emma was *very* happy and **quite** sure.\n\n"
        "# not a heading\n\n1. not a list\n\n- nor this\n\n    not code\n\n"
        "`not a code span`, <b>not html</b>, [not a link](x), 5 * 3 * 2\n\n"
        "Tyger Tyger, burning bright,\nIn the forests of the night;"
    )
    export_novel(tmp_path / "emma.md", "Emma", [("One", text)])
    md = (tmp_path / "emma.md").read_text(encoding="utf-8")
    assert "Emma was *very* happy and **quite** sure." in md
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").render(md)
    assert rendered.count("<h1>") == 1 and rendered.count("<h2>") == 1  # the title and the chapter
    for tag in ("<ol", "<ul", "<pre", "<code", "<b>", "<a "):
        assert tag not in rendered
    assert "<em>very</em>" in rendered and "<strong>quite</strong>" in rendered
    assert "Tyger Tyger, burning bright,<br />\nIn the forests" in rendered
    assert "5 * 3 * 2" in rendered and "# not a heading" in rendered and "&lt;b&gt;not html" in rendered
    _, chapters = read_manuscript(tmp_path / "emma.md")
    assert chapters == [
        ("One", text.replace("    not code", "not code").replace("5 * 3 * 2", "5 \\* 3 \\* 2"))
    ]


def test_docx_is_a_manuscript_a_publisher_can_open(tmp_path):
    import docx

    path = tmp_path / "emma.docx"
    export_novel(path, "Emma", [*MARKED, ("Odd", "nul \x00 inside")], author="Jane Austen")
    document = docx.Document(str(path))
    assert document.core_properties.author == "Jane Austen"
    assert document.core_properties.title == "Emma"
    assert "python-docx" not in (
        document.core_properties.last_modified_by + document.core_properties.comments
    )
    paragraphs = document.paragraphs
    assert [(p.style.name, p.text) for p in paragraphs[:2]] == [
        ("Title", "Emma"),
        ("Subtitle", "by Jane Austen"),
    ]
    headings = [p for p in paragraphs if p.style.name == "Heading 1"]
    assert [h.text for h in headings] == ["The Ball", "After", "Odd"]
    assert all(h.paragraph_format.page_break_before for h in headings)
    body = [p for p in paragraphs if p.style.name == "Normal"]
    assert [p.text for p in body] == [
        "Emma was very happy, and Harriet quite beside herself.",
        "She read the charade aloud:",
        "My first doth affliction denote,\nWhich my second is destin'd to feel",
        "Nothing was ever so still.",
        "nul  inside",
    ]
    first = body[0].runs
    assert [(r.text, bool(r.italic), bool(r.bold)) for r in first] == [
        ("Emma was ", False, False),
        ("very", True, False),
        (" happy, and Harriet ", False, False),
        ("quite", False, True),
        (" beside herself.", False, False),
    ]
    assert [r.text for r in body[1].runs if r.italic] == ["charade"]


def test_docx_round_trip_keeps_text_chapters_and_italics(tmp_path):
    path = tmp_path / "emma.docx"
    export_novel(path, "Emma", MARKED, author="Jane Austen")
    title, chapters = read_manuscript(path)
    assert title == "Emma"
    expected = [(t, text.replace("_charade_", "*charade*")) for t, text in MARKED]
    assert chapters == expected


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the Austen corpus is not beside the checkout")
def test_a_whole_imported_novel_survives_a_docx_round_trip(tmp_path):
    title, chapters = read_manuscript(CORPUS / "persuasion.txt")
    export_novel(tmp_path / "persuasion.docx", title, chapters, author="Jane Austen")
    assert tuple(read_manuscript(tmp_path / "persuasion.docx")) == (title, chapters)


def test_epub_has_title_author_and_real_italics(tmp_path):
    from ebooklib import ITEM_DOCUMENT, epub

    path = tmp_path / "emma.epub"
    export_novel(path, "Emma", [*CHAPTERS, *MARKED], author="Jane Austen")
    assert zipfile.is_zipfile(path)
    book = epub.read_epub(str(path))
    assert book.get_metadata("DC", "title")[0][0] == "Emma"
    assert book.get_metadata("DC", "creator")[0][0] == "Jane Austen"
    html = "".join(item.get_content().decode() for item in book.get_items_of_type(ITEM_DOCUMENT))
    assert "Emma danced." in html and "Mr Knightley watched" in html and "שלום" in html
    assert "<em>very</em>" in html and "<strong>quite</strong>" in html and "<em>charade</em>" in html
    assert "denote,<br/>Which" in html


def test_unknown_format_and_unwritable_folder_give_messages(tmp_path):
    with pytest.raises(ExportProblem, match="exports"):
        export_novel(tmp_path / "emma.pdf", "Emma", CHAPTERS)
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(ExportProblem, match="could not be written"):
        export_novel(blocked / "emma.md", "Emma", CHAPTERS)


@pytest.mark.parametrize("suffix", list(FORMATS))
def test_exporting_leaves_the_writers_folder_as_it_was(tmp_path, suffix):
    folder = tmp_path / "Manuscripts"
    folder.mkdir()
    os.chmod(folder, 0o755)
    previous = os.umask(0o022)
    try:
        export_novel(folder / f"emma{suffix}", "Emma", CHAPTERS)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / f"emma{suffix}").stat().st_mode) == 0o644  # as any file the writer saves
    assert [p.name for p in folder.iterdir()] == [f"emma{suffix}"]  # no temporary file left behind


def test_exporting_over_a_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "emma.md"
    path.write_text("old")
    os.chmod(path, 0o640)
    export_novel(path, "Emma", CHAPTERS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and "Emma danced." in path.read_text()


def test_the_default_format_is_docx_and_settings_know_every_format():
    assert DEFAULT_FORMAT == next(iter(FORMATS)) == Settings().last_export_format == ".docx"
    assert set(EXPORT_FORMATS) == set(FORMATS)


def test_the_export_dialog_starts_in_the_last_folder_with_the_last_format(qtbot, tmp_path):
    settings = Settings(last_export_folder=str(tmp_path), last_export_format=".epub", author="Jane Austen")
    assert default_path("Mr. Darcy: A Life?", settings) == tmp_path / "Mr. Darcy A Life.epub"
    assert default_path("Emma", Settings()).suffix == ".docx"
    dialog = ExportDialog(None, "Mr. Darcy", settings)
    qtbot.addWidget(dialog)
    assert dialog.value() == ExportChoice(tmp_path / "Mr. Darcy.epub", "Jane Austen")
    dialog.format.setCurrentIndex(list(FORMATS).index(".md"))
    dialog.author.setText("  J. Austen ")
    assert dialog.value() == ExportChoice(tmp_path / "Mr. Darcy.md", "J. Austen")


def test_exporting_from_the_window_remembers_folder_format_and_author(qtbot, tmp_path, monkeypatch):
    import docx

    library = Library()
    window = MainWindow(library, Settings())
    qtbot.addWidget(window)
    novel = library.create_novel("Emma", MARKED)
    window.open_novel(novel.id)
    target = tmp_path / "out" / "Emma.docx"
    target.parent.mkdir()
    monkeypatch.setattr(ExportDialog, "get_choice", lambda *args: ExportChoice(target, "Jane Austen"))
    window.export_current()
    assert docx.Document(str(target)).core_properties.author == "Jane Austen"
    assert "Exported to" in window.statusBar().currentMessage()
    saved, _ = load_settings()
    assert (saved.author, saved.last_export_folder, saved.last_export_format) == (
        "Jane Austen",
        str(target.parent),
        ".docx",
    )


def test_bad_export_settings_are_replaced_by_their_defaults(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"author": 7, "last_export_format": ".pdf", "last_export_folder": "/no/such/folder"}')
    settings, notes = load_settings(path)
    assert (settings.author, settings.last_export_format) == ("", ".docx") and len(notes) == 2
    assert default_path("Emma", settings).parent == Path.home()  # a folder that went away: home
