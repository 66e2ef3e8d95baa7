"""Find and replace in the chapter being edited (Edit → Find in novel… searches every chapter).

A suggestion shown in the editor is not manuscript text: it goes before anything is searched, so a match is
never found, selected or replaced inside it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.editor import ChapterEditor


class FindBar(QWidget):
    """A bar under the editor: find next / previous, replace, replace all."""

    def __init__(self, editor: ChapterEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.find_text = QLineEdit()
        self.find_text.setPlaceholderText("Find")
        self.replace_text = QLineEdit()
        self.replace_text.setPlaceholderText("Replace with")
        self.case = QCheckBox("Match case")
        self.whole_words = QCheckBox("Whole words")
        self.result = QLabel("")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.find_text)
        for label, slot in (("Next", self.find_next), ("Previous", self.find_previous)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            layout.addWidget(button)
        layout.addWidget(self.replace_text)
        for label, slot in (("Replace", self.replace), ("Replace all", self.replace_all)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            layout.addWidget(button)
        layout.addWidget(self.case)
        layout.addWidget(self.whole_words)
        layout.addWidget(self.result)
        close = QPushButton("✕")
        close.setFlat(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self.find_text.returnPressed.connect(self.find_next)

    def open(self, replace: bool = False) -> None:
        self.show()
        selected = self.editor.textCursor().selectedText()
        if selected:
            self.find_text.setText(selected)
        (self.replace_text if replace and self.find_text.text() else self.find_text).setFocus()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            self.editor.setFocus()
            return
        super().keyPressEvent(event)

    def _flags(self, backward: bool = False) -> QTextDocument.FindFlag:
        flags = QTextDocument.FindFlag(0)
        if self.case.isChecked():
            flags |= QTextDocument.FindFlag.FindCaseSensitively
        if self.whole_words.isChecked():
            flags |= QTextDocument.FindFlag.FindWholeWords
        if backward:
            flags |= QTextDocument.FindFlag.FindBackward
        return flags

    def find_next(self, backward: bool = False) -> bool:
        text = self.find_text.text()
        if not text:
            return False
        self.editor.reject_suggestion()
        found = self.editor.find(text, self._flags(backward))
        if not found:  # wrap around
            cursor = self.editor.textCursor()
            cursor.movePosition(
                QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start
            )
            self.editor.setTextCursor(cursor)
            found = self.editor.find(text, self._flags(backward))
        self.result.setText("" if found else "Not found")
        return found

    def find_previous(self) -> bool:
        return self.find_next(backward=True)

    def replace(self) -> None:
        if self.editor.isReadOnly():
            return
        self.editor.reject_suggestion()
        cursor = self.editor.textCursor()
        text = self.find_text.text()
        same = (
            cursor.selectedText() == text
            if self.case.isChecked()
            else (cursor.selectedText().lower() == text.lower())
        )
        if text and cursor.hasSelection() and same:
            cursor.insertText(self.replace_text.text())
        self.find_next()

    def replace_all(self) -> int:
        """Replace every match in one undo step; returns how many."""
        text = self.find_text.text()
        if not text or self.editor.isReadOnly():
            return 0
        self.editor.reject_suggestion()  # it would be searched too, and the text under it moved
        document = self.editor.document()
        cursor = QTextCursor(document)
        edit = QTextCursor(document)
        edit.beginEditBlock()
        count = 0
        while True:
            cursor = document.find(text, cursor, self._flags())
            if cursor.isNull():
                break
            cursor.insertText(self.replace_text.text())
            count += 1
        edit.endEditBlock()
        self.result.setText(f"{count} replaced")
        return count
