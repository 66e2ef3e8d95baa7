"""The editor's spelling menu, the novel's dictionary kept in the library, and italic/bold from the
keyboard, with real widgets offscreen and a real library."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from app.main_window import MainWindow
from app.settings import Settings
from app.storage import Library
from tests.app.test_highlighter import misspelt, shown


@pytest.fixture
def window(qtbot):
    library = Library()
    w = MainWindow(library, Settings())
    qtbot.addWidget(w)
    novel = library.create_novel("Persuasion", [("One", "Sir Walter Elliot, of Kellynch Hall, was vain.")])
    w.open_novel(novel.id)
    return w


def menu_for(editor, word: str):
    """The context menu the writer gets by right-clicking inside `word`."""
    cursor = QTextCursor(editor.document())
    cursor.setPosition(editor.document_text().index(word) + 1)
    return editor.context_menu(editor.cursorRect(cursor).center())


def action(menu, text: str):
    return next(a for a in menu.actions() if a.text() == text)


def test_the_context_menu_offers_spellings_and_one_replaces_the_word(window, qtbot):
    editor = window.editor
    editor.set_chapter_text("She recieved the letter.")
    menu = menu_for(editor, "recieved")
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "received"
    assert "Add “recieved” to this novel’s dictionary" in texts and "Ignore “recieved”" in texts
    assert any("Copy" in t for t in texts)  # the usual editing actions are still there
    action(menu, "received").trigger()
    assert editor.manuscript_text() == "She received the letter."
    assert not misspelt(shown(editor, "received"))
    editor.undo()
    assert editor.manuscript_text() == "She recieved the letter."


def test_a_known_word_gets_no_spelling_actions(window):
    texts = [a.text() for a in menu_for(window.editor, "vain").actions()]
    assert not any("dictionary" in t or t.startswith("Ignore") for t in texts)


def test_a_word_added_to_the_novel_s_dictionary_stays_known_after_reopening_the_library(window, qtbot):
    editor, path, novel_id = window.editor, window.library.path, window.novel.id
    assert misspelt(shown(editor, "Kellynch"))
    action(menu_for(editor, "Kellynch"), "Add “Kellynch” to this novel’s dictionary").trigger()
    assert not misspelt(shown(editor, "Kellynch"))
    assert window.library.novel_words(novel_id) == ["Kellynch"]
    assert window.editor.manuscript_text() == "Sir Walter Elliot, of Kellynch Hall, was vain."

    other = window.library.create_novel("Emma", [("One", "Kellynch is not in Emma.")])
    window.open_novel(other.id)  # another novel has its own dictionary
    assert misspelt(shown(editor, "Kellynch"))

    window.close()
    again = MainWindow(Library(path), Settings())
    qtbot.addWidget(again)
    again.open_novel(novel_id)
    assert again.editor.manuscript_text().startswith("Sir Walter Elliot, of Kellynch")
    assert not misspelt(shown(again.editor, "Kellynch"))


def test_ignore_stops_the_underline_without_touching_the_dictionary(window):
    action(menu_for(window.editor, "Kellynch"), "Ignore “Kellynch”").trigger()
    assert not misspelt(shown(window.editor, "Kellynch"))
    assert window.library.novel_words(window.novel.id) == []


def test_ctrl_i_and_ctrl_b_put_markers_around_the_selection_and_take_them_away(window, qtbot):
    window.show()
    window.activateWindow()
    editor = window.editor
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    editor.set_chapter_text("He was vain of his looks.")
    cursor = editor.textCursor()
    cursor.setPosition(7)
    cursor.setPosition(12, QTextCursor.MoveMode.KeepAnchor)  # "vain " with its space
    editor.setTextCursor(cursor)
    qtbot.keyClick(editor, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert editor.manuscript_text() == "He was *vain* of his looks."
    assert shown(editor, "vain").fontItalic()
    qtbot.keyClick(editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert editor.manuscript_text() == "He was ***vain*** of his looks."
    qtbot.keyClick(editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert editor.manuscript_text() == "He was vain of his looks."

    editor.moveCursor(QTextCursor.MoveOperation.End)
    editor.moveCursor(QTextCursor.MoveOperation.Left)
    editor.moveCursor(QTextCursor.MoveOperation.WordLeft)  # no selection: the word at the cursor
    qtbot.keyClick(editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert editor.manuscript_text() == "He was vain of his **looks**."
    assert window.save_now() and window.library.chapter(window.chapter_id).text == editor.manuscript_text()


def test_italic_with_no_novel_open_changes_nothing(window, qtbot):
    window.close_novel()
    window.editor.emphasise("*")
    assert window.editor.manuscript_text() == ""


def test_names_the_book_writes_again_and_again_are_not_underlined_but_a_misspelt_one_is(window):
    chapters = [
        ("One", "Sir Walter Elliot, of Kellynch Hall. Kellynch was let."),
        ("Two", "The Crofts took Kellynch; Lady Russell sighed at Kelynch."),
    ]
    novel = window.library.create_novel("Persuasion, imported", chapters)
    window.open_novel(novel.id)  # the first chapter is shown; its names count over the whole book
    assert not misspelt(shown(window.editor, "Kellynch"))
    window.show_chapter(window.library.chapters(novel.id)[1].id)
    assert misspelt(shown(window.editor, "Kelynch"))
    assert not misspelt(shown(window.editor, "Kellynch"))
