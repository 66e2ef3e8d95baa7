"""Unusual text through the editor, storage and export; an engine that prints garbage."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app import engine_client
from app.editor import ChapterEditor
from app.exporting import export_novel
from app.importing import read_manuscript
from app.main_window import MainWindow
from app.markup import paragraphs, parse
from app.settings import Settings
from app.storage import Library
from app.unwrap import strip_control

# Everything but line-break variants and a leading BOM, which the editor normalises (see the next test).
PROSE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\u2028\u2029\ufeff"),
    max_size=300,
)
UNUSUAL = "Emoji 😀👨\u200d👩 · RTL שלום عالم · combining e\u0301 · NUL \x00 · tab\t · form feed \x0c"


@pytest.mark.slow
@given(PROSE)
@example("\x00\x00")  # an exported chapter of NULs once re-imported as "binary"
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_text_round_trips_through_editor_storage_and_markdown(qtbot, tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("round")
    library = Library(folder / "l.db")
    novel = library.create_novel("N", [("C", "")])
    chapter = library.chapters(novel.id)[0]
    editor = ChapterEditor()
    qtbot.addWidget(editor)
    editor.set_chapter_text(text)
    library.save_text(chapter.id, editor.manuscript_text())
    editor.set_chapter_text(library.chapter(chapter.id).text)
    assert editor.manuscript_text() == text
    export_novel(folder / "n.md", "N", [("C", text)])
    _, chapters = read_manuscript(folder / "n.md")
    if "hapter" not in text:  # a line "Chapter 5" starts a chapter
        # Every character comes back, and the same ones are italic or bold; control characters are left
        # out on import, and Markdown keeps no spaces at the start or end of a line.
        assert _visible(chapters[-1][1]) == _visible(strip_control(text))
    library.close()


def _visible(text: str) -> list[tuple[str, bool, bool]]:
    return [
        (ch, s.italic, s.bold)
        for p in paragraphs(text)
        for s in parse(p)
        for ch in s.text
        if not ch.isspace()
    ]


def test_line_breaks_are_normalised_and_nothing_else(qtbot):
    editor = ChapterEditor()
    qtbot.addWidget(editor)
    for given_text, kept in [
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("x\u2029y", "x\ny"),
        ("x\u2028y", "x\ny"),
        ("\ufeffbom", "bom"),
        ("Mr\u00a0Darcy", "Mr\u00a0Darcy"),
    ]:
        editor.set_chapter_text(given_text)
        assert editor.manuscript_text() == kept
    editor.set_chapter_text(UNUSUAL)
    assert editor.manuscript_text() == UNUSUAL


@pytest.mark.slow
def test_a_very_long_chapter_saves_and_reloads(qtbot):
    library = Library()
    text = (UNUSUAL + "\n") * 40_000  # ~4 MB
    novel = library.create_novel("Long", [("One", text)])
    window = MainWindow(library, Settings())
    qtbot.addWidget(window)
    window.open_novel(novel.id)
    assert window.editor.manuscript_text() == text
    window.editor.insertPlainText("!")
    assert window.save_now()
    assert len(library.chapter(window.chapter_id).text) == len(text) + 1


@pytest.mark.slow
def test_a_fifty_megabyte_import(tmp_path):
    path = tmp_path / "huge.txt"
    block = "".join(f"Chapter {i}\n\n" + "All work and no play. " * 2000 + "\n\n" for i in range(1, 1201))
    path.write_text(block, encoding="utf-8")
    assert path.stat().st_size > 50_000_000
    title, chapters = read_manuscript(path)
    assert len(chapters) == 1200 and chapters[-1][0] == "Chapter 1200"
    library = Library()
    novel = library.create_novel(title, chapters)
    assert len(library.manuscript(novel.id)) > 50_000_000


def test_the_app_survives_an_engine_that_prints_garbage(qtbot, monkeypatch):
    script = str(Path(__file__).with_name("garbage_engine.py"))
    monkeypatch.setattr(engine_client, "engine_command", lambda: (sys.executable, [script]))
    library = Library()
    novel = library.create_novel("Emma", [("One", "Emma Woodhouse.")])
    window = MainWindow(library, Settings())
    qtbot.addWidget(window)
    window.start_engine()
    window.open_novel(novel.id)
    qtbot.waitUntil(lambda: window.client.session.garbage_lines >= 4, timeout=20_000)
    qtbot.waitUntil(lambda: window.client.state in ("idle", "absorbing"), timeout=20_000)
    window.client.send("status")
    qtbot.waitUntil(lambda: window.client.session.garbage_lines >= 8, timeout=20_000)
    assert window.editor.manuscript_text() == "Emma Woodhouse."
    window._update_ai_actions()
    window.close()
