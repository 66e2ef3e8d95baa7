"""The "Find in novel" panel: search every chapter, list the hits by chapter with their context, replace
in the whole novel. The searching is app/book_search.py's; the window opens a chosen hit and does the
replacing (it owns which chapter the editor is bound to).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.book_search import Hit, Query, find_hits, nearest_match, summary
from app.editor import ChapterEditor
from app.storage import Chapter

HIT_ROLE = Qt.ItemDataRole.UserRole


class SearchPanel(QWidget):
    """Find / replace fields, Match case and Whole words, and the hits grouped under their chapters."""

    hit_chosen = Signal(object, object)  # Hit, the Query that found it
    replace_all_requested = Signal(object, str)  # Query, replacement

    def __init__(self, chapters: Callable[[], list[Chapter]], parent: QWidget | None = None) -> None:
        """`chapters`: the open novel's chapters as the writer has them now (the editor's text included)."""
        super().__init__(parent)
        self.chapters = chapters
        self.shown_query: Query | None = None  # the query whose hits are listed
        self.find_text = QLineEdit(placeholderText="Find in the whole novel")
        self.replace_text = QLineEdit(placeholderText="Replace with")
        self.match_case = QCheckBox("Match case")
        self.whole_words = QCheckBox("Whole words")
        self.find_button = QPushButton("Find")
        self.replace_button = QPushButton("Replace all in novel")
        self.result = QLabel("")
        self.hits = QTreeWidget()
        self.hits.setHeaderHidden(True)
        self.hits.setRootIsDecorated(True)

        fields = QHBoxLayout()
        for widget in (self.find_text, self.find_button, self.replace_text, self.replace_button):
            fields.addWidget(widget)
        options = QHBoxLayout()
        for widget in (self.match_case, self.whole_words):
            options.addWidget(widget)
        options.addStretch(1)
        options.addWidget(self.result)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 4, 6, 4)
        column.addLayout(fields)
        column.addLayout(options)
        column.addWidget(self.hits, 1)

        self.find_text.returnPressed.connect(self.search)
        self.find_button.clicked.connect(self.search)
        self.replace_button.clicked.connect(lambda: self.replace_all())
        self.hits.itemActivated.connect(self._activated)
        self.hits.itemClicked.connect(self._activated)

    def query(self) -> Query:
        return Query(self.find_text.text(), self.match_case.isChecked(), self.whole_words.isChecked())

    def open(self, selected: str = "") -> None:
        """Show the panel with the cursor in the find field (the editor's selection as the text to find)."""
        if selected and "\u2029" not in selected:  # a selection over several paragraphs is not a search
            self.find_text.setText(selected)
        self.find_text.setFocus()
        self.find_text.selectAll()
        if self.find_text.text():
            self.search()

    def search(self) -> list[Hit]:
        """List every hit of the query in the novel."""
        query = self.query()
        hits = find_hits(self.chapters(), query) if query.text else []
        self.show_hits(query, hits)
        return hits

    def show_hits(self, query: Query, hits: list[Hit]) -> None:
        self.shown_query = query
        self.hits.clear()
        self.result.setText(summary(hits) if query.text else "")
        group: QTreeWidgetItem | None = None
        for hit in hits:
            if group is None or group.data(0, HIT_ROLE) != hit.chapter_id:
                group = QTreeWidgetItem([f"{hit.chapter_number}. {hit.chapter_title}"])
                group.setData(0, HIT_ROLE, hit.chapter_id)
                group.setFirstColumnSpanned(True)
                self.hits.addTopLevelItem(group)
                group.setExpanded(True)
            item = QTreeWidgetItem([hit.snippet])
            item.setData(0, HIT_ROLE, hit)
            item.setToolTip(0, f"<p>{_marked(hit)}</p>")
            group.addChild(item)
        for i in range(self.hits.topLevelItemCount()):
            group = self.hits.topLevelItem(i)
            group.setText(0, f"{group.text(0)}  ({group.childCount()})")

    def listed(self) -> list[tuple[str, list[str]]]:
        """What the list shows: (chapter row, its hits' snippets) in order."""
        rows = []
        for i in range(self.hits.topLevelItemCount()):
            group = self.hits.topLevelItem(i)
            rows.append((group.text(0), [group.child(j).text(0) for j in range(group.childCount())]))
        return rows

    def choose(self, chapter_index: int, hit_index: int = 0) -> None:
        """Open a listed hit, as a click on it does."""
        self._activated(self.hits.topLevelItem(chapter_index).child(hit_index))

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        hit = item.data(0, HIT_ROLE)
        if not isinstance(hit, Hit) or self.shown_query is None:
            return
        if hit.chapter_id not in {
            c.id for c in self.chapters()
        }:  # another novel open, or the chapter deleted
            self.search()
            return
        self.hit_chosen.emit(hit, self.shown_query)

    def replace_all(self, confirm: bool = True) -> None:
        """Ask the window to replace every hit in the novel (after the writer agrees)."""
        hits = self.search()
        if not hits:
            return
        chapters = len({h.chapter_id for h in hits})
        question = (
            f"Replace {len(hits):,} × “{self.find_text.text()}” with “{self.replace_text.text()}” in "
            f"{chapters} chapter{'s' if chapters != 1 else ''}?\n\n"
            "Each changed chapter keeps its text as it is now: Chapter → Revisions… brings it back."
        )
        if confirm:
            answer = QMessageBox.question(self, "Replace all in novel", question)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.replace_all_requested.emit(self.shown_query, self.replace_text.text())

    def show_replaced(self, counts: dict[int, int]) -> None:
        """After a replace-all: what is left to find, and how many were replaced."""
        self.search()
        total = sum(counts.values())
        chapters = len(counts)
        self.result.setText(f"{total:,} replaced in {chapters} chapter{'s' if chapters != 1 else ''}")


def _marked(hit: Hit) -> str:
    return f"{html.escape(hit.before)}<b>{html.escape(hit.match)}</b>{html.escape(hit.after)}"


def select_match(editor: ChapterEditor, query: Query, start: int) -> bool:
    """Select in the editor the match nearest `start` (the writer may have typed since the search)."""
    editor.reject_suggestion()  # its text is not the manuscript's, and it would shift every position
    span = nearest_match(editor.manuscript_text(), query, start)  # in characters, as Python counts
    if span is None:
        return False
    text = editor.manuscript_text()
    cursor = QTextCursor(editor.document())
    cursor.setPosition(_utf16(text, span[0]))
    cursor.setPosition(_utf16(text, span[1]), QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)
    editor.centerCursor()
    editor.setFocus()
    return True


def _utf16(text: str, index: int) -> int:
    """A position in Qt's counting (UTF-16 units: an emoji before the match counts twice)."""
    return len(text[:index].encode("utf-16-le")) // 2
