"""The trash: deleted chapters and novels stay in the library (app/storage.py sets their `deleted_at`)
and are brought back from here. This module words the confirmation and lists what the trash holds; the
window does the moving.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QMessageBox,
    QWidget,
)

from app.dialogs import PickWithPreview
from app.storage import Chapter, Library

PREVIEW_CHARS = 4000  # enough to recognise a chapter by its opening
MENU = {"chapter": "Chapter", "novel": "Novel"}  # the menu that holds "Restore deleted …"


@dataclass(frozen=True)
class Entry:
    """One thing in the trash, as the writer sees it."""

    id: int
    label: str
    preview: str


def words(text: str) -> int:
    return len(text.split())


def _when(deleted_at: float | None) -> str:
    if deleted_at is None:
        return ""
    return " — deleted " + datetime.datetime.fromtimestamp(deleted_at).strftime("%Y-%m-%d %H:%M")


def chapter_entries(chapters: list[Chapter]) -> list[Entry]:
    """The trashed chapters of a novel (as Library.trashed_chapters gives them)."""
    return [
        Entry(
            c.id,
            f"{c.title or 'Untitled'} — {words(c.text):,} words{_when(c.deleted_at)}",
            c.text[:PREVIEW_CHARS],
        )
        for c in chapters
    ]


def novel_entries(library: Library) -> list[Entry]:
    """The trashed novels, each with its chapter and word counts and its opening as the preview."""
    entries = []
    for novel in library.trashed_novels():
        chapters = library.chapters(novel.id)
        count = sum(words(c.text) for c in chapters)
        label = f"{novel.title} — {len(chapters)} chapters, {count:,} words{_when(novel.deleted_at)}"
        entries.append(Entry(novel.id, label, library.manuscript(novel.id)[:PREVIEW_CHARS]))
    return entries


def deleted_message(kind: str, title: str) -> str:
    """What the status bar says once something went to the trash."""
    return f"“{title}” was moved to the trash. {MENU[kind]} → Restore deleted {kind}… brings it back."


def confirm_delete(parent: QWidget, kind: str, title: str, word_count: int) -> bool:
    """Ask before moving a chapter or a novel to the trash."""
    answer = QMessageBox.question(
        parent,
        f"Delete {kind}",
        f"Move the {kind} “{title}” ({word_count:,} words) to the trash?\n\n"
        f"You can bring it back with {MENU[kind]} → Restore deleted {kind}…",
    )
    return answer == QMessageBox.StandardButton.Yes


class TrashDialog(PickWithPreview):
    """The deleted chapters (or novels) with a preview; the writer picks one to restore."""

    def __init__(self, parent: QWidget | None, kind: str, entries: list[Entry]) -> None:
        items = [(entry.label, entry) for entry in entries]
        super().__init__(
            parent, f"Restore deleted {kind}", f"Restore this {kind}", items, lambda e: e.preview
        )

    def chosen(self) -> int | None:
        item = self.list.currentItem()
        return item.data(256).id if item else None

    @classmethod
    def choose(cls, parent: QWidget, kind: str, entries: list[Entry]) -> int | None:
        """The id of the chapter or novel to restore (None: cancelled, or the trash holds none)."""
        if not entries:
            QMessageBox.information(parent, f"Restore deleted {kind}", f"The trash holds no deleted {kind}.")
            return None
        dialog = cls(parent, kind, entries)
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None
