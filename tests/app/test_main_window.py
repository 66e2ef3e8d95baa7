"""The main window with real widgets and real SQLite (no engine: its end-to-end tests are separate)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app import main_window
from app.dialogs import SettingsDialog
from app.main import build_window
from app.main_window import MainWindow
from app.settings import Settings, load_settings
from app.storage import Library
from app.themes import apply_theme


@pytest.fixture
def window(qtbot):
    library = Library()
    w = MainWindow(library, Settings())
    qtbot.addWidget(w)
    novel = library.create_novel("Emma", [("One", "Emma Woodhouse, handsome."), ("Two", "Mr Knightley.")])
    w.open_novel(novel.id)
    return w


def titles(w: MainWindow) -> list[str]:
    return [c.title for c in w.library.chapters(w.novel.id)]


def tree_titles(w: MainWindow) -> list[str]:
    return [w.tree.topLevelItem(i).text(0) for i in range(w.tree.topLevelItemCount())]


def test_open_novel_shows_its_chapters_and_the_first_chapter(window):
    assert tree_titles(window) == ["One", "Two"]
    assert window.editor.manuscript_text() == "Emma Woodhouse, handsome."
    assert "Chapter: 3 words" in window.words_label.text() and "Novel: 5 words" in window.words_label.text()


def test_chapter_add_rename_reorder_delete(window, monkeypatch):
    window.add_chapter("Three")
    assert titles(window) == ["One", "Three", "Two"] == tree_titles(window)  # after the current chapter
    assert window.editor.manuscript_text() == ""

    monkeypatch.setattr(main_window, "ask_name", lambda *a, **k: "Three, renamed")
    window.rename_chapter(window.chapter_id)
    assert titles(window) == ["One", "Three, renamed", "Two"] == tree_titles(window)

    tree = window.tree
    item = tree.takeTopLevelItem(2)  # what a drag does to the tree, then the tree reports the new order
    tree.insertTopLevelItem(0, item)
    tree.reordered.emit(tree.chapter_ids())
    assert titles(window) == ["Two", "One", "Three, renamed"]

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.delete_chapter(window.chapter_id)
    assert len(titles(window)) == 3  # the writer said no
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.delete_chapter(window.chapter_id)
    assert titles(window) == ["Two", "One"] == tree_titles(window)
    assert window.chapter_id in {c.id for c in window.library.chapters(window.novel.id)}


def test_typing_is_autosaved_within_two_seconds(window, qtbot):
    chapter = window.chapter_id
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, " She smiled.")
    qtbot.waitUntil(lambda: window.library.chapter(chapter).text.endswith("She smiled."), timeout=2500)


def test_after_a_crash_the_app_reopens_with_what_was_autosaved(window, qtbot):
    window.show_chapter(window.tree.chapter_ids()[1])
    chapter = window.chapter_id
    qtbot.keyClicks(window.editor, " Saved words.")
    qtbot.waitUntil(lambda: "Saved words." in window.library.chapter(chapter).text, timeout=2500)
    qtbot.keyClicks(window.editor, " Lost words.")  # the crash comes before the next autosave
    # A crash: no closeEvent, nothing flushed. A new app starts on the same files.
    again = build_window(QApplication.instance(), start_engine=False)
    qtbot.addWidget(again)
    assert again.chapter_id == chapter
    assert again.editor.manuscript_text() == "Mr Knightley. Saved words."
    assert again.library.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_suggestion_is_never_saved_and_esc_leaves_the_chapter_unchanged(window, qtbot):
    chapter = window.chapter_id
    before = window.editor.manuscript_text()
    window.editor.begin_suggestion()
    window.editor.add_suggestion_text(" She laughed.")
    assert window.editor.document_text().endswith("She laughed.")
    assert window.save_now() and window.library.chapter(chapter).text == before
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    assert window.editor.document_text() == before and window.editor.suggestion is None
    assert window.library.chapter(chapter).text == before


def test_tab_accepts_the_suggestion_into_the_chapter_and_the_library(window, qtbot):
    chapter = window.chapter_id
    window.editor.begin_suggestion()
    window.editor.add_suggestion_text(" She laughed.")
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.editor.suggestion is None
    assert window.library.chapter(chapter).text == "Emma Woodhouse, handsome. She laughed."
    window.editor.undo()  # one undo takes the accepted suggestion back
    assert window.editor.manuscript_text() == "Emma Woodhouse, handsome."


def test_the_session_count_tells_accepted_words_from_the_writers_own(window, qtbot):
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, " Mine now.")
    window.editor.begin_suggestion()
    window.editor.add_suggestion_text(" She laughed at him.")
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: "from suggestions" in window.words_label.text(), timeout=2000)
    assert window.words_label.text().endswith("Session: +2 words of your own, +4 from suggestions")


def test_alternatives_cycle(window):
    window.editor.begin_suggestion()
    window.editor.add_suggestion_text(" One way.")
    window.suggestions.alternatives = [" One way.", " Another way."]
    window.suggestions.cycle(1)
    assert window.editor.document_text().endswith("Another way.")
    window.suggestions.cycle(1)
    assert window.editor.document_text() == "Emma Woodhouse, handsome. One way."


def test_find_and_replace_all(window):
    window.find_bar.find_text.setText("Emma")
    window.find_bar.replace_text.setText("Harriet")
    assert window.find_bar.replace_all() == 1
    assert window.editor.manuscript_text() == "Harriet Woodhouse, handsome."


def test_import_and_export_from_the_window(window, tmp_path):
    source = tmp_path / "watsons.md"
    source.write_text("# The Watsons\n\n## One\n\nThe first winter assembly.\n\n## Two\n\nEmma Watson.\n")
    novel = window.import_manuscript(source)
    assert window.novel == novel and titles(window) == ["One", "Two"]
    window.export_current(tmp_path / "out.md")
    assert "## Two\n\nEmma Watson." in (tmp_path / "out.md").read_text()


def test_settings_dialog_refuses_bad_values(qtbot, tmp_path):
    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    dialog.model.setCurrentText(str(tmp_path / "missing.gguf"))
    dialog._check()
    assert "does not exist" in dialog.problem.text() and dialog.result() != dialog.DialogCode.Accepted
    dialog.model.setCurrentText("default")
    dialog.spins["temperature"].setValue(0.3)
    dialog._check()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.value().temperature == 0.3


def test_theme_toggle_is_applied_and_remembered(window):
    app = QApplication.instance()
    apply_theme(app, "light")
    window.settings.theme = "light"
    window.toggle_theme()
    assert app.palette().base().color().lightness() < 80
    assert load_settings()[0].theme == "dark"
    window.toggle_theme()
    assert app.palette().base().color().lightness() > 200


def test_qt_calls_keep_python_alive_through_a_long_session(window):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None on every void call: a few thousand
    keystrokes crashed the app. Typing must leave None's reference count where it was."""
    import sys

    before = sys.getrefcount(None)
    for _ in range(3000):
        window._update_ai_actions()
        window.words_label.setText("x")
    assert abs(sys.getrefcount(None) - before) < 100
