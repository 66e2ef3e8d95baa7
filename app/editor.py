"""The chapter editor: plain prose with a readable font and margins, and the AI's suggestion shown in place.

A suggestion is inserted at the cursor in a faded italic format but is not part of the manuscript:
`manuscript_text()` leaves it out, autosave never sees it, and rejecting it leaves the chapter exactly as it
was. Its insertions share one undo step, so an accepted suggestion is undone with one Ctrl+Z.

With no chapter to edit (no novel open) the editor is read-only and says how to start.

The light markup is shown styled and unknown words underlined (app/highlighter.py); the context menu offers
spellings, the novel's dictionary and italic/bold, which Ctrl+I and Ctrl+B also put around the selection.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeyEvent, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QMenu, QPlainTextEdit, QWidget

from app import markup
from app.highlighter import ManuscriptHighlighter
from app.spelling import SpellCheck, words

WRITE_HERE = "Write here. Ctrl+Enter asks the model to continue from the cursor."
NO_CHAPTER = "No novel is open. Open one or create one in the Novel menu to start writing."


@dataclass
class Suggestion:
    start: int  # where it begins in the document
    text: str = ""


class ChapterEditor(QPlainTextEdit):
    """Edits one chapter; shows at most one suggestion."""

    manuscript_changed = Signal()  # the writer changed the text (a suggestion streaming in is not a change)
    suggestion_accepted = Signal(str)  # the writer pressed Tab
    suggestion_taken = Signal(str)  # a suggestion's text became manuscript text, however it was accepted
    suggestion_rejected = Signal()
    alternative_cycled = Signal(int)  # -1 / +1: show the previous / next alternative
    word_added = Signal(str)  # the writer added a word to the novel's dictionary

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFont("Georgia")
        font.setStyleHint(QFont.StyleHint.Serif)
        font.setPointSize(13)
        self.setFont(font)
        self.document().setDocumentMargin(48)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.suggestion: Suggestion | None = None
        self._internal = False  # True while the editor itself changes the document
        self.document().contentsChange.connect(self._contents_changed)
        self.spelling = SpellCheck()
        self.highlighter = ManuscriptHighlighter(self.document(), self.spelling, self._suggestion_range)
        self.highlighter.set_text_color(self.palette().text().color())
        self.italic_action = self._emphasis_action("Italic", "*", "Ctrl+I")
        self.bold_action = self._emphasis_action("Bold", "**", "Ctrl+B")
        self.show_no_chapter()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # a theme change: the markers fade into the new colours
            self.highlighter.set_text_color(self.palette().text().color())
        super().changeEvent(event)

    def resizeEvent(self, event) -> None:
        # A readable column: about 70 characters wide, centred, however wide the window is.
        column = self.fontMetrics().averageCharWidth() * 72 + 2 * 48
        side = max(0, (self.width() - column) // 2)
        self.setViewportMargins(side, 0, side, 0)
        super().resizeEvent(event)

    # -- the writer's text ---------------------------------------------------------------------------------
    def set_chapter_text(self, text: str) -> None:
        """Show a chapter to edit (a fresh undo history; not a change by the writer)."""
        self._show(text)
        self.setReadOnly(False)
        self.setPlaceholderText(WRITE_HERE)

    def show_no_chapter(self, placeholder: str = NO_CHAPTER) -> None:
        """Edit nothing: empty, read-only, with a line saying how to start."""
        self._show("")
        self.setReadOnly(True)
        self.setPlaceholderText(placeholder)

    def _show(self, text: str) -> None:
        self.suggestion = None
        self._internal = True
        try:
            self.setPlainText(text)
        finally:
            self._internal = False
        self.moveCursor(QTextCursor.MoveOperation.End)

    def manuscript_text(self) -> str:
        """The chapter's text without the suggestion."""
        text = self.document_text()
        if self.suggestion is None:
            return text
        s = self.suggestion
        return text[: s.start] + text[s.start + len(s.text) :]

    def document_text(self) -> str:
        """Everything shown, suggestion included. Not toPlainText(): that turns no-break spaces (French
        typography, "Mr\u00a0Darcy") into plain spaces; only block and line separators become newlines."""
        return self.document().toRawText().replace("\u2029", "\n").replace("\u2028", "\n")

    def manuscript_cursor(self) -> int:
        """Where the cursor is in the manuscript text (a suggestion starts at the cursor)."""
        return self.suggestion.start if self.suggestion else self.textCursor().position()

    def word_count(self) -> int:
        return len(self.manuscript_text().split())

    def _contents_changed(self, *_) -> None:
        if not self._internal:
            self.manuscript_changed.emit()

    # -- the suggestion ------------------------------------------------------------------------------------
    def begin_suggestion(self) -> None:
        """A new, still empty suggestion at the cursor."""
        self.discard_suggestion()
        self.suggestion = Suggestion(self.textCursor().position())

    def add_suggestion_text(self, piece: str) -> None:
        """Append streamed text to the suggestion."""
        s = self.suggestion
        if s is None or not piece:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(s.start + len(s.text))
        join = bool(s.text)
        s.text += piece  # first: the highlighter, called during the insertion, leaves the piece alone
        self._edit(cursor, lambda: cursor.insertText(piece, self._suggestion_format()), join=join)
        self.setTextCursor(self._cursor_at(s.start + len(s.text)))
        self.ensureCursorVisible()

    def replace_suggestion(self, text: str) -> None:
        """Show another alternative in the suggestion's place."""
        if self.suggestion is None:
            return
        self._remove_suggestion_text()
        self.add_suggestion_text(text)

    def accept_suggestion(self) -> str:
        """The suggestion becomes manuscript text; returns it."""
        s = self.suggestion
        if s is None:
            return ""
        self.suggestion = None  # first: the highlighter styles the text as the writer's once it is plain
        if s.text:
            cursor = self._cursor_at(s.start)
            cursor.setPosition(s.start + len(s.text), QTextCursor.MoveMode.KeepAnchor)
            self._edit(cursor, lambda: cursor.setCharFormat(self._plain_format()), join=True)
        self.setTextCursor(self._cursor_at(s.start + len(s.text)))
        if s.text:
            self.suggestion_taken.emit(s.text)  # first: the word counts the change brings count it apart
            self.manuscript_changed.emit()
        return s.text

    def discard_suggestion(self) -> None:
        """Remove the suggestion; the chapter is as it was before it."""
        if self.suggestion is None:
            return
        start = self.suggestion.start
        self._remove_suggestion_text()
        self.suggestion = None
        self.setTextCursor(self._cursor_at(start))

    def reject_suggestion(self) -> None:
        """Remove the suggestion as Esc does (the suggestions hear of it). Called before any change that does
        not come from a key press, since such a change would move the text under the suggestion."""
        s = self.suggestion
        if s is None:
            return
        start, length = s.start, len(s.text)
        cursor = self.textCursor()  # where the writer put it: kept, as if the suggestion had never been

        def without(position: int) -> int:
            return position if position <= start else max(start, position - length)

        anchor, position = without(cursor.anchor()), without(cursor.position())
        self.discard_suggestion()
        cursor = self._cursor_at(anchor)
        cursor.setPosition(position, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.suggestion_rejected.emit()

    def _remove_suggestion_text(self) -> None:
        s = self.suggestion
        if s and s.text:
            cursor = self._cursor_at(s.start)
            cursor.setPosition(s.start + len(s.text), QTextCursor.MoveMode.KeepAnchor)
            s.text = ""  # first, as in add_suggestion_text
            # Joined to the insertion's undo step: together they change nothing, so undo cannot revive it.
            self._edit(cursor, cursor.removeSelectedText, join=True)

    def _edit(self, cursor: QTextCursor, change, join: bool) -> None:
        self._internal = True
        try:
            cursor.joinPreviousEditBlock() if join else cursor.beginEditBlock()
            change()
            cursor.endEditBlock()
        finally:
            self._internal = False

    def _cursor_at(self, position: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(min(position, self.document().characterCount() - 1))
        return cursor

    def _suggestion_format(self) -> QTextCharFormat:
        fmt = QTextCharFormat()
        color = QColor(self.palette().text().color())
        color.setAlphaF(0.55)
        fmt.setForeground(color)
        fmt.setFontItalic(True)
        fmt.setBackground(QColor(120, 140, 220, 40))
        return fmt

    def _plain_format(self) -> QTextCharFormat:
        return QTextCharFormat()  # the editor's own font and colours

    def _suggestion_range(self) -> tuple[int, int] | None:
        s = self.suggestion
        return (s.start, s.start + len(s.text)) if s else None

    # -- changes that are not key presses ------------------------------------------------------------------
    def insertFromMimeData(self, source) -> None:
        self.reject_suggestion()  # a paste
        super().insertFromMimeData(source)

    def dropEvent(self, event) -> None:
        self.reject_suggestion()  # before a dragged selection is taken out of the text
        super().dropEvent(event)

    def contextMenuEvent(self, event) -> None:
        self.reject_suggestion()  # its Cut, Paste and Delete would edit around the suggestion
        menu = self.context_menu(event.pos())
        menu.exec(event.globalPos())
        menu.deleteLater()

    # -- spelling and emphasis -----------------------------------------------------------------------------
    def set_novel_words(self, novel_words: list[str], manuscript: str = "") -> None:
        """The open novel's own dictionary and the names its manuscript uses; no novel: none."""
        self.spelling.set_novel_words(novel_words, manuscript)
        self.highlighter.rehighlight()

    def context_menu(self, pos: QPoint) -> QMenu:
        """The standard editing menu, with spellings for an unknown word at `pos` (viewport coordinates)."""
        menu = self.createStandardContextMenu(pos)
        first = menu.actions()[0] if menu.actions() else None
        found = None if self.isReadOnly() else self._word_at(self.cursorForPosition(pos).position())
        if found and not self.spelling.is_known(found[2]):
            start, end, word = found
            spellings = self.spelling.suggestions(word)
            for spelling in spellings:
                action = QAction(spelling, menu)
                action.triggered.connect(lambda _=False, s=spelling: self._replace(start, end, s))
                menu.insertAction(first, action)
            if not spellings:
                none = QAction("No spelling suggestions", menu)
                none.setEnabled(False)
                menu.insertAction(first, none)
            add = QAction(f"Add “{word}” to this novel’s dictionary", menu)
            add.triggered.connect(lambda: self.add_to_dictionary(word))
            ignore = QAction(f"Ignore “{word}”", menu)
            ignore.triggered.connect(lambda: self.ignore_word(word))
            menu.insertActions(first, [add, ignore])
            menu.insertSeparator(first)
        if not self.isReadOnly():
            menu.addSeparator()
            menu.addActions([self.italic_action, self.bold_action])
        return menu

    def add_to_dictionary(self, word: str) -> None:
        """The word is known in this novel from now on (the window keeps it in the library)."""
        self.spelling.add_novel_word(word)
        self.highlighter.rehighlight()
        self.word_added.emit(word)

    def ignore_word(self, word: str) -> None:
        self.spelling.ignore(word)
        self.highlighter.rehighlight()

    def _word_at(self, position: int) -> tuple[int, int, str] | None:
        block = self.document().findBlock(position)
        offset = position - block.position()
        for start, end, word in words(block.text()):
            if start <= offset <= end:
                return block.position() + start, block.position() + end, word
        return None

    def _replace(self, start: int, end: int, text: str) -> None:
        cursor = self._cursor_at(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text)  # the writer's change: autosaved, undone with Ctrl+Z

    def _emphasis_action(self, name: str, marker: str, keys: str) -> QAction:
        action = QAction(name, self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(lambda: self.emphasise(marker))
        self.addAction(action)
        return action

    def emphasise(self, marker: str) -> None:
        """Put `marker` around the selection (or the word at the cursor), or take it away if it is there."""
        if self.isReadOnly():
            return
        self.reject_suggestion()
        cursor = self.textCursor()
        if not cursor.hasSelection():
            cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        text = cursor.selectedText()
        core = text.strip()
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        if not core:  # nothing to wrap: a pair of markers with the cursor between them
            cursor.insertText(marker * 2)
            cursor.setPosition(cursor.position() - len(marker))
            self.setTextCursor(cursor)
            return
        styled = markup.toggle(core, marker)
        start = cursor.selectionStart() + len(lead)
        cursor.insertText(lead + styled + trail)  # one undo step
        cursor.setPosition(start)
        cursor.setPosition(start + len(styled), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    # -- keys ----------------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.suggestion is not None:
            key, mods = event.key(), event.modifiers()
            if key == Qt.Key.Key_Tab and not mods:
                self.suggestion_accepted.emit(self.accept_suggestion())
                return
            if key == Qt.Key.Key_Escape:
                self.discard_suggestion()
                self.suggestion_rejected.emit()
                return
            if mods & Qt.KeyboardModifier.AltModifier and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                self.alternative_cycled.emit(-1 if key == Qt.Key.Key_Left else 1)
                return
            if key in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta):
                return
            # Typing anything else means "no, thanks": the suggestion goes and the key does what it does.
            self.discard_suggestion()
            self.suggestion_rejected.emit()
        super().keyPressEvent(event)
