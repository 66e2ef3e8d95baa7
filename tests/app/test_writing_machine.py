"""A stateful property test over the real main window: random sessions of a writer (hypothesis).

Each example is a fresh library in its own folder, a real MainWindow with real widgets offscreen, and the
fake engine of tests/app/fake_engine.py (so the test decides when each token of a suggestion arrives). A
model of the library (each chapter's text, each novel's chapters in order, the trash, the suggestion
showing) is kept beside it, and after every step:
- the editor edits the chapter the model says is shown, and is read-only when none is;
- every other chapter's stored text is what the model says (it changes only through the editor while that
  chapter is shown), and after a save so is the shown one's: nothing typed or accepted is lost;
- the tree lists the open novel's chapters in the model's order.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import shiboken6
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from app import main_window
from app.main_window import MainWindow
from app.settings import Settings
from app.storage import Library
from tests.app.fake_engine import FakeEngine

WORDS = st.text(alphabet="abcdefgh .", min_size=1, max_size=6)
OPENINGS = ["Emma Woodhouse, handsome, clever.", "It was a truth.", "", "Sir Walter Elliot."]
TITLES = st.sampled_from(["Prologue", "Chapter", "Interlude", "Épilogue"])


class Answers:
    """What the writer answers in the dialogs the window opens (patched in by the test)."""

    name = "Untitled"
    revision: int | None = None


class WritingSession(RuleBasedStateMachine):
    answers = Answers()

    def __init__(self) -> None:
        super().__init__()
        # On a RAM disk where there is one: the same SQLite, without waiting on the disk at every commit.
        ram = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.home = Path(tempfile.mkdtemp(prefix="longform-machine-", dir=ram))
        self.previous_home = os.environ.get("LONGFORM_HOME")
        os.environ["LONGFORM_HOME"] = str(self.home)  # settings and backups of this example only
        self.library = Library(self.home / "library.db")
        self.engine = FakeEngine()
        self.engine.start()
        self.window = MainWindow(self.library, Settings(), self.engine)
        # The model.
        self.text: dict[int, str] = {}  # chapter id -> its text (chapters in the trash too)
        self.history: dict[int, set[str]] = {}  # every text each chapter has held
        self.order: dict[int, list[int]] = {}  # novel id -> its chapters in reading order
        self.trash: dict[int, set[int]] = {}  # novel id -> its chapters in the trash
        self.trashed_novels: set[int] = set()
        self.novel: int | None = None
        self.shown: int | None = None
        self.undo_states: list[str] = []  # the texts the shown chapter held since it was shown
        self.suggestion: list | None = None  # [request id, start, text] of the suggestion showing
        self.generation: str | None = None  # the request the window waits on

    def teardown(self) -> None:
        self.window.close()
        shiboken6.delete(self.window)
        shiboken6.delete(self.engine)
        if self.previous_home is None:
            os.environ.pop("LONGFORM_HOME", None)
        else:
            os.environ["LONGFORM_HOME"] = self.previous_home
        shutil.rmtree(self.home, ignore_errors=True)

    # -- the model's bookkeeping ---------------------------------------------------------------------------
    def _set_text(self, chapter: int, text: str) -> None:
        self.text[chapter] = text
        self.history.setdefault(chapter, set()).add(text)
        if chapter == self.shown:
            self.undo_states.append(text)

    def _show(self, chapter: int | None) -> None:
        """The window lets go of the chapter shown (dropping its suggestion) and shows `chapter`."""
        self.shown, self.suggestion, self.generation = chapter, None, None
        self.undo_states = [self.text[chapter]] if chapter is not None else []

    def _learn_novel(self, novel_id: int) -> None:
        for c in self.library.chapters(novel_id):
            self.text.setdefault(c.id, c.text)
            self.history.setdefault(c.id, {c.text})
        self.order[novel_id] = [c.id for c in self.library.chapters(novel_id)]
        self.trash.setdefault(novel_id, set())

    def _accept_into_model(self) -> None:
        _, start, text = self.suggestion
        self.suggestion = None
        if text:
            shown = self.text[self.shown]
            self._set_text(self.shown, shown[:start] + text + shown[start:])

    def _move_cursor(self, data) -> None:
        position = data.draw(st.integers(0, len(self.text[self.shown])), label="cursor")
        cursor = self.window.editor.textCursor()
        cursor.setPosition(position)
        self.window.editor.setTextCursor(cursor)

    def _stored(self) -> dict[int, str]:
        return dict(self.library.db.execute("SELECT id, text FROM chapters").fetchall())

    # -- novels --------------------------------------------------------------------------------------------
    @initialize(chapters=st.lists(st.sampled_from(OPENINGS), min_size=1, max_size=4))
    def start_with_a_novel(self, chapters):
        """A novel with text already in it, as an imported one (the window's own new novels are empty)."""
        novel = self.library.create_novel("Emma", [(f"Chapter {n}", text) for n, text in enumerate(chapters)])
        self.window.open_novel(novel.id)
        self.novel = novel.id
        self._learn_novel(novel.id)
        self._show(self.order[novel.id][0])

    @rule(action=st.sampled_from(["new", "open", "close", "delete", "restore_deleted"]), data=st.data())
    def novel_menu(self, action, data):
        """Novel → New / Open / Close / Delete / Restore deleted novel: one rule, since a writer does these
        far less often than write."""
        getattr(self, f"{action}_novel")(data)

    @rule(action=st.sampled_from(["add", "rename", "delete", "restore_deleted", "reorder"]), data=st.data())
    def chapter_menu(self, action, data):
        """Chapter → New / Rename / Delete / Restore deleted chapter, and a drag in the tree: one rule."""
        if self.novel is not None:
            getattr(self, f"{action}_chapter")(data)

    def new_novel(self, data):
        title = data.draw(TITLES, label="title")
        self.answers.name = title
        self.window.new_novel()
        self.novel = self.window.novel.id
        self._learn_novel(self.novel)
        self._show(self.order[self.novel][0])

    def open_novel(self, data):
        if not set(self.order) - self.trashed_novels:
            return
        novel = data.draw(st.sampled_from(sorted(set(self.order) - self.trashed_novels)), label="novel")
        self.window.open_novel(novel)
        self.novel = novel
        self._show(self.order[novel][0])

    def close_novel(self, data):
        self.window.close_novel()
        self.novel = None
        self._show(None)

    def delete_novel(self, data):
        if self.novel is None:
            return
        self.window.delete_novel()
        self.trashed_novels.add(self.novel)
        self.novel = None
        self._show(None)

    def restore_deleted_novel(self, data):
        if not self.trashed_novels:
            return
        novel = data.draw(st.sampled_from(sorted(self.trashed_novels)), label="trashed novel")
        self.window.restore_deleted_novel(novel)
        self.trashed_novels.discard(novel)
        self.novel = novel
        self._show(self.order[novel][0])

    # -- chapters ------------------------------------------------------------------------------------------
    def add_chapter(self, data):
        chapter = self.window.add_chapter(data.draw(TITLES, label="title"))
        order = self.order[self.novel]
        order.insert(order.index(self.shown) + 1 if self.shown in order else len(order), chapter.id)
        self._set_text(chapter.id, "")
        self._show(chapter.id)

    def rename_chapter(self, data):
        self.answers.name = data.draw(TITLES, label="title")
        self.window.rename_chapter(data.draw(st.sampled_from(self.order[self.novel]), label="chapter"))

    @precondition(lambda self: self.novel is not None)
    @rule(data=st.data())
    def select_chapter(self, data):
        chapter = data.draw(st.sampled_from(self.order[self.novel]), label="chapter")
        tree = self.window.tree
        tree.setCurrentItem(tree.topLevelItem(tree.chapter_ids().index(chapter)))  # the writer clicks it
        if chapter != self.shown:
            self._show(chapter)

    def reorder_chapter(self, data):
        tree, order = self.window.tree, self.order[self.novel]
        if len(order) < 2:
            return
        row = data.draw(st.integers(0, len(order) - 1), label="from")
        to = data.draw(st.integers(0, len(order) - 1), label="to")
        with tree._quietly():  # what a drop does to the tree (ChapterTree.dropEvent)
            tree.insertTopLevelItem(to, tree.takeTopLevelItem(row))
        tree.select_chapter(self.shown)
        order.insert(to, order.pop(row))
        tree.reordered.emit(tree.chapter_ids())

    def delete_chapter(self, data):
        order = self.order[self.novel]
        chapter = data.draw(st.sampled_from(order), label="chapter")
        position = order.index(chapter)
        self.window.delete_chapter(chapter)  # the confirmation is answered Yes
        order.remove(chapter)
        self.trash[self.novel].add(chapter)
        if not order:  # a novel always keeps a chapter to write in
            self._learn_novel(self.novel)
            order = self.order[self.novel]
        if chapter == self.shown:
            self._show(order[min(position, len(order) - 1)])

    def restore_deleted_chapter(self, data):
        if not self.trash[self.novel]:
            return
        chapter = data.draw(st.sampled_from(sorted(self.trash[self.novel])), label="trashed chapter")
        self.window.restore_deleted_chapter(chapter)
        self.trash[self.novel].discard(chapter)
        before = self.order[self.novel]
        after = [c.id for c in self.library.chapters(self.novel)]
        assert [c for c in after if c != chapter] == before  # back among the others, which keep their order
        self.order[self.novel] = after
        self._show(chapter)

    @precondition(lambda self: self.shown is not None and self.library.revisions(self.shown))
    @rule(data=st.data())
    def restore_revision(self, data):
        chapter = self.shown
        revision = data.draw(st.sampled_from(self.library.revisions(chapter)), label="revision")
        assert revision.text in self.history[chapter]  # a revision is a text this chapter once had
        self.answers.revision = revision.id
        self.window.show_revisions()
        self._show(None)
        self._set_text(chapter, revision.text)
        self._show(chapter)

    # -- writing -------------------------------------------------------------------------------------------
    @rule(data=st.data(), words=WORDS)
    def type_text(self, data, words):
        if self.shown is None:
            QTest.keyClicks(self.window.editor, words)  # read-only: nothing happens (checked below)
            return
        if self.suggestion is None:
            self._move_cursor(data)
            start = self.window.editor.textCursor().position()
        else:  # the first key removes the suggestion; typing goes where it began
            start, self.suggestion = self.suggestion[1], None
        for i in range(len(words)):
            QTest.keyClicks(self.window.editor, words[i])
            shown = self.text[self.shown]
            self._set_text(self.shown, shown[: start + i] + words[i] + shown[start + i :])

    @rule(menu=st.booleans(), redo=st.booleans())
    def undo(self, menu, redo):
        if menu:
            (self.window.redo if redo else self.window.undo)()
        else:
            keys = Qt.KeyboardModifier.ControlModifier | (
                Qt.KeyboardModifier.ShiftModifier if redo else Qt.KeyboardModifier.NoModifier
            )
            QTest.keyClick(self.window.editor, Qt.Key.Key_Z, keys)
        self.suggestion = None
        if self.shown is not None:
            text = self.window.editor.manuscript_text()
            assert text in self.undo_states  # undo goes back to this chapter's own earlier text
            self._set_text(self.shown, text)

    @rule()
    def save(self):
        self.window.save_now()
        assert self._stored() == self.text  # nothing typed or accepted is lost, no chapter overwritten

    # -- suggestions ---------------------------------------------------------------------------------------
    @precondition(lambda self: self.shown is not None)
    @rule(data=st.data(), tokens=st.lists(WORDS, max_size=3))
    def continue_text(self, data, tokens):
        ready = self.shown is not None and self.generation is None
        if ready and self.suggestion is None:
            self._move_cursor(data)
        cursor = self.window.editor.textCursor().position()
        self.window.continue_action.trigger()  # Ctrl+Enter
        if not ready:
            return
        if self.suggestion is not None:  # a suggestion still showing is accepted first
            cursor = self.suggestion[1] + len(self.suggestion[2])
            self._accept_into_model()
        self.generation = self.engine.streaming[-1]
        self.suggestion = [self.generation, cursor, ""]
        self.engine_sends_tokens(tokens)  # the first tokens come at once, unless another request runs

    @precondition(lambda self: self.engine.streaming)
    @rule(tokens=st.lists(WORDS, min_size=1, max_size=3))
    def engine_sends_tokens(self, tokens):
        for token in tokens:
            request = self.engine.stream(token)
            if self.suggestion is not None and request == self.suggestion[0]:
                self.suggestion[2] += token

    @precondition(lambda self: self.engine.streaming)
    @rule()
    def engine_finishes(self):
        request = self.engine.finish()
        if request is not None and request == self.generation:
            self.generation = None
            if self.suggestion is not None and not self.suggestion[2]:
                self.suggestion = None  # nothing came: nothing to show

    @precondition(lambda self: self.shown is not None)
    @rule(tab=st.booleans())
    def accept(self, tab):
        if tab:
            QTest.keyClick(self.window.editor, Qt.Key.Key_Tab)
        else:
            self.window.accept_action.trigger()
        if self.suggestion is not None:
            self._accept_into_model()
        elif tab and self.shown is not None:  # no suggestion: Tab is typed
            start = self.window.editor.textCursor().position() - 1
            shown = self.text[self.shown]
            self._set_text(self.shown, shown[:start] + "\t" + shown[start:])

    @precondition(lambda self: self.shown is not None)
    @rule()
    def reject(self):
        self.window.reject_action.trigger()
        self.suggestion = None

    @precondition(lambda self: self.novel is not None)
    @rule()
    def engine_restarts(self):
        self.engine.crash()
        self.generation = None
        if self.suggestion is not None and not self.suggestion[2]:
            self.suggestion = None

    # -- what must always hold -----------------------------------------------------------------------------
    @invariant()
    def the_editor_edits_the_chapter_shown(self):
        editor = self.window.editor
        assert self.window.chapter_id == self.shown
        assert (self.window.novel.id if self.window.novel else None) == self.novel
        assert editor.isReadOnly() == (self.shown is None)
        assert self.window.suggestions.generation == self.generation
        assert self.window.continue_action.isEnabled() == (self.shown is not None and self.generation is None)
        if self.shown is None:
            assert editor.document_text() == ""
            return
        expected = self.text[self.shown]
        if self.suggestion is not None:
            _, start, text = self.suggestion
            expected = expected[:start] + text + expected[start:]
        assert editor.document_text() == expected
        assert editor.manuscript_text() == self.text[self.shown]

    @invariant()
    def chapters_not_shown_keep_their_text(self):
        stored = self._stored()
        assert {c: t for c, t in stored.items() if c != self.shown} == {
            c: t for c, t in self.text.items() if c != self.shown
        }

    @invariant()
    def the_tree_lists_the_open_novel(self):
        ids = self.window.tree.chapter_ids()
        assert ids == (self.order[self.novel] if self.novel is not None else [])
        assert self.window.tree.current_chapter() == self.shown


@pytest.mark.slow
def test_a_writing_session_never_loses_or_misplaces_text(qapp, monkeypatch):
    monkeypatch.setattr(main_window, "ask_name", lambda *a, **k: WritingSession.answers.name)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(
        main_window.RevisionsDialog, "choose", classmethod(lambda cls, *a: WritingSession.answers.revision)
    )
    run_state_machine_as_test(
        WritingSession,
        settings=settings(
            max_examples=200,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
