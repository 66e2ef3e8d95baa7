"""Find in novel with real widgets offscreen: the hits listed by chapter, a click opening its chapter with the
match selected, and Replace all in novel reaching every chapter in the library."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.book_search import Query
from app.main_window import MainWindow
from app.search_panel import SearchPanel
from app.settings import Settings
from app.storage import Chapter, Library

CHAPTERS = [
    ("One", "Emma Woodhouse, handsome, clever, and rich."),
    ("Two", "Mr Knightley was a sensible man."),
    ("Three", "Poor Miss Taylor! said Emma. Emma sighed."),
]


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    library = Library()
    w = MainWindow(library, Settings())
    qtbot.addWidget(w)
    w.open_novel(library.create_novel("Emma", CHAPTERS).id)
    return w


def search(w: MainWindow, text: str, replacement: str = "") -> SearchPanel:
    w.find_in_novel()
    panel = w.search_panel
    panel.find_text.setText(text)
    panel.replace_text.setText(replacement)
    panel.find_button.click()
    return panel


def test_the_panel_lists_hits_under_their_chapters(qtbot):
    chapters = [Chapter(i, 1, i, title, text) for i, (title, text) in enumerate(CHAPTERS, 1)]
    panel = SearchPanel(lambda: chapters)
    qtbot.addWidget(panel)
    panel.find_text.setText("emma")
    qtbot.keyClick(panel.find_text, Qt.Key.Key_Return)
    assert panel.listed() == [
        ("1. One  (1)", ["Emma Woodhouse, handsome, clever, and rich."]),
        (
            "3. Three  (2)",
            ["Poor Miss Taylor! said Emma. Emma sighed.", "Poor Miss Taylor! said Emma. Emma sighed."],
        ),
    ]
    assert panel.result.text() == "3 found in 2 chapters"
    panel.match_case.setChecked(True)
    panel.find_button.click()
    assert panel.listed() == [] and panel.result.text() == "Not found"
    with qtbot.waitSignal(panel.replace_all_requested, raising=False, timeout=50) as blocker:
        panel.replace_all(confirm=False)  # nothing to replace: nothing asked
    assert not blocker.signal_triggered


def edit_action(w: MainWindow, text: str):
    (edit,) = [a.menu() for a in w.menuBar().actions() if a.text() == "&Edit"]
    (action,) = [a for a in edit.actions() if a.text() == text]
    return action


def test_edit_find_in_novel_opens_the_panel_with_the_selected_word(window):
    cursor = window.editor.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(4, cursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)
    action = edit_action(window, "Find in novel…")
    assert action.shortcut().toString() == "Ctrl+Shift+F"
    action.trigger()
    assert not window.search_dock.isHidden()
    assert window.search_panel.find_text.text() == "Emma"
    assert [row for row, _ in window.search_panel.listed()] == ["1. One  (1)", "3. Three  (2)"]


def test_clicking_a_hit_opens_its_chapter_with_the_match_selected(window):
    panel = search(window, "Emma")
    panel.choose(1, 1)  # Three, its second "Emma"
    assert window.library.chapter(window.chapter_id).title == "Three"
    assert window.tree.currentItem().text(0) == "Three"
    cursor = window.editor.textCursor()
    assert cursor.selectedText() == "Emma" and cursor.selectionStart() == len("Poor Miss Taylor! said Emma. ")


def test_a_hit_is_found_again_after_the_writer_typed_before_it(window, qtbot):
    panel = search(window, "Emma")
    window.show_chapter(window.tree.chapter_ids()[2])
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.Start)
    qtbot.keyClicks(window.editor, "Later. ")
    panel.choose(1, 0)  # found at 23 before the typing; now at 30
    cursor = window.editor.textCursor()
    assert cursor.selectedText() == "Emma" and cursor.selectionStart() == len(
        "Later. Poor Miss Taylor! said "
    )


def test_a_suggestion_is_not_searched_and_goes_when_a_hit_is_opened(window):
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    window.editor.begin_suggestion()
    window.editor.add_suggestion_text(" Emma laughed.")
    panel = search(window, "Emma")
    assert [row for row, _ in panel.listed()] == ["1. One  (1)", "3. Three  (2)"]  # not "1. One  (2)"
    panel.choose(0, 0)
    assert window.editor.suggestion is None
    assert window.editor.document_text() == "Emma Woodhouse, handsome, clever, and rich."
    assert window.editor.textCursor().selectedText() == "Emma"


def test_an_emoji_before_a_hit_does_not_shift_the_selection(window):
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.Start)
    window.editor.insertPlainText("🙂 ")
    search(window, "handsome").choose(0, 0)
    assert window.editor.textCursor().selectedText() == "handsome"


def test_replace_all_in_novel_changes_the_library_and_keeps_unsaved_text(window, qtbot):
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, " Emma smiled.")  # typed, not yet saved
    panel = search(window, "Emma", "Harriet")
    panel.whole_words.setChecked(True)
    panel.replace_button.click()
    texts = [c.text for c in window.library.chapters(window.novel.id)]
    assert texts == [
        "Harriet Woodhouse, handsome, clever, and rich. Harriet smiled.",
        "Mr Knightley was a sensible man.",
        "Poor Miss Taylor! said Harriet. Harriet sighed.",
    ]
    assert window.editor.manuscript_text() == texts[0]  # the open chapter shows the new text
    assert panel.result.text() == "4 replaced in 2 chapters" and panel.listed() == []
    # Each changed chapter can be taken back through its revisions, the words typed before included.
    one, _two, three = window.library.chapters(window.novel.id)
    assert (
        window.library.revisions(one.id)[0].text == "Emma Woodhouse, handsome, clever, and rich. Emma smiled."
    )
    assert window.library.revisions(three.id)[0].text == CHAPTERS[2][1]
    assert window.library.revisions(_two.id) == []
    # The writer keeps writing in the chapter they were in, and it is saved there.
    qtbot.keyClicks(window.editor, " Yes.")
    assert window.save_now() and window.library.chapter(one.id).text.endswith("Harriet smiled. Yes.")


def test_replace_all_in_novel_asks_first(window, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    search(window, "Emma", "Harriet").replace_button.click()
    assert [c.text for c in window.library.chapters(window.novel.id)] == [text for _, text in CHAPTERS]


def test_replace_all_updates_the_word_counts_in_the_tree(window):
    search(window, "Mr Knightley", "Knightley").replace_all()
    rows = [window.tree.topLevelItem(i).text(1) for i in range(3)]
    assert rows == ["6", "5", "7"]  # "Mr Knightley" was two words


def test_a_hit_from_a_novel_no_longer_open_lists_the_open_novels_hits(window):
    panel = search(window, "Emma")
    window.open_novel(window.library.create_novel("Persuasion", [("I", "Anne Elliot. Emma? No.")]).id)
    panel.choose(1, 0)  # listed for Emma, whose chapters are gone from the window
    assert window.novel.title == "Persuasion" and window.editor.manuscript_text() == "Anne Elliot. Emma? No."
    assert panel.listed() == [("1. I  (1)", ["Anne Elliot. Emma? No."])]


def test_with_no_novel_open_nothing_is_found(window):
    window.close_novel()
    panel = search(window, "Emma")
    assert panel.listed() == [] and panel.result.text() == "Not found"
    window.replace_in_novel(Query("Emma"), "Harriet")  # nothing open: nothing happens
