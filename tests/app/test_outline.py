"""Reading the writer's outline, without Qt, and the outline dialog that shows what it read."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from app.dialogs import OutlineDialog
from app.outline import MAX_WORDS, OutlineChapter, headings, parse_outline


def test_an_outline_is_chapters_of_titles_beats_and_lengths():
    text = "# The Ball (800 words)\n- Emma is late\n- Mr Knightley dances; Harriet smiles\n#\nFrank goes"
    assert parse_outline(text, 500) == [
        OutlineChapter("The Ball", ["Emma is late", "Mr Knightley dances", "Harriet smiles"], 800),
        OutlineChapter("", ["Frank goes"], 500),
    ]


def test_beats_before_any_title_are_one_untitled_chapter_and_an_empty_outline_is_none():
    assert parse_outline("Emma arrives\nHarriet cries", 300) == [
        OutlineChapter("", ["Emma arrives", "Harriet cries"], 300)
    ]
    assert parse_outline("\n  \n", 300) == []
    assert parse_outline("# Too long (99999 words)", 300)[0].words == MAX_WORDS


def test_the_outlines_headings_count_on_in_the_books_style():
    chapters = parse_outline("# The Ball\n#\n# Chapter 40", 300)
    assert headings(["CHAPTER I.", "CHAPTER II."], chapters) == [
        "CHAPTER III. The Ball",
        "CHAPTER IV.",
        "CHAPTER V.",
    ]
    assert headings(["Opening"], chapters) == ["The Ball", "Chapter 3", "Chapter 4"]


def test_the_dialog_shows_what_it_will_write_and_offers_ok_only_for_an_outline(qtbot):
    dialog = OutlineDialog(None, ["CHAPTER I.", "CHAPTER II."], 600)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.text.setPlainText("# The Ball\nEmma arrives late\nHarriet cries\n#\nFrank leaves")
    assert ok.isEnabled()
    assert dialog.preview.text() == (
        "1. CHAPTER III. The Ball — 2 beats, about 600 words\n2. CHAPTER IV. — 1 beat, about 600 words"
    )
    dialog.length.setValue(300)
    assert [c.words for c in dialog.outline()] == [300, 300]
