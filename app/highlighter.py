"""The chapter's text as the writer reads it: light markup shown italic and bold, unknown words underlined.

The stored text keeps its markers (`*word*`, `_word_`, `**word**`); the highlighter only lays formats over
the shown text, block by block (a block is a paragraph in the editor), so typing re-checks one paragraph,
not the chapter. The markers are shown faded. The suggestion, which is not the writer's text yet, is left
as it is: its own faded italics, no underlines, and its stars do not pair with the writer's.

Emphasis is found within one block: a `*` opened on one line of a verse paragraph and closed on the next is
shown plain (the exports, which read the paragraph whole, still make it italic).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from app import markup
from app.spelling import SpellCheck

MISSPELT_COLOR = QColor(220, 40, 40)


def _misspelt_format() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
    fmt.setUnderlineColor(MISSPELT_COLOR)
    return fmt


class ManuscriptHighlighter(QSyntaxHighlighter):
    """Styles the light markup and underlines the words `spelling` does not know."""

    def __init__(
        self,
        document: QTextDocument,
        spelling: SpellCheck,
        skipped: Callable[[], tuple[int, int] | None] = lambda: None,
    ) -> None:
        super().__init__(document)
        self.spelling = spelling
        self.skipped = skipped  # the suggestion's (start, end) in the document, left unstyled
        self.spell_check = True
        self.marker_color = QColor(Qt.GlobalColor.gray)
        self._misspelt = _misspelt_format()

    def set_text_color(self, color: QColor) -> None:
        """The editor's text colour, from which the markers' faded colour is made (a theme change)."""
        faded = QColor(color)
        faded.setAlphaF(0.4)
        if faded != self.marker_color:
            self.marker_color = faded
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        cut = self._suggestion_in_block(len(text))
        own = text[: cut[0]] + text[cut[1] :] if cut else text
        for mark in markup.marks(own):
            for start, end in self._shown(mark.start, mark.end, cut):
                self.setFormat(start, end - start, self._mark_format(mark))
        if not self.spell_check:
            return
        for word_start, word_end in self.spelling.unknown(own):
            for start, end in self._shown(word_start, word_end, cut):
                for i in range(start, end):  # merged with the italic or bold already there
                    fmt = self.format(i)
                    fmt.merge(self._misspelt)
                    self.setFormat(i, 1, fmt)

    def _mark_format(self, mark: markup.Mark) -> QTextCharFormat:
        fmt = QTextCharFormat()
        if mark.italic:
            fmt.setFontItalic(True)
        if mark.bold:
            fmt.setFontWeight(QFont.Weight.Bold)
        if mark.marker:
            fmt.setForeground(self.marker_color)
        return fmt

    def _suggestion_in_block(self, length: int) -> tuple[int, int] | None:
        """The suggestion's part of this block, as block positions."""
        skipped = self.skipped()
        if skipped is None or skipped[0] == skipped[1]:
            return None
        block = self.currentBlock().position()
        start, end = max(skipped[0] - block, 0), min(skipped[1] - block, length)
        return (start, end) if start < end else None

    @staticmethod
    def _shown(start: int, end: int, cut: tuple[int, int] | None) -> list[tuple[int, int]]:
        """A range of the writer's own text as ranges of the block, around the suggestion."""
        if cut is None or end <= cut[0]:
            return [(start, end)]
        width = cut[1] - cut[0]
        if start >= cut[0]:
            return [(start + width, end + width)]
        return [(start, cut[0]), (cut[1], end + width)]
