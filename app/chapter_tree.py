"""The side tree of the open novel's chapters: select, add, rename, delete, reorder by drag; each chapter's
word count beside its title."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.storage import Chapter
from app.word_counts import words

ID_ROLE = Qt.ItemDataRole.UserRole
TITLE, WORDS = 0, 1  # columns


class ChapterTree(QTreeWidget):
    """Chapters in reading order; the tree only reports what the writer asked for, by signal.

    Only the writer's own choice of a row is reported as `chapter_selected`: filling, clearing or
    re-selecting the tree from code, and a drag, are quiet. (Clearing it used to select each remaining row
    in turn, and the window bound the editor to the first chapter of a novel it was closing.)
    """

    chapter_selected = Signal(int)
    reordered = Signal(list)  # chapter ids in the new order
    add_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        self.header().setSectionResizeMode(WORDS, QHeaderView.ResizeMode.ResizeToContents)
        self.setRootIsDecorated(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.currentItemChanged.connect(self._current_changed)
        self._quiet = False
        # The chapter in the editor, counted from the editor's text: the library's copy lags behind typing
        # until the next autosave, so a refill of the tree must not show the older count.
        self._open_words: tuple[int, int] | None = None

    @contextlib.contextmanager
    def _quietly(self):
        quiet, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = quiet

    def show_chapters(self, chapters: list[Chapter], current: int | None = None) -> None:
        """Fill the tree (without reporting a selection)."""
        with self._quietly():
            self.clear()
            for c in chapters:
                item = QTreeWidgetItem([c.title or "Untitled", ""])
                item.setData(0, ID_ROLE, c.id)
                item.setTextAlignment(WORDS, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                live = self._open_words and self._open_words[0] == c.id
                self._show_words(item, self._open_words[1] if live else words(c.text))
                # Chapters are dropped between chapters, never into one.
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
                self.addTopLevelItem(item)
                if c.id == current:
                    self.setCurrentItem(item)

    def clear(self) -> None:
        """Empty the tree (without reporting a selection)."""
        with self._quietly():
            super().clear()

    def set_word_count(self, chapter_id: int | None, count: int) -> None:
        """Show the open chapter's word count as the writer types (the other rows keep theirs)."""
        if chapter_id is None:
            return
        self._open_words = (chapter_id, count)
        item = self._item(chapter_id)
        if item is not None:
            self._show_words(item, count)

    def word_count(self, chapter_id: int) -> str:
        """The count the tree shows beside a chapter ("2,431"; "" for a chapter not in the tree)."""
        item = self._item(chapter_id)
        return item.text(WORDS) if item else ""

    def _show_words(self, item: QTreeWidgetItem, count: int) -> None:
        item.setText(WORDS, f"{count:,}")
        item.setToolTip(WORDS, f"{count:,} words")

    def _item(self, chapter_id: int) -> QTreeWidgetItem | None:
        for i in range(self.topLevelItemCount()):
            if self.topLevelItem(i).data(0, ID_ROLE) == chapter_id:
                return self.topLevelItem(i)
        return None

    def chapter_ids(self) -> list[int]:
        return [self.topLevelItem(i).data(0, ID_ROLE) for i in range(self.topLevelItemCount())]

    def current_chapter(self) -> int | None:
        item = self.currentItem()
        return item.data(0, ID_ROLE) if item else None

    def select_chapter(self, chapter_id: int | None) -> None:
        """Mark the chapter the editor shows (without reporting it)."""
        item = self._item(chapter_id) if chapter_id is not None else None
        if item is not None:
            with self._quietly():
                self.setCurrentItem(item)

    def _current_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None and not self._quiet:
            self.chapter_selected.emit(current.data(0, ID_ROLE))

    def dropEvent(self, event: QDropEvent) -> None:
        before, current = self.chapter_ids(), self.current_chapter()
        with self._quietly():  # moving a row changes the current row on the way: not the writer's choice
            super().dropEvent(event)
        self.select_chapter(current)
        after = self.chapter_ids()
        if after != before and sorted(after) == sorted(before):
            self.reordered.emit(after)

    def _menu(self, point) -> None:
        item = self.itemAt(point)
        menu = QMenu(self)
        menu.addAction("New chapter", self.add_requested.emit)
        if item is not None:
            chapter_id = item.data(0, ID_ROLE)
            menu.addAction("Rename…", lambda: self.rename_requested.emit(chapter_id))
            menu.addAction("Delete…", lambda: self.delete_requested.emit(chapter_id))
        menu.exec(self.viewport().mapToGlobal(point))
