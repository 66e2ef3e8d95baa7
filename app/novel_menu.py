"""The Novel menu's commands that open a dialog or a file: open, delete and restore a novel, import,
export, restore from a backup, and Settings.

A part of MainWindow (a mixin, so the window's menus and tests call them on the window): each asks the
writer, lets the session (app/novel_session.py) change the library, and shows the outcome.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

from app import trash
from app.backup import backups
from app.dialogs import SettingsDialog, choose_backup
from app.exporting import FORMATS, ExportProblem
from app.importing import FILE_FILTER, ImportProblem, read_manuscript
from app.storage import Novel
from app.themes import apply_theme


class NovelMenu:
    """The Novel menu of the main window."""

    def choose_novel(self) -> None:
        novels = self.library.novels()
        if not novels:
            self.new_novel()
            return
        titles = [f"{n.title}  (#{n.id})" for n in novels]
        choice, ok = QInputDialog.getItem(self, "Open novel", "Novel:", titles, 0, False)
        if ok:
            self.open_novel(novels[titles.index(choice)].id)

    def delete_novel(self, confirm: bool = True) -> None:
        """Move the open novel to the trash (Novel → Restore deleted novel… brings it back)."""
        novel = self.novel
        if novel is None:
            return
        if confirm and not trash.confirm_delete(self, "novel", novel.title, self.session.novel_words()):
            return
        if self.close_novel():
            self._storage(lambda: self.library.delete_novel(novel.id))
            if self.library.novel(novel.id) is None:  # (a failed write was reported by _storage)
                self.statusBar().showMessage(trash.deleted_message("novel", novel.title), 10000)

    def restore_deleted_novel(self, novel_id: int | None = None) -> None:
        """Bring a deleted novel back from the trash, and open it."""
        if novel_id is None:
            novel_id = trash.TrashDialog.choose(self, "novel", trash.novel_entries(self.library))
        novel = self._storage(lambda: self.library.restore_novel(novel_id)) if novel_id else None
        if novel is not None:
            self.open_novel(novel.id)

    def import_manuscript(self, path: Path | None = None) -> Novel | None:
        if path is None:
            name, _ = QFileDialog.getOpenFileName(self, "Import a manuscript", str(Path.home()), FILE_FILTER)
            if not name:
                return None
            path = Path(name)
        try:
            manuscript = read_manuscript(path)
        except ImportProblem as e:
            QMessageBox.warning(self, "Import", str(e))
            return None
        novel = self._storage(lambda: self.session.import_novel(manuscript))
        if novel:
            self.open_novel(novel.id)
            notes = "".join(f" {note}" for note in manuscript.notes)
            self.statusBar().showMessage(
                f"Imported {manuscript.title}: {len(manuscript.chapters)} chapters.{notes}", 8000
            )
        return novel

    def export_current(self, path: Path | None = None) -> None:
        from app.export_dialog import ExportDialog

        if self.novel is None:
            return
        self.save_now()
        chosen = path is None
        if chosen:
            choice = ExportDialog.get_choice(self, self.novel.title, self.settings)
            if choice is None:
                return
            path, self.settings.author = choice.path, choice.author
        try:
            self.session.export(path, self.settings.author)
        except ExportProblem as e:
            QMessageBox.warning(self, "Export", str(e))
            return
        if chosen:  # the next export starts where this one went
            self.settings.last_export_folder = str(path.parent)
            self.settings.last_export_format = path.suffix.lower()
            self._save_settings()
        self.statusBar().showMessage(f"Exported to {path} ({FORMATS[path.suffix.lower()]})", 8000)

    def restore_from_backup(self, backup: Path | None = None) -> bool:
        """Replace the library with one of its backups (the current file is kept beside it)."""
        backup = backup or choose_backup(self, backups(self.library.path))
        was_open = self.novel.id if self.novel else None
        if backup is None or not self.close_novel():
            return False
        try:
            kept = self.session.restore_backup(backup)
        except (OSError, ValueError) as e:
            QMessageBox.warning(self, "Restore from backup", f"The backup could not be restored: {e}")
            if was_open is not None:
                self.open_novel(was_open)
            return False
        novels = self.library.novels()
        if novels:
            self.open_novel(novels[0].id)
        self.statusBar().showMessage(
            f"Restored {backup.name}; the previous library was kept as {kept.name}.", 15000
        )
        return True

    def edit_settings(self) -> None:
        chosen = SettingsDialog.get_settings(self, self.settings, self._tokens_per_word())
        if chosen is None:
            return
        old = self.settings
        engine = ("model", "threads", "window", "engine_host")
        engine_changed = any(getattr(chosen, name) != getattr(old, name) for name in engine)
        self.settings = chosen
        self._save_settings()
        apply_theme(QApplication.instance(), chosen.theme)
        if engine_changed or self.client.state == "error":
            self.client.restarts = []
            self.start_engine()
