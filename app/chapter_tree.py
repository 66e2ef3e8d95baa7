"""The side tree of the open novel's chapters: select, add, rename, delete, reorder by drag."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeWidget, QTreeWidgetItem, QWidget

from app.storage import Chapter

ID_ROLE = Qt.ItemDataRole.UserRole


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
        self.setRootIsDecorated(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.currentItemChanged.connect(self._current_changed)
        self._quiet = False

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
                item = QTreeWidgetItem([c.title or "Untitled"])
                item.setData(0, ID_ROLE, c.id)
                # Chapters are dropped between chapters, never into one.
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
                self.addTopLevelItem(item)
                if c.id == current:
                    self.setCurrentItem(item)

    def clear(self) -> None:
        """Empty the tree (without reporting a selection)."""
        with self._quietly():
            super().clear()

    def chapter_ids(self) -> list[int]:
        return [self.topLevelItem(i).data(0, ID_ROLE) for i in range(self.topLevelItemCount())]

    def current_chapter(self) -> int | None:
        item = self.currentItem()
        return item.data(0, ID_ROLE) if item else None

    def select_chapter(self, chapter_id: int | None) -> None:
        """Mark the chapter the editor shows (without reporting it)."""
        with self._quietly():
            for i in range(self.topLevelItemCount()):
                if self.topLevelItem(i).data(0, ID_ROLE) == chapter_id:
                    self.setCurrentItem(self.topLevelItem(i))

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
