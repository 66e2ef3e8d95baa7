"""Edit → Cut, Copy and Paste act on the editor, with their standard shortcuts, and never on a suggestion."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from app.settings import Settings
from app.storage import Library


@pytest.fixture
def window(qtbot):
    library = Library()
    w = MainWindow(library, Settings())
    qtbot.addWidget(w)
    w.open_novel(library.create_novel("Emma", [("One", "Emma Woodhouse, handsome.")]).id)
    return w


def edit_action(w: MainWindow, text: str):
    (edit,) = [a.menu() for a in w.menuBar().actions() if a.text() == "&Edit"]
    (action,) = [a for a in edit.actions() if a.text() == text]
    return action


def select(w: MainWindow, start: int, end: int) -> None:
    cursor = w.editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, cursor.MoveMode.KeepAnchor)
    w.editor.setTextCursor(cursor)


def test_cut_copy_paste_have_the_standard_shortcuts(window):
    for text, key in (
        ("Cut", QKeySequence.StandardKey.Cut),
        ("Copy", QKeySequence.StandardKey.Copy),
        ("Paste", QKeySequence.StandardKey.Paste),
    ):
        assert edit_action(window, text).shortcut() == QKeySequence(key)


def test_cut_then_paste_moves_text_and_the_chapter_is_saved(window):
    select(window, 0, 5)
    edit_action(window, "Cut").trigger()
    assert window.editor.manuscript_text() == "Woodhouse, handsome."
    assert QApplication.clipboard().text() == "Emma "
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    edit_action(window, "Paste").trigger()
    assert window.save_now()
    assert window.library.chapter(window.chapter_id).text == "Woodhouse, handsome.Emma "


def test_copy_leaves_the_text_as_it_was(window):
    select(window, 5, 14)
    edit_action(window, "Copy").trigger()
    assert QApplication.clipboard().text() == "Woodhouse"
    assert window.editor.manuscript_text() == "Emma Woodhouse, handsome."


def test_paste_with_a_suggestion_shown_removes_it_first(window):
    QApplication.clipboard().setText(" She smiled.")
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    window.editor.begin_suggestion()
    window.editor.add_suggestion_text(" Emma laughed.")
    edit_action(window, "Paste").trigger()
    assert window.editor.suggestion is None
    assert window.editor.document_text() == "Emma Woodhouse, handsome. She smiled."


def test_with_no_novel_open_paste_and_cut_do_nothing(window):
    window.close_novel()
    QApplication.clipboard().setText("Stray text")
    edit_action(window, "Paste").trigger()
    window.editor.selectAll()
    edit_action(window, "Cut").trigger()
    assert window.editor.document_text() == "" and QApplication.clipboard().text() == "Stray text"
