"""The novel session without Qt or an engine: real SQLite, an editor that is a string."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.backup import make_backup
from app.novel_session import (
    AUTOSAVE_MS,
    MAX_UNSAVED_SECONDS,
    RETRY_SAVE_MS,
    NovelSession,
    Saved,
    doc_novel_id,
    engine_doc,
)
from app.storage import Library, StorageError


class Page:
    """The editor as the session reads it."""

    def __init__(self) -> None:
        self.text, self.cursor = "", None

    def manuscript_text(self) -> str:
        return self.text

    def manuscript_cursor(self) -> int:
        return len(self.text) if self.cursor is None else self.cursor

    def word_count(self) -> int:
        return len(self.text.split())


@pytest.fixture
def library(tmp_path):
    lib = Library(tmp_path / "library.db")
    yield lib
    lib.close()


@pytest.fixture
def told():
    """How often the session said the engine is behind the library."""
    return []


@pytest.fixture
def session(library, told):
    return NovelSession(library, Page(), lambda: told.append(1))


def open_novel(session, *chapters, shown=0):
    """Open a new novel of these (title, text) chapters, with chapter `shown` in the editor."""
    novel = session.library.create_novel("Persuasion", list(chapters))
    chapter = session.library.chapters(novel.id)[shown]
    session.open(novel)
    session.show(chapter)
    session.page.text = chapter.text
    return novel


def test_the_session_imports_no_qt():
    code = "import sys, app.novel_session; print('PySide6' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_nothing_open_sends_the_engine_nothing(session):
    assert (session.manuscript(), session.engine_cursor(), session.engine_doc) == ("", None, None)
    assert session.chapters_now() == [] and session.counts_text(12) == ""


def test_open_shows_the_chapter_asked_for_or_the_first(session, library):
    novel = library.create_novel("Emma", [("One", "a"), ("Two", "b")])
    other = library.create_novel("Other", [("Elsewhere", "c")])
    two = library.chapters(novel.id)[1]
    assert session.open(novel, two.id) == two
    assert session.open(novel, library.chapters(other.id)[0].id).title == "One"
    assert session.engine_doc == f"novel-{novel.id}"
    assert session.close() == f"novel-{novel.id}" and session.novel is None and session.chapter_id is None


def test_the_manuscript_holds_the_editor_text_as_it_is_now(session):
    open_novel(session, ("One", "Stored."), ("Two", "Second."))
    session.page.text = "Typed, not saved."
    assert session.manuscript() == "One\n\nTyped, not saved.\n\nTwo\n\nSecond."
    session.page.cursor = len("Typed")
    assert session.manuscript(upto_cursor=True) == "One\n\nTyped"
    assert session.engine_cursor() == len("One\n\nTyped")
    assert session.library.chapters(session.novel.id)[0].text == "Stored."  # assembling saves nothing


def test_a_save_stores_the_editor_text_and_tells_the_engine_only_of_a_change(session, told):
    novel = open_novel(session, ("One", "Stored."))
    session.page.text = "Stored. More."
    assert session.save().ok and len(told) == 1
    assert session.library.chapters(novel.id)[0].text == "Stored. More."
    assert session.save().ok and len(told) == 1  # nothing new


def test_closing_keeps_the_text_replaced_as_a_revision(session):
    open_novel(session, ("One", "Stored."))
    session.page.text = "Rewritten."
    session.save(keep_revision=True)
    assert [r.text for r in session.library.revisions(session.chapter_id)] == ["Stored."]


def test_a_failed_save_tells_the_writer_once_retries_and_says_when_it_worked(session, library, monkeypatch):
    open_novel(session, ("One", "Stored."))
    session.page.text = "Typed on a full disk."
    real_save = library.save_text

    def full(*_a, **_k):
        raise StorageError("The disk is full.")

    monkeypatch.setattr(library, "save_text", full)
    first, second = session.save(), session.save()
    assert not first.ok and first.notice.startswith("The disk is full.") and first.retry_ms == RETRY_SAVE_MS
    assert not second.ok and second.notice is None and second.status == "The disk is full."
    assert session.save_due_in(1000.0) is None  # the retry is set: typing does not save sooner
    monkeypatch.setattr(library, "save_text", real_save)
    again = session.save()
    assert again.ok and again.status == "Saved again." and session.save() == Saved(ok=True)
    assert library.chapter(session.chapter_id).text == "Typed on a full disk."


def test_typing_is_saved_when_it_pauses_or_after_ten_seconds_without_a_pause(session):
    open_novel(session, ("One", ""))
    assert session.save_due_in(100.0) == AUTOSAVE_MS
    assert session.save_due_in(100.0 + MAX_UNSAVED_SECONDS / 2) == AUTOSAVE_MS
    assert session.save_due_in(100.0 + MAX_UNSAVED_SECONDS + 1) == 0
    session.page.text = "Saved."
    session.save()
    assert session.save_due_in(200.0) == AUTOSAVE_MS  # the ten seconds start again


def test_a_new_chapter_goes_after_the_one_shown_or_at_the_end(session, told):
    novel = open_novel(session, ("One", ""), ("Two", ""), shown=0)
    session.add_chapter("After one")
    session.add_chapter("Last", at_end=True)
    assert [c.title for c in session.library.chapters(novel.id)] == ["One", "After one", "Two", "Last"]
    assert len(told) == 2


def test_deleting_the_only_chapter_leaves_an_empty_one_to_write_in(session):
    novel = open_novel(session, ("One", "Text."))
    only = session.library.chapters(novel.id)[0]
    session.show(None)
    session.delete_chapter(only)
    (left,) = session.library.chapters(novel.id)
    assert (left.title, left.text) == ("Chapter 1", "")
    assert session.in_place_of(only) == left
    assert [c.text for c in session.library.trashed_chapters(novel.id)] == ["Text."]


def test_a_deleted_chapter_is_replaced_by_the_next_or_the_new_last(session):
    novel = open_novel(session, ("One", ""), ("Two", ""), ("Three", ""))
    _one, two, three = session.library.chapters(novel.id)
    session.delete_chapter(two)
    assert session.in_place_of(two).title == "Three"
    session.delete_chapter(three)
    assert session.in_place_of(three).title == "One"


def test_only_the_open_novels_chapters_are_shown_or_restored(session, library):
    open_novel(session, ("One", ""), ("Two", ""))
    other = library.create_novel("Other", [("Elsewhere", "x"), ("Also", "y")])
    elsewhere = library.chapters(other.id)[0]
    assert session.chapter(elsewhere.id) is None and session.chapter(None) is None
    library.delete_chapter(elsewhere.id)
    assert session.restore_chapter(elsewhere.id) is None


def test_word_counts_add_the_editor_to_the_other_chapters_and_follow_deletions(session):
    novel = open_novel(session, ("One", "one two"), ("Two", "three four five"))
    session.page.text = "one two six"
    assert session.counts_text(3) == "Chapter: 3 words   Novel: 6 words   Session: 0 words"
    assert session.novel_words() == 6
    session.delete_chapter(session.library.chapters(novel.id)[1])
    assert session.counts_text(3) == "Chapter: 3 words   Novel: 3 words   Session: −3 words"


def test_renaming_the_novel_renames_it_in_the_library(session, library):
    novel = open_novel(session, ("One", ""))
    session.rename_novel("Emma")
    assert session.novel.title == "Emma" == library.novel(novel.id).title


def test_a_backup_replaces_the_library_and_a_bad_one_leaves_it_as_it_was(session, library, tmp_path):
    novel = open_novel(session, ("One", "Backed up."))
    backup = make_backup(library.path, "test")
    session.page.text = "Written after the backup."
    session.save()
    session.close()
    with pytest.raises((OSError, ValueError)):
        session.restore_backup(tmp_path / "no-such-backup.db")
    assert session.library.chapters(novel.id)[0].text == "Written after the backup."
    session.restore_backup(backup)
    assert session.library.chapters(novel.id)[0].text == "Backed up."
    session.library.close()


def test_an_engine_document_name_gives_back_its_novel():
    assert doc_novel_id(engine_doc(12)) == 12
    assert doc_novel_id("cli") is None and doc_novel_id("novel-") is None and doc_novel_id("novel-x") is None
