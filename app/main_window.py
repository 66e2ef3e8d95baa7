"""The main window: builds the panels and wires every signal in one place.

The manuscript lives in the library (SQLite); the engine only ever gets copies of it. Typing is saved 1.5 s
after it stops and on every switch or close; the engine hears about it a little later (debounced).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app import trash
from app.absorption_panel import AbsorptionPanel
from app.backup import backups, make_backup, restore_backup
from app.book_progress import tokens_per_word
from app.book_search import replace_in_novel
from app.chapter_tree import ChapterTree
from app.dialogs import (
    HelpDialog,
    NewChapterDialog,
    RevisionsDialog,
    SettingsDialog,
    ask_name,
    ask_quit_unsaved,
    choose_backup,
)
from app.editor import ChapterEditor
from app.engine_client import EngineClient
from app.exporting import FORMATS, ExportProblem, export_novel
from app.find_bar import FindBar
from app.first_start import EngineStarting, with_absorption_note
from app.importing import ImportProblem, read_manuscript
from app.search_panel import SearchPanel, select_match
from app.settings import Settings, save_settings
from app.storage import Chapter, Library, Novel, StorageError, join_chapters
from app.suggestions import Suggestions
from app.themes import apply_theme, resolve_theme
from app.word_counts import SessionWords, counts_text
from engine.protocol import Absorption, DocumentClosed, DocumentOpened, DocumentUpdated, Error, ErrorCode

log = logging.getLogger(__name__)

AUTOSAVE_MS = 1500  # after typing stops
MAX_UNSAVED_SECONDS = 10  # while typing goes on
RETRY_SAVE_MS = 3000  # after a failed save (full disk)
ENGINE_UPDATE_MS = 4000
STATE_WORDS = {
    "starting": "Engine: starting…",
    "idle": "Engine: idle",
    "absorbing": "Engine: absorbing the novel",
    "generating": "Engine: writing…",
    "restarting": "Engine: restarting…",
    "stopped": "Engine: stopped",
    "error": "Engine: error",
}


def engine_doc(novel_id: int) -> str:
    return f"novel-{novel_id}"


class MainWindow(QMainWindow):
    """One novel open at a time: chapter tree, editor, absorption panel."""

    def __init__(self, library: Library, settings: Settings, client: EngineClient | None = None) -> None:
        super().__init__()
        self.library, self.settings = library, settings
        self.client = client or EngineClient(self)
        self.novel: Novel | None = None
        self.chapter_id: int | None = None
        self.save_failed = False
        self.unsaved_since: float | None = None  # when the editor first held text the library lacks
        self._other_words: tuple[tuple, int] | None = None  # (novel, chapter, chapter count) -> their words
        self.lock = None  # the LibraryLock, released when the window closes
        self.notices: list[QMessageBox] = []
        self.setWindowTitle("Longform")
        self.resize(1280, 820)

        self.editor = ChapterEditor()
        self.find_bar = FindBar(self.editor)
        self.find_bar.hide()
        center = QWidget()
        column = QVBoxLayout(center)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.editor, 1)
        column.addWidget(self.find_bar)
        self.setCentralWidget(center)

        self.suggestions = Suggestions(self.editor, self.client, self)
        self.tree = ChapterTree()
        self.chapters_dock = self._dock("Chapters", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.panel = AbsorptionPanel()
        self.absorption_dock = self._dock(
            "Absorption",
            with_absorption_note(self.panel, settings, self._save_settings),
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.search_panel = SearchPanel(self.chapters_now)
        self.search_dock = self._dock(
            "Find in novel", self.search_panel, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.search_dock.setFeatures(
            self.search_dock.features() | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.search_dock.hide()
        self.session_words = SessionWords()

        self.engine_label = QLabel(STATE_WORDS["stopped"])
        self.engine_starting = EngineStarting()  # the first start takes a while: show that it moves
        self.words_label = QLabel("")
        self.statusBar().addPermanentWidget(self.words_label)
        self.statusBar().addPermanentWidget(self.engine_starting)
        self.statusBar().addPermanentWidget(self.engine_label)

        self.autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self.engine_timer = QTimer(self, singleShot=True, interval=ENGINE_UPDATE_MS)
        self._build_actions()
        self._wire()
        self._update_ai_actions()

    # -- construction --------------------------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(area, dock)
        return dock

    def _action(
        self, menu, text: str, slot, shortcut: str | QKeySequence.StandardKey | None = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda *_: slot())
        menu.addAction(action)
        self.addAction(action)  # shortcuts keep working in full screen, with the menu bar hidden
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        novel = bar.addMenu("&Novel")
        self._action(novel, "New novel…", self.new_novel)
        self._action(novel, "Open novel…", self.choose_novel, "Ctrl+O")
        self._action(novel, "Rename novel…", self.rename_novel)
        self._action(novel, "Import manuscript…", self.import_manuscript, "Ctrl+Shift+I")  # Ctrl+I: italic
        self._action(novel, "Export novel…", self.export_current, "Ctrl+E")
        self._action(novel, "Close novel", self.close_novel)
        self._action(novel, "Delete novel…", self.delete_novel)
        self._action(novel, "Restore deleted novel…", self.restore_deleted_novel)
        self._action(novel, "Restore from backup…", self.restore_from_backup)
        novel.addSeparator()
        self._action(novel, "Settings…", self.edit_settings, "Ctrl+,")
        self._action(novel, "Quit", self.close, "Ctrl+Q")

        edit = bar.addMenu("&Edit")
        self._action(edit, "Undo", self.undo, QKeySequence.StandardKey.Undo)
        self._action(edit, "Redo", self.redo, "Ctrl+Shift+Z")
        edit.addSeparator()
        for text, slot, keys in (
            ("Cut", self.editor.cut, QKeySequence.StandardKey.Cut),
            ("Copy", self.editor.copy, QKeySequence.StandardKey.Copy),
            ("Paste", self.editor.paste, QKeySequence.StandardKey.Paste),
        ):  # as the keys in the editor do, a suggestion shown goes first: it is not the manuscript
            self._action(edit, text, lambda slot=slot: (self.reject_suggestion(), slot()), keys)
        edit.addSeparator()
        self._action(edit, "Find…", lambda: self.find_bar.open(), "Ctrl+F")
        self._action(edit, "Replace…", lambda: self.find_bar.open(replace=True), "Ctrl+H")
        self._action(edit, "Find in novel…", self.find_in_novel, "Ctrl+Shift+F")

        chapter = bar.addMenu("&Chapter")
        self._action(chapter, "New chapter", self.add_chapter, "Ctrl+N")
        self._action(chapter, "Rename chapter…", lambda: self.rename_chapter(self.chapter_id), "F2")
        self._action(chapter, "Delete chapter…", lambda: self.delete_chapter(self.chapter_id))
        self._action(chapter, "Restore deleted chapter…", self.restore_deleted_chapter)
        self._action(chapter, "Revisions…", self.show_revisions, "Ctrl+Shift+R")

        ai = bar.addMenu("&AI")
        self.continue_action = self._action(ai, "Continue from the cursor", self.continue_text, "Ctrl+Return")
        self.addAction(self._extra_shortcut(self.continue_action, "Ctrl+Enter"))
        self.accept_action = self._action(ai, "Accept suggestion\tTab", self.accept_suggestion)
        self.reject_action = self._action(ai, "Reject suggestion\tEsc", self.reject_suggestion)
        self.another_action = self._action(ai, "Another alternative", self.suggestions.another, "Ctrl+R")
        self.stop_action = self._action(ai, "Stop", self.suggestions.stop, "Ctrl+.")
        self.chapter_ai_action = self._action(
            ai, "New chapter with AI…", self.new_chapter_with_ai, "Ctrl+Shift+N"
        )

        view = bar.addMenu("&View")
        self.fullscreen_action = self._action(
            view, "Distraction-free full screen", self.toggle_fullscreen, "F11"
        )
        self._action(view, "Dark / light theme", self.toggle_theme, "Ctrl+Shift+L")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Keyboard shortcuts", lambda: HelpDialog(self).exec(), "F1")

        toolbar = self.addToolBar("AI")
        toolbar.setObjectName("AI")
        for action in (self.continue_action, self.another_action, self.stop_action, self.chapter_ai_action):
            toolbar.addAction(action)
        self.toolbar = toolbar

    def _extra_shortcut(self, action: QAction, keys: str) -> QAction:
        extra = QAction(self)
        extra.setShortcut(QKeySequence(keys))
        extra.triggered.connect(action.trigger)
        return extra

    def _wire(self) -> None:
        self.tree.chapter_selected.connect(self.show_chapter)
        self.tree.reordered.connect(self.reorder_chapters)
        self.tree.add_requested.connect(self.add_chapter)
        self.tree.rename_requested.connect(self.rename_chapter)
        self.tree.delete_requested.connect(self.delete_chapter)
        self.search_panel.hit_chosen.connect(self.show_hit)
        self.search_panel.replace_all_requested.connect(self.replace_in_novel)
        self.editor.manuscript_changed.connect(self._manuscript_changed)
        self.editor.word_added.connect(
            lambda w: self._storage(lambda: self.library.add_novel_word(self.novel.id, w))
        )
        self.suggestions.changed.connect(self._update_ai_actions)
        self.suggestions.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.suggestions.accepted.connect(self.save_now)  # manuscript text now: saved, then absorbed
        self.editor.cursorPositionChanged.connect(self._update_ai_actions)
        self.autosave_timer.timeout.connect(self.save_now)
        self.engine_timer.timeout.connect(self._send_update)
        self.client.event.connect(self._engine_event)
        self.client.state_changed.connect(self._engine_state)
        self.client.state_changed.connect(self.engine_starting.show_state)
        self.client.notice.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.client.failed.connect(self._engine_failed)

    # -- engine --------------------------------------------------------------------------------------------
    def start_engine(self) -> None:
        self.client.start(self.settings.model, self.settings.threads, self.settings.window)

    def _engine_state(self, state: str) -> None:
        self.engine_label.setText(STATE_WORDS.get(state, state))
        self._update_ai_actions()

    def _engine_failed(self, message: str) -> None:
        self.engine_label.setText(STATE_WORDS["error"])
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("The engine cannot run")
        box.setText(message)
        box.setInformativeText(
            "Your novels are safe; writing works without the engine. If the model file is missing or "
            "damaged, choose another model in Settings, or use the embedded default model."
        )
        use_default = box.addButton("Use the default model", QMessageBox.ButtonRole.AcceptRole)
        settings = box.addButton("Open Settings…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.open()
        box.buttonClicked.connect(lambda button: self._after_engine_failed(button, use_default, settings))
        self.engine_failure_box = box

    def _after_engine_failed(self, button, use_default, settings) -> None:
        if button is use_default:
            self.settings.model = "default"
            save_settings(self.settings)
            self.start_engine()
        elif button is settings:
            self.edit_settings()

    def _engine_event(self, event) -> None:
        shown = self.novel and getattr(event, "doc", None) == engine_doc(self.novel.id)
        if isinstance(event, Error) and event.code == ErrorCode.ABSORPTION_FAILED:
            self.statusBar().showMessage(f"The model could not learn the novel ({event.message}).")
        elif isinstance(event, DocumentClosed):
            self.statusBar().showMessage(
                "The novel's temporary adapter was deleted from this computer.", 8000
            )
        elif shown and isinstance(event, Absorption | DocumentOpened | DocumentUpdated):
            progress = self.client.session.documents.get(event.doc)
            self.panel.show_absorption(progress, self.library.chapters(self.novel.id))

    def _engine_update_soon(self) -> None:
        """Send the engine the new text within ENGINE_UPDATE_MS of the first unsent change (not restarted by
        later changes, so a writer who keeps typing still has their text absorbed)."""
        if not self.engine_timer.isActive():
            self.engine_timer.start()

    def _send_update(self) -> None:
        if self.novel is not None:
            self.client.update_document(engine_doc(self.novel.id))

    # -- novels --------------------------------------------------------------------------------------------
    def open_novel(self, novel_id: int, chapter_id: int | None = None) -> None:
        """Show a novel (the previous one is saved and closed) and send it to the engine."""
        novel = self.library.novel(novel_id)
        if novel is None or not self.close_novel():
            return
        self.novel = novel
        self.editor.set_novel_words(self.library.novel_words(novel.id))
        chapters = self.library.chapters(novel.id)
        chosen = next((c for c in chapters if c.id == chapter_id), chapters[0] if chapters else None)
        self.tree.show_chapters(chapters, chosen.id if chosen else None)
        self._bind(chosen)
        self.setWindowTitle(f"{novel.title} — Longform")
        self.settings.last_novel = novel.id
        self._save_settings()
        self.panel.show_absorption(None)
        self.client.open_document(
            engine_doc(novel.id), self.manuscript, self.settings.engine_settings(), self.engine_cursor
        )
        self._update_ai_actions()

    def close_novel(self) -> bool:
        """Save, and close the novel in the engine (which deletes its adapter). False: the chapter could not
        be saved (full disk), so the novel stays open with the text in the editor."""
        if self.novel is None:
            return True
        self.suggestions.drop()
        if not self.save_now(keep_revision=True) or not self._unbind():
            return False
        self.client.close_document(engine_doc(self.novel.id))
        self.novel = None
        self.editor.set_novel_words([])
        self.tree.clear()
        self.panel.show_absorption(None)
        self.panel.summary.setText("No novel open")
        self.setWindowTitle("Longform")
        self._update_counts()
        self._update_ai_actions()
        return True

    def new_novel(self) -> None:
        title = ask_name(self, "New novel", "Title:")
        if title:
            novel = self._storage(lambda: self.library.create_novel(title))
            if novel:
                self.open_novel(novel.id)

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
        words = sum(trash.words(c.text) for c in self.library.chapters(novel.id) if c.id != self.chapter_id)
        words += self.editor.word_count()
        if confirm and not trash.confirm_delete(self, "novel", novel.title, words):
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

    def rename_novel(self) -> None:
        if self.novel is None:
            return
        title = ask_name(self, "Rename novel", "Title:", self.novel.title)
        if title:
            self._storage(lambda: self.library.rename_novel(self.novel.id, title))
            self.novel = Novel(self.novel.id, title)
            self.setWindowTitle(f"{title} — Longform")

    def import_manuscript(self, path: Path | None = None) -> Novel | None:
        from app.importing import FILE_FILTER

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
        title, chapters = manuscript.title, manuscript.chapters
        novel = self._storage(lambda: self.library.create_novel(title, chapters))
        if novel:
            self.open_novel(novel.id)
            notes = "".join(f" {note}" for note in manuscript.notes)
            self.statusBar().showMessage(f"Imported {title}: {len(chapters)} chapters.{notes}", 8000)
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
        chapters = [(c.title, c.text) for c in self.library.chapters(self.novel.id)]
        try:
            export_novel(path, self.novel.title, chapters, self.settings.author)
        except ExportProblem as e:
            QMessageBox.warning(self, "Export", str(e))
            return
        if chosen:  # the next export starts where this one went
            self.settings.last_export_folder = str(path.parent)
            self.settings.last_export_format = path.suffix.lower()
            self._save_settings()
        self.statusBar().showMessage(f"Exported to {path} ({FORMATS[path.suffix.lower()]})", 8000)

    def manuscript(self, upto_cursor: bool = False) -> str:
        """The open novel as the engine sees it, with the chapter in the editor as it is now."""
        if self.novel is None:
            return ""
        upto = (self.chapter_id, self.editor.manuscript_cursor()) if upto_cursor and self.chapter_id else None
        return join_chapters(self.chapters_now(), upto)

    def chapters_now(self) -> list[Chapter]:
        """The open novel's chapters, the one in the editor with its text as it is now (no suggestion)."""
        if self.novel is None:
            return []
        return [
            Chapter(c.id, c.novel_id, c.position, c.title, self.editor.manuscript_text())
            if c.id == self.chapter_id
            else c
            for c in self.library.chapters(self.novel.id)
        ]

    def engine_cursor(self) -> int | None:
        """Where the cursor is in `manuscript()`, so the engine can prepare the window there."""
        if self.novel is None or self.chapter_id is None:
            return None
        return len(self.manuscript(upto_cursor=True))

    # -- chapters ------------------------------------------------------------------------------------------
    def show_chapter(self, chapter_id: int) -> None:
        """Edit another chapter of the open novel (the one shown is saved first)."""
        chapter = self.library.chapter(chapter_id)
        if chapter is None or chapter.id == self.chapter_id or not self._in_novel(chapter):
            return
        if not self._bind(chapter):
            self.tree.select_chapter(self.chapter_id)  # it could not be saved: stay with it
        else:
            self._engine_update_soon()  # the engine warms the window at the cursor in this chapter

    def _in_novel(self, chapter: Chapter | None) -> bool:
        return chapter is not None and self.novel is not None and chapter.novel_id == self.novel.id

    def _unbind(self) -> bool:
        """The editor lets go of its chapter: the suggestion made for it is dropped, its text saved, and the
        editor left empty and read-only. False (nothing changed): the text could not be saved."""
        self.suggestions.drop()
        if not self.save_now():
            return False
        self.chapter_id = None
        self.editor.show_no_chapter()
        self._update_ai_actions()
        return True

    def _bind(self, chapter: Chapter | None) -> bool:
        """The editor edits `chapter` (None: nothing), after letting go of the one it had. The only place
        `chapter_id` is set, so text typed in the editor is only ever saved to the chapter it shows."""
        if not self._unbind():
            return False
        if chapter is not None:
            self.chapter_id = chapter.id
            self.editor.set_chapter_text(chapter.text)
            self.tree.select_chapter(chapter.id)
            self.settings.last_chapter = chapter.id
            self._save_settings()
        self._update_counts()
        self._update_ai_actions()
        return True

    def add_chapter(self, title: str | None = None, at_end: bool = False) -> Chapter | None:
        """A new chapter after the one shown (or at the end), shown in the editor."""
        if self.novel is None:
            return None
        if title is None:
            title = ask_name(self, "New chapter", "Title:", f"Chapter {len(self.tree.chapter_ids()) + 1}")
            if not title:
                return None
        after = self.tree.chapter_ids()[-1] if at_end and self.tree.chapter_ids() else self.chapter_id
        chapter = self._storage(lambda: self.library.add_chapter(self.novel.id, title, after=after))
        if chapter:
            self.tree.show_chapters(self.library.chapters(self.novel.id), self.chapter_id)
            self.show_chapter(chapter.id)
            self._engine_update_soon()
        return chapter

    def rename_chapter(self, chapter_id: int | None) -> None:
        chapter = self.library.chapter(chapter_id) if chapter_id else None
        if not self._in_novel(chapter):
            return
        title = ask_name(self, "Rename chapter", "Title:", chapter.title)
        if title:
            self._storage(lambda: self.library.rename_chapter(chapter.id, title))
            self.tree.show_chapters(self.library.chapters(chapter.novel_id), self.chapter_id)
            self._engine_update_soon()

    def delete_chapter(self, chapter_id: int | None, confirm: bool = True) -> None:
        """Move a chapter to the trash (Chapter → Restore deleted chapter… brings it back)."""
        chapter = self.library.chapter(chapter_id) if chapter_id else None
        if not self._in_novel(chapter):
            return
        words = self.editor.word_count() if chapter.id == self.chapter_id else len(chapter.text.split())
        if confirm and not trash.confirm_delete(self, "chapter", chapter.title, words):
            return
        if chapter.id == self.chapter_id and not self._unbind():  # the trash keeps its latest text
            return
        self._storage(lambda: self.library.delete_chapter(chapter.id))
        if not self.library.chapters(self.novel.id):  # a novel always has a chapter to write in
            self._storage(lambda: self.library.add_chapter(self.novel.id, "Chapter 1"))
        chapters = self.library.chapters(self.novel.id)
        if self.chapter_id is not None:  # another chapter was deleted: the one shown stays
            self.tree.show_chapters(chapters, self.chapter_id)
        elif chapters:  # the chapter that took its place, or the new last one
            shown = chapters[min(chapter.position, len(chapters) - 1)]
            self.tree.show_chapters(chapters, shown.id)
            self._bind(shown)
        if self.library.chapter(chapter.id) is None:
            self.statusBar().showMessage(trash.deleted_message("chapter", chapter.title), 10000)
        self._engine_update_soon()

    def restore_deleted_chapter(self, chapter_id: int | None = None) -> None:
        """Bring one of the open novel's deleted chapters back from the trash, and show it."""
        if self.novel is None:
            return
        if chapter_id is None:
            entries = trash.chapter_entries(self.library.trashed_chapters(self.novel.id))
            chapter_id = trash.TrashDialog.choose(self, "chapter", entries)
        chapter = self._storage(lambda: self.library.restore_chapter(chapter_id)) if chapter_id else None
        if not self._in_novel(chapter):
            return
        self.tree.show_chapters(self.library.chapters(self.novel.id), self.chapter_id)
        self.show_chapter(chapter.id)
        self._engine_update_soon()

    def find_in_novel(self) -> None:
        self.search_dock.show()
        self.search_panel.open(self.editor.textCursor().selectedText())

    def show_hit(self, hit, query) -> None:
        """Open the chapter of a hit listed in Find in novel, with the match selected."""
        self.show_chapter(hit.chapter_id)
        if self.chapter_id == hit.chapter_id:
            select_match(self.editor, query, hit.start)

    def replace_in_novel(self, query, replacement: str) -> None:
        """Replace all in novel: the chapter shown is saved and let go first, and shown again after."""
        shown = self.chapter_id
        if self.novel is None or not self._unbind():
            return
        counts = self._storage(lambda: replace_in_novel(self.library, self.novel.id, query, replacement))
        self._other_words = None
        self.tree.show_chapters(self.library.chapters(self.novel.id), shown)
        self._bind(self.library.chapter(shown) if shown else None)
        self.search_panel.show_replaced(counts or {})
        self._engine_update_soon()

    def reorder_chapters(self, ids: list[int]) -> None:
        if self.novel is not None:
            self._storage(lambda: self.library.reorder_chapters(self.novel.id, ids))
            self._engine_update_soon()

    def show_revisions(self) -> None:
        """Pick an earlier text of the chapter shown and restore it (the text it replaces is kept)."""
        chapter_id = self.chapter_id
        if chapter_id is None or not self.save_now():
            return
        revision = RevisionsDialog.choose(self, self.library.revisions(chapter_id))
        if revision is None or self.chapter_id != chapter_id or not self._unbind():
            return
        self._storage(lambda: self.library.restore_revision(revision))
        self._bind(self.library.chapter(chapter_id))
        self._engine_update_soon()

    # -- saving --------------------------------------------------------------------------------------------
    def _manuscript_changed(self) -> None:
        now = time.monotonic()
        self.unsaved_since = self.unsaved_since or now
        if self.save_failed:
            pass  # the retry timer is running
        elif now - self.unsaved_since > MAX_UNSAVED_SECONDS:
            self.save_now()  # a writer who never pauses still gets saved
        else:
            self.autosave_timer.start(AUTOSAVE_MS)
        self._update_counts()

    def save_now(self, keep_revision: bool = False) -> bool:
        """Save the chapter in the editor; on failure the text stays in the editor and saving is retried."""
        self.autosave_timer.stop()
        if self.chapter_id is None:
            return True
        text = self.editor.manuscript_text()
        try:
            changed = self.library.save_text(self.chapter_id, text, keep_revision=keep_revision)
        except StorageError as e:
            self.statusBar().showMessage(str(e))
            if not self.save_failed:
                self.save_failed = True
                self.show_notice(f"{e}\n\nYour text stays in the editor; Longform retries every few seconds.")
            self.autosave_timer.start(RETRY_SAVE_MS)
            return False
        self.unsaved_since = None
        if self.save_failed:
            self.save_failed = False
            self.statusBar().showMessage("Saved again.", 5000)
        if changed:
            self._engine_update_soon()
        return True

    def _storage(self, change):
        try:
            return change()
        except StorageError as e:
            QMessageBox.warning(self, "Library", str(e))
            return None

    def _save_settings(self) -> None:
        try:
            save_settings(self.settings)
        except OSError as e:
            self.statusBar().showMessage(f"Settings could not be saved: {e}", 8000)

    def _update_counts(self) -> None:
        if self.novel is None:
            self.words_label.setText("")
            return
        chapter_words = self.editor.word_count()
        # The other chapters only change when the chapter, the novel or the set of chapters does: counted
        # then, not on every keystroke.
        key = (self.novel.id, self.chapter_id, len(self.tree.chapter_ids()))
        if self._other_words is None or self._other_words[0] != key:
            chapters = self.library.chapters(self.novel.id)
            self._other_words = (key, sum(len(c.text.split()) for c in chapters if c.id != self.chapter_id))
        novel_words = self._other_words[1] + chapter_words
        self.tree.set_word_count(self.chapter_id, chapter_words)
        self.session_words.update(self.novel.id, novel_words)
        added, goal = self.session_words.added, self.settings.word_goal
        self.words_label.setText(counts_text(chapter_words, novel_words, added, goal))

    # -- AI ------------------------------------------------------------------------------------------------
    def _update_ai_actions(self) -> None:
        ready = (
            self.novel is not None
            and self.chapter_id is not None
            and self.client.state not in ("stopped", "error", "restarting", "starting")
        )
        suggesting = self.editor.suggestion is not None
        idle = self.suggestions.generation is None
        self.continue_action.setEnabled(ready and idle)
        self.chapter_ai_action.setEnabled(ready and idle and not suggesting)
        self.accept_action.setEnabled(suggesting)
        self.reject_action.setEnabled(suggesting)
        self.another_action.setEnabled(suggesting and ready)
        self.stop_action.setEnabled(not idle)

    def _tokens_per_word(self) -> float:
        """The open book's tokens per word (words are the writer's unit; the engine counts tokens)."""
        return tokens_per_word(
            self.client.session.documents.get(engine_doc(self.novel.id)) if self.novel else None
        )

    def _sampling(self) -> dict:
        return {
            "max_tokens": self.settings.suggestion_tokens(self._tokens_per_word()),
            "temperature": self.settings.temperature,
            "top_p": self.settings.top_p,
        }

    def continue_text(self) -> None:
        """Ctrl+Enter: the engine continues from the cursor; the text streams in as a suggestion."""
        if self.novel is None or self.chapter_id is None:
            return
        self.suggestions.accept()  # before the prompt is taken: an accepted suggestion is part of it
        prompt = self.manuscript(upto_cursor=True)
        self.suggestions.ask(
            "continue", {"doc": engine_doc(self.novel.id), "text": prompt, **self._sampling()}
        )

    def undo(self) -> None:
        """Edit → Undo: a suggestion showing goes first (as Ctrl+Z in the editor does), so undo never
        takes back text under it."""
        self.reject_suggestion()
        self.editor.undo()

    def redo(self) -> None:
        self.reject_suggestion()
        self.editor.redo()

    def accept_suggestion(self) -> None:
        self.suggestions.accept()

    def reject_suggestion(self) -> None:
        self.suggestions.reject()

    def new_chapter_with_ai(self, request: tuple[str, str, int] | None = None) -> None:
        """A dialog takes the title, notes and length; the chapter streams into a new chapter."""
        if self.novel is None or self.suggestions.generation is not None:
            return
        if request is None:
            default = f"Chapter {len(self.tree.chapter_ids()) + 1}"
            request = NewChapterDialog.get_request(
                self, default, max(self.settings.suggestion_tokens(self._tokens_per_word()), 800)
            )
            if request is None:
                return
        chapter = self.add_chapter(request[0], at_end=True)
        if chapter is None or chapter.id != self.chapter_id:
            return
        self.client.update_document(engine_doc(self.novel.id))
        title, notes, length = request
        fields = {"doc": engine_doc(self.novel.id), "title": title, "notes": notes, **self._sampling()}
        self.suggestions.ask("generate_chapter", {**fields, "max_tokens": length})

    # -- view ----------------------------------------------------------------------------------------------
    def toggle_fullscreen(self) -> None:
        full = not self.isFullScreen()
        for widget in (
            self.chapters_dock,
            self.absorption_dock,
            self.toolbar,
            self.menuBar(),
            self.statusBar(),
        ):
            widget.setVisible(not full)
        self.showFullScreen() if full else self.showNormal()

    def toggle_theme(self) -> None:
        self.settings.theme = "light" if resolve_theme(self.settings.theme) == "dark" else "dark"
        apply_theme(QApplication.instance(), self.settings.theme)
        self._save_settings()

    def edit_settings(self) -> None:
        chosen = SettingsDialog.get_settings(self, self.settings, self._tokens_per_word())
        if chosen is None:
            return
        engine_changed = (chosen.model, chosen.threads, chosen.window) != (
            self.settings.model,
            self.settings.threads,
            self.settings.window,
        )
        self.settings = chosen
        self._save_settings()
        apply_theme(QApplication.instance(), chosen.theme)
        if engine_changed or self.client.state == "error":
            self.client.restarts = []
            self.start_engine()

    def show_notice(self, text: str) -> None:
        """A message the writer must see, without blocking the window."""
        self.statusBar().showMessage(text.split("\n")[0], 15000)
        box = QMessageBox(QMessageBox.Icon.Information, "Longform", text, QMessageBox.StandardButton.Ok, self)
        box.open()
        self.notices.append(box)

    def restore_from_backup(self, backup: Path | None = None) -> bool:
        """Replace the library with one of its backups (the current file is kept beside it)."""
        backup = backup or choose_backup(self, backups(self.library.path))
        if backup is None:
            return False
        was_open = self.novel.id if self.novel else None
        if not self.close_novel():
            return False
        path = self.library.path
        self.library.close()
        try:
            kept = restore_backup(path, backup)
        except (OSError, ValueError) as e:
            QMessageBox.warning(self, "Restore from backup", f"The backup could not be restored: {e}")
            self.library = Library(path)
            if was_open is not None:
                self.open_novel(was_open)
            return False
        self.library = Library(path)
        self._other_words = None  # every chapter may differ now
        novels = self.library.novels()
        if novels:
            self.open_novel(novels[0].id)
        self.statusBar().showMessage(
            f"Restored {backup.name}; the previous library was kept as {kept.name}.", 15000
        )
        return True

    # -- closing -------------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.close_novel() and not ask_quit_unsaved(self):
            event.ignore()
            return
        self.client.stop()
        try:
            make_backup(self.library.path, "close")
        except (OSError, sqlite3.Error) as e:  # a full disk must not keep the writer from quitting
            log.warning("no backup on close: %s", e)
        self.library.close()
        if self.lock is not None:
            self.lock.release()
        event.accept()
