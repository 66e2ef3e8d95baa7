"""The editor shows the light markup styled and unknown words underlined, with real widgets offscreen, and
the suggestion keeps its own faded look."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QFont, QPalette, QTextCharFormat, QTextCursor

from app.editor import ChapterEditor
from app.highlighter import MISSPELT_COLOR


@pytest.fixture
def editor(qtbot):
    e = ChapterEditor()
    qtbot.addWidget(e)
    return e


def shown(editor: ChapterEditor, word: str, nth: int = 0) -> QTextCharFormat:
    """The format the highlighter lays over the first character of `word` (an empty one: none)."""
    text = editor.document_text()
    position = -1
    for _ in range(nth + 1):
        position = text.index(word, position + 1)
    block = editor.document().findBlock(position)
    offset = position - block.position()
    for r in block.layout().formats():
        if r.start <= offset < r.start + r.length:
            return QTextCharFormat(r.format)  # a copy: the range it comes from goes with the list
    return QTextCharFormat()


def stored_format(editor: ChapterEditor, word: str) -> QTextCharFormat:
    """The document's own format of `word` (the suggestion's faded italics live here)."""
    cursor = QTextCursor(editor.document())
    cursor.setPosition(editor.document_text().index(word) + 1)
    return cursor.charFormat()


def misspelt(fmt: QTextCharFormat) -> bool:
    wavy = fmt.underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline
    return wavy and fmt.underlineColor() == MISSPELT_COLOR


def test_a_misspelt_word_gets_a_red_wavy_underline_and_a_known_one_does_not(editor):
    editor.set_chapter_text("Anne walked hme through the rain.\nThe captian waited.")
    assert misspelt(shown(editor, "hme")) and misspelt(shown(editor, "captian"))
    assert not misspelt(shown(editor, "walked")) and not misspelt(shown(editor, "Anne"))


def test_a_word_typed_wrong_is_underlined_and_corrected_is_not(editor, qtbot):
    editor.set_chapter_text("")
    qtbot.keyClicks(editor, "She smiled at thw")
    assert misspelt(shown(editor, "thw"))
    qtbot.keyClicks(editor, "\bem.")
    assert not misspelt(shown(editor, "them"))


def test_markup_shows_italic_and_bold_with_faded_markers_and_the_text_keeps_them(editor):
    text = "She was *very* **tired** and _cold_, but ***never*** \\*plain\\*."
    editor.set_chapter_text(text)
    bold = QFont.Weight.Bold
    assert shown(editor, "very").fontItalic() and shown(editor, "very").fontWeight() != bold
    assert shown(editor, "tired").fontWeight() == bold and not shown(editor, "tired").fontItalic()
    assert shown(editor, "cold").fontItalic()
    assert shown(editor, "never").fontItalic() and shown(editor, "never").fontWeight() == bold
    marker = shown(editor, "*very")
    assert marker.foreground().color().alphaF() < 0.5
    assert not shown(editor, "plain").fontItalic()  # escaped stars are literal
    assert not shown(editor, "She").fontItalic() and shown(editor, "She").fontWeight() != QFont.Weight.Bold
    assert editor.manuscript_text() == text  # the markers stay in the stored text


def test_a_misspelt_word_in_italics_is_italic_and_underlined(editor):
    editor.set_chapter_text("The *hme* of her youth.")
    fmt = shown(editor, "hme")
    assert fmt.fontItalic() and misspelt(fmt)


def test_styling_the_text_is_not_a_change_by_the_writer(editor, qtbot):
    editor.set_chapter_text("A *styled* wrod.")
    with qtbot.assertNotEmitted(editor.manuscript_changed):
        editor.highlighter.rehighlight()
        editor.set_novel_words(["wrod"])
    assert not misspelt(shown(editor, "wrod"))
    assert not editor.document().isUndoAvailable()


def test_a_suggestion_still_shows_faded_and_is_not_styled_until_accepted(editor, qtbot):
    editor.set_chapter_text("It was *late*.")
    editor.begin_suggestion()
    editor.add_suggestion_text(" She rode **hme** on")
    editor.add_suggestion_text(" a *grey* horse.")
    faded = stored_format(editor, "grey")
    assert faded.fontItalic() and faded.foreground().color().alphaF() == pytest.approx(0.55, abs=0.01)
    for word in ("hme", "**hme", "grey", "She"):
        assert shown(editor, word) == QTextCharFormat()  # no underline, no overlay on its faded colour
    assert shown(editor, "late").fontItalic()  # the writer's own text is styled as before

    qtbot.keyClick(editor, "\t")  # Tab accepts
    assert editor.manuscript_text() == "It was *late*. She rode **hme** on a *grey* horse."
    assert not stored_format(editor, "grey").fontItalic()  # plain text now ...
    assert misspelt(shown(editor, "hme")) and shown(editor, "hme").fontWeight() == QFont.Weight.Bold
    assert shown(editor, "grey").fontItalic()  # ... styled by its markup


def test_the_writer_s_text_after_a_suggestion_keeps_its_styles_in_place(editor):
    editor.set_chapter_text("He said. Then hme and *soft* rain.")
    cursor = editor.textCursor()
    cursor.setPosition(len("He said."))
    editor.setTextCursor(cursor)
    editor.begin_suggestion()
    editor.add_suggestion_text(" A *long* pause.")
    assert misspelt(shown(editor, "hme")) and shown(editor, "soft").fontItalic()
    assert shown(editor, "long") == QTextCharFormat()
    assert not shown(editor, "Then").fontItalic() and not misspelt(shown(editor, "Then"))
    editor.reject_suggestion()
    assert editor.manuscript_text() == "He said. Then hme and *soft* rain."
    assert misspelt(shown(editor, "hme")) and shown(editor, "soft").fontItalic()


def test_the_markers_fade_into_the_theme_s_text_colour(editor):
    editor.set_chapter_text("A *light* touch.")
    palette = editor.palette()
    palette.setColor(QPalette.ColorRole.Text, QColor("#e8e4dc"))  # the dark theme's text
    editor.setPalette(palette)
    marker = shown(editor, "*light").foreground().color()
    assert marker.name() == "#e8e4dc" and marker.alphaF() < 0.5
