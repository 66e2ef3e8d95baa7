"""The main window: builds the panels and wires every signal in one place.

What is open, what is saved when and what the engine is sent is decided in app/novel_session.py, without
Qt; this window shows it, asks the writer (dialogs) and runs the timers. Typing is saved 1.5 s after it
stops and on every switch or close; the engine hears about it a little later (debounced). The menus come
from one table (app/actions.py); commands of one menu are in app/*_menu.py (parts of this class).
"""

from __future__ import annotations

import logging
import sqlite3
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.absorption_panel import AbsorptionPanel
from app.actions import build_menus
from app.ai_menu import AiMenu
from app.backup import make_backup
from app.chapter_menu import ChapterMenu
from app.chapter_tree import ChapterTree
from app.dialogs import RevisionsDialog, ask_name, ask_quit_unsaved
from app.editor import ChapterEditor
from app.engine_client import EngineClient
from app.engine_status import ENGINE_UPDATE_MS, STATE_WORDS, EngineStatus
from app.find_bar import FindBar
from app.first_start import EngineStarting, with_absorption_note
from app.novel_menu import NovelMenu
from app.novel_session import AUTOSAVE_MS, NovelSession, doc_novel_id, engine_doc
from app.outline_queue import OutlineQueue
from app.search_panel import SearchPanel
from app.settings import Settings, save_settings
from app.storage import Chapter, Library, StorageError
from app.suggestions import Suggestions
from app.view_menu import ViewMenu
from engine.protocol import Absorption, DocumentClosed, DocumentOpened, DocumentUpdated, Error, ErrorCode

log = logging.getLogger(__name__)


class MainWindow(NovelMenu, ChapterMenu, AiMenu, ViewMenu, EngineStatus, QMainWindow):
    """One novel open at a time: chapter tree, editor, absorption panel."""

    def __init__(self, library: Library, settings: Settings, client: EngineClient | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.client = client or EngineClient(self)
        self.lock = None  # the LibraryLock, released when the window closes
        self.notices: list[QMessageBox] = []
        self.setWindowTitle("Longform")
        self.resize(1280, 820)

        self.editor = ChapterEditor()
        self.session = NovelSession(library, self.editor, self._engine_update_soon)
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
        self.search_panel = SearchPanel(self.session.chapters_now)
        self.search_dock = self._dock(
            "Find in novel", self.search_panel, Qt.DockWidgetArea.BottomDockWidgetArea, True
        )
        self.search_dock.hide()

        self.engine_label = QLabel(STATE_WORDS["stopped"])
        self.engine_starting = EngineStarting()  # the first start takes a while: show that it moves
        self.words_label = QLabel("")
        self.outline_label = QLabel("")  # where an outline's chapters stand, while it runs
        self.outline_label.hide()
        for label in (self.outline_label, self.words_label, self.engine_starting, self.engine_label):
            self.statusBar().addPermanentWidget(label)

        self.autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self.engine_timer = QTimer(self, singleShot=True, interval=ENGINE_UPDATE_MS)
        self.toolbar = self.addToolBar("AI")
        self.toolbar.setObjectName("AI")
        self.action = build_menus(self, self.toolbar)
        self.continue_action, self.accept_action, self.reject_action = (
            self.action[name] for name in ("continue", "accept", "reject")
        )
        self._wire()
        self._update_ai_actions()

    # -- what the session holds, as the window's own (the tests and the panels read them) -----------------
    library = property(lambda self: self.session.library)
    novel = property(lambda self: self.session.novel)
    chapter_id = property(lambda self: self.session.chapter_id)

    # -- construction --------------------------------------------------------------------------------------
    def _dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea, closable: bool = False
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        features = QDockWidget.DockWidgetFeature
        dock.setFeatures(
            features.DockWidgetMovable | (features.DockWidgetClosable if closable else features(0))
        )
        self.addDockWidget(area, dock)
        return dock

    def _wire(self) -> None:
        self.tree.chapter_selected.connect(self.show_chapter)
        self.tree.reordered.connect(self.reorder_chapters)
        self.tree.add_requested.connect(self.add_chapter)
        self.tree.rename_requested.connect(self.rename_chapter)
        self.tree.delete_requested.connect(self.delete_chapter)
        self.search_panel.hit_chosen.connect(self.show_hit)
        self.search_panel.replace_all_requested.connect(self.replace_in_novel)
        self.editor.suggestion_taken.connect(self.session.suggestion_taken)
        self.editor.manuscript_changed.connect(self._manuscript_changed)
        self.editor.word_added.connect(
            lambda w: self._storage(lambda: self.library.add_novel_word(self.novel.id, w))
        )
        self.suggestions.changed.connect(self._update_ai_actions)
        self.suggestions.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.suggestions.accepted.connect(self.statusBar().clearMessage)  # its "Tab accepts" hint is done
        self.suggestions.accepted.connect(self.save_now)  # manuscript text now: saved, then absorbed
        # Built after that connection, so the queue hears `accepted` after the save: the accepted chapter
        # is in the library before the queue sends it to the engine.
        self.outline = OutlineQueue(self, self.suggestions, self.client, self)
        self.outline.changed.connect(self._show_outline)
        self.outline.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.editor.cursorPositionChanged.connect(self._update_ai_actions)
        self.autosave_timer.timeout.connect(self.save_now)
        self.engine_timer.timeout.connect(self._send_update)
        self.client.event.connect(self._engine_event)
        self.client.state_changed.connect(self._engine_state)
        self.client.state_changed.connect(self.engine_starting.show_state)
        self.client.notice.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.client.failed.connect(self._engine_failed)

    # -- engine --------------------------------------------------------------------------------------------
    def _engine_event(self, event) -> None:
        shown = self.novel and getattr(event, "doc", None) == engine_doc(self.novel.id)
        if isinstance(event, Error) and event.code == ErrorCode.ABSORPTION_FAILED:
            self.statusBar().showMessage(f"The model could not learn the novel ({event.message}).")
        elif isinstance(event, DocumentClosed):  # named: it can come just as another novel opens
            novel_id = doc_novel_id(event.doc)
            novel = self.library.novel(novel_id) if novel_id is not None else None
            whose = f"“{novel.title}”’s" if novel else "The novel's"
            self.statusBar().showMessage(f"{whose} temporary adapter was deleted from this computer.", 8000)
        elif shown and isinstance(event, Absorption | DocumentOpened | DocumentUpdated):
            progress = self.client.session.documents.get(event.doc)
            self.panel.show_absorption(progress, self.library.chapters(self.novel.id))

    def _show_outline(self, text: str) -> None:
        self.outline_label.setText(text)
        self.outline_label.setVisible(bool(text))
        self._update_ai_actions()

    # -- novels --------------------------------------------------------------------------------------------
    def open_novel(self, novel_id: int, chapter_id: int | None = None) -> None:
        """Show a novel (the previous one is saved and closed) and send it to the engine."""
        novel = self.library.novel(novel_id)
        if novel is None or not self.close_novel():
            return
        chosen = self.session.open(novel, chapter_id)
        chapters = self.session.chapters()  # as stored; their text says which names the book uses
        self.editor.set_novel_words(self.library.novel_words(novel.id), "\n\n".join(c.text for c in chapters))
        self.tree.show_chapters(chapters, chosen.id if chosen else None)
        self._bind(chosen)
        self.setWindowTitle(f"{novel.title} — Longform")
        self.settings.last_novel = novel.id
        self._save_settings()
        self.panel.show_absorption(None)
        self.client.open_document(
            engine_doc(novel.id),
            self.session.manuscript,
            self.settings.engine_settings(),
            self.session.engine_cursor,
        )
        self._update_ai_actions()

    def close_novel(self) -> bool:
        """Save, and close the novel in the engine (which deletes its adapter). False: the chapter could not
        be saved (full disk), so the novel stays open with the text in the editor."""
        if self.novel is None:
            return True
        self.outline.abandon()
        self.suggestions.drop()
        if not self.save_now(keep_revision=True) or not self._unbind():
            return False
        self.client.close_document(self.session.close())
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
        novel = self._storage(lambda: self.library.create_novel(title)) if title else None
        if novel:
            self.open_novel(novel.id)

    def rename_novel(self) -> None:
        title = ask_name(self, "Rename novel", "Title:", self.novel.title) if self.novel else None
        if title:
            self._storage(lambda: self.session.rename_novel(title))
            self.setWindowTitle(f"{title} — Longform")

    # -- chapters ------------------------------------------------------------------------------------------
    def show_chapter(self, chapter_id: int) -> None:
        """Edit another chapter of the open novel (the one shown is saved first)."""
        chapter = self.session.chapter(chapter_id)
        if chapter is None or chapter.id == self.chapter_id:
            return
        if not self._bind(chapter):
            self.tree.select_chapter(self.chapter_id)  # it could not be saved: stay with it
        else:
            self._engine_update_soon()  # the engine warms the window at the cursor in this chapter

    def _unbind(self) -> bool:
        """The editor lets go of its chapter: the suggestion made for it is dropped, its text saved, and the
        editor left empty and read-only. False (nothing changed): the text could not be saved."""
        self.suggestions.drop()
        if not self.save_now():
            return False
        self.session.show(None)
        self.editor.show_no_chapter()
        self._update_ai_actions()
        return True

    def _bind(self, chapter: Chapter | None) -> bool:
        """The editor edits `chapter` (None: nothing), after letting go of the one it had."""
        if not self._unbind():
            return False
        if chapter is not None:
            self.session.show(chapter)
            self.editor.set_chapter_text(chapter.text)
            self.tree.select_chapter(chapter.id)
            self.settings.last_chapter = chapter.id
            self._save_settings()
        self._update_counts()
        self._update_ai_actions()
        return True

    def add_chapter(
        self, title: str | None = None, at_end: bool = False, after: int | None = None
    ) -> Chapter | None:
        """A new chapter after chapter `after` (default: the one shown; or at the end), shown in the
        editor."""
        if self.novel is None:
            return None
        if title is None:
            title = ask_name(self, "New chapter", "Title:", f"Chapter {len(self.tree.chapter_ids()) + 1}")
            if not title:
                return None
        chapter = self._storage(lambda: self.session.add_chapter(title, at_end, after))
        if chapter:
            self._show_tree(self.chapter_id)
            self.show_chapter(chapter.id)
        return chapter

    def rename_chapter(self, chapter_id: int | None) -> None:
        chapter = self.session.chapter(chapter_id)
        title = ask_name(self, "Rename chapter", "Title:", chapter.title) if chapter else None
        if title:
            self._storage(lambda: self.session.rename_chapter(chapter, title))
            self._show_tree(self.chapter_id)

    def show_revisions(self) -> None:
        """Pick an earlier text of the chapter shown and restore it (the text it replaces is kept)."""
        chapter_id = self.chapter_id
        if chapter_id is None or not self.save_now():
            return
        revision = RevisionsDialog.choose(self, self.library.revisions(chapter_id))
        if revision is None or self.chapter_id != chapter_id or not self._unbind():
            return
        self._storage(lambda: self.session.restore_revision(revision))
        self._bind(self.library.chapter(chapter_id))

    # -- saving --------------------------------------------------------------------------------------------
    def _manuscript_changed(self) -> None:
        due = self.session.save_due_in(time.monotonic())
        if due == 0:
            self.save_now()  # a writer who never pauses still gets saved
        elif due is not None:
            self.autosave_timer.start(due)
        self._update_counts()

    def save_now(self, keep_revision: bool = False) -> bool:
        """Save the chapter in the editor; on failure the text stays in the editor and saving is retried."""
        self.autosave_timer.stop()
        saved = self.session.save(keep_revision)
        if saved.status:
            self.statusBar().showMessage(saved.status, saved.status_ms)
        if saved.notice:
            self.show_notice(saved.notice)
        if saved.retry_ms:
            self.autosave_timer.start(saved.retry_ms)
        return saved.ok

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
        chapter_words = self.editor.word_count()
        if self.novel is not None:
            self.tree.set_word_count(self.chapter_id, chapter_words)
        self.words_label.setText(self.session.counts_text(chapter_words, self.settings.word_goal))

    # -- notices and closing -------------------------------------------------------------------------------
    def show_notice(self, text: str) -> None:
        """A message the writer must see, without blocking the window."""
        self.statusBar().showMessage(text.split("\n")[0], 15000)
        box = QMessageBox(QMessageBox.Icon.Information, "Longform", text, QMessageBox.StandardButton.Ok, self)
        box.open()
        self.notices.append(box)

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
