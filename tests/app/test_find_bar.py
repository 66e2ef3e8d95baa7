"""The find bar over the chapter in the editor, with real widgets: whole words, and never the suggestion."""

from __future__ import annotations

import pytest

from app.editor import ChapterEditor
from app.find_bar import FindBar


@pytest.fixture
def bar(qtbot):
    editor = ChapterEditor()
    editor.set_chapter_text("Emma met Emmanuel. Emma smiled.")
    bar = FindBar(editor)
    qtbot.addWidget(editor)
    qtbot.addWidget(bar)
    return bar


def test_whole_words_skips_a_match_inside_a_longer_word(bar):
    bar.find_text.setText("Emma")
    bar.replace_text.setText("Harriet")
    bar.whole_words.setChecked(True)
    assert bar.replace_all() == 2
    assert bar.editor.manuscript_text() == "Harriet met Emmanuel. Harriet smiled."
    assert bar.result.text() == "2 replaced"


def test_find_never_selects_inside_the_suggestion(bar):
    editor = bar.editor
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    editor.begin_suggestion()
    editor.add_suggestion_text(" Knightley bowed.")
    bar.find_text.setText("Knightley")
    assert not bar.find_next()
    assert editor.suggestion is None and editor.document_text() == "Emma met Emmanuel. Emma smiled."
    assert bar.result.text() == "Not found"


def test_find_next_wraps_around(bar):
    bar.find_text.setText("smiled")
    assert bar.find_next() and bar.editor.textCursor().selectedText() == "smiled"
    assert bar.find_next() and bar.editor.textCursor().selectionStart() == len("Emma met Emmanuel. Emma ")
