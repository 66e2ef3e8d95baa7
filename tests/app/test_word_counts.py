"""Word counts the writer sees: beside each chapter in the tree, the session's words and the goal."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from app.main_window import MainWindow
from app.settings import Settings
from app.storage import Library
from app.word_counts import SessionWords, counts_text, session_text


@pytest.fixture
def window(qtbot):
    library = Library()
    w = MainWindow(library, Settings(word_goal=10))
    qtbot.addWidget(w)
    novel = library.create_novel("Emma", [("One", "Emma Woodhouse, handsome."), ("Two", "Mr Knightley.")])
    w.open_novel(novel.id)
    return w


def tree_rows(w: MainWindow) -> list[tuple[str, str]]:
    return [
        (w.tree.topLevelItem(i).text(0), w.tree.topLevelItem(i).text(1))
        for i in range(w.tree.topLevelItemCount())
    ]


def test_the_session_counts_net_words_in_every_novel_opened():
    session = SessionWords()
    session.update(1, 1000)
    session.update(1, 1312)
    session.update(2, 50)  # another novel: its own starting point
    session.update(2, 40)
    assert session.added == 302
    session.accepted(1, 120)  # 120 of novel 1's new words came from a suggestion
    assert (session.added, session.suggested) == (182, 120)
    assert session_text(312) == "Session: +312 words"
    assert session_text(-40) == "Session: −40 words"
    assert session_text(312, 1000) == "Session: +312 / 1,000 words"
    assert session_text(1200, 1000) == "Session: +1,200 / 1,000 words  ✓ goal reached"
    assert session_text(192, 0, 120) == "Session: +192 words of your own, +120 from suggestions"
    assert session_text(192, 1000, 120) == "Session: +192 / 1,000 words of your own, +120 from suggestions"
    assert counts_text(2431, 52000, 0) == "Chapter: 2,431 words   Novel: 52,000 words   Session: 0 words"


def test_the_tree_shows_each_chapters_words_and_the_open_one_follows_typing(window, qtbot):
    assert tree_rows(window) == [("One", "3"), ("Two", "2")]
    qtbot.keyClicks(window.editor, " She smiled at him.")
    assert tree_rows(window) == [("One", "7"), ("Two", "2")]
    window.show_chapter(window.tree.chapter_ids()[1])
    qtbot.keyClicks(window.editor, " Yes.")
    assert tree_rows(window) == [("One", "7"), ("Two", "3")]


def test_a_refilled_tree_keeps_the_count_of_text_not_yet_saved(window, qtbot, monkeypatch):
    qtbot.keyClicks(window.editor, " Unsaved words here.")
    assert window.library.chapter(window.chapter_id).text == "Emma Woodhouse, handsome."  # not saved yet
    monkeypatch.setattr("app.main_window.ask_name", lambda *a, **k: "Three")
    window.add_chapter()  # refills the tree (and saves)
    assert tree_rows(window) == [("One", "6"), ("Three", "0"), ("Two", "2")]
    monkeypatch.setattr("app.main_window.ask_name", lambda *a, **k: "One, renamed")
    window.show_chapter(window.tree.chapter_ids()[0])
    qtbot.keyClicks(window.editor, " More.")
    window.rename_chapter(window.chapter_id)  # refills the tree without a save
    assert tree_rows(window)[0] == ("One, renamed", "7")


def test_the_status_bar_shows_the_session_words_against_the_goal(window, qtbot, monkeypatch):
    label = window.words_label
    assert label.text().endswith("Session: 0 / 10 words")
    qtbot.keyClicks(window.editor, " She smiled at him.")
    assert "Chapter: 7 words" in label.text() and "Novel: 9 words" in label.text()
    assert label.text().endswith("Session: +4 / 10 words")
    window.show_chapter(window.tree.chapter_ids()[1])
    qtbot.keyClicks(window.editor, " He came in and sat down at once.")
    assert label.text().endswith("Session: +12 / 10 words  ✓ goal reached")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.delete_chapter(window.chapter_id)  # the session is net: 10 words gone with the chapter
    assert label.text().endswith("Session: +2 / 10 words")
    window.editor.selectAll()
    qtbot.keyClicks(window.editor, "Gone.")
    assert label.text().endswith("Session: −4 / 10 words")


def test_with_no_goal_the_status_bar_shows_the_session_words_alone(window, qtbot):
    window.settings.word_goal = 0
    qtbot.keyClicks(window.editor, " Two more.")
    assert window.words_label.text().endswith("Session: +2 words")
