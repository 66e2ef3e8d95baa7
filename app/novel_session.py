"""The open novel, without Qt: which novel and chapter the editor shows, what the engine is sent, when the
text is saved, and the chapter and novel changes made through the library.

The window owns the widgets, the dialogs and the timers; it asks this class what to do and shows the
answer. The manuscript lives in the library (SQLite); the engine only ever gets copies of it, assembled
here from the stored chapters and the chapter in the editor as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.backup import restore_backup
from app.book_search import Query, replace_in_novel
from app.exporting import export_novel
from app.importing import Manuscript
from app.storage import Chapter, Library, Novel, StorageError, join_chapters
from app.word_counts import SessionWords, counts_text, words

AUTOSAVE_MS = 1500  # after typing stops
MAX_UNSAVED_SECONDS = 10  # while typing goes on
RETRY_SAVE_MS = 3000  # after a failed save (full disk)


def engine_doc(novel_id: int) -> str:
    """The engine's name for a novel's document."""
    return f"novel-{novel_id}"


def doc_novel_id(doc: str) -> int | None:
    """The novel an engine document name stands for (engine_doc's inverse); None for any other name."""
    prefix, _, number = doc.partition("-")
    return int(number) if prefix == "novel" and number.isdigit() else None


class Page(Protocol):
    """The editor as the session reads it: the chapter's text and cursor, without a suggestion showing."""

    def manuscript_text(self) -> str: ...

    def manuscript_cursor(self) -> int: ...

    def word_count(self) -> int: ...


@dataclass(frozen=True)
class Saved:
    """What a save came to, and what the writer is to be told."""

    ok: bool
    status: str | None = None  # for the status bar
    status_ms: int = 0  # how long it stays there (0: until the next message)
    notice: str | None = None  # a message the writer must see: the first failure of a run of them
    retry_ms: int | None = None  # save again after this long


class NovelSession:
    """One novel open at a time, and the chapter of it that the editor edits."""

    def __init__(
        self, library: Library, page: Page, engine_behind: Callable[[], None] = lambda: None
    ) -> None:
        """`engine_behind` is called whenever the stored manuscript changed, so the engine is sent it soon."""
        self.library, self.page, self.engine_behind = library, page, engine_behind
        self.novel: Novel | None = None
        self.chapter_id: int | None = None
        self.save_failed = False
        self.unsaved_since: float | None = None  # when the editor first held text the library lacks
        self._other_words: tuple[tuple, int] | None = None  # (novel, chapter) -> the other chapters' words
        self.session_words = SessionWords()

    # -- what is open --------------------------------------------------------------------------------------
    @property
    def engine_doc(self) -> str | None:
        """The open novel's document in the engine (None: no novel open)."""
        return engine_doc(self.novel.id) if self.novel else None

    def chapters(self) -> list[Chapter]:
        """The open novel's chapters as stored, in reading order."""
        return self.library.chapters(self.novel.id) if self.novel else []

    def chapter(self, chapter_id: int | None) -> Chapter | None:
        """A chapter of the open novel (None: no such chapter, or another novel's)."""
        chapter = self.library.chapter(chapter_id) if chapter_id else None
        return chapter if self.holds(chapter) else None

    def holds(self, chapter: Chapter | None) -> bool:
        """Whether `chapter` belongs to the open novel."""
        return chapter is not None and self.novel is not None and chapter.novel_id == self.novel.id

    def open(self, novel: Novel, chapter_id: int | None = None) -> Chapter | None:
        """Make `novel` the open one (the previous one is closed); the chapter to show: `chapter_id` if it is
        one of the novel's, else the first."""
        self.novel, self.chapter_id = novel, None
        chapters = self.library.chapters(novel.id)
        return next((c for c in chapters if c.id == chapter_id), chapters[0] if chapters else None)

    def close(self) -> str | None:
        """Forget the open novel (its chapter saved and let go of already); the engine document to close."""
        doc, self.novel, self.chapter_id = self.engine_doc, None, None
        return doc

    def show(self, chapter: Chapter | None) -> None:
        """The editor now edits `chapter` (None: nothing): typing is only ever saved to the chapter shown."""
        self.chapter_id = chapter.id if chapter else None

    # -- what the engine is sent ---------------------------------------------------------------------------
    def chapters_now(self) -> list[Chapter]:
        """The open novel's chapters, the one in the editor with its text as it is now (no suggestion)."""
        return [
            Chapter(c.id, c.novel_id, c.position, c.title, self.page.manuscript_text())
            if c.id == self.chapter_id
            else c
            for c in self.chapters()
        ]

    def manuscript(self, upto_cursor: bool = False) -> str:
        """The open novel as the engine sees it, with the chapter in the editor as it is now."""
        if self.novel is None:
            return ""
        upto = (self.chapter_id, self.page.manuscript_cursor()) if upto_cursor and self.chapter_id else None
        return join_chapters(self.chapters_now(), upto)

    def engine_cursor(self) -> int | None:
        """Where the cursor is in `manuscript()`, so the engine can prepare the window there."""
        if self.novel is None or self.chapter_id is None:
            return None
        return len(self.manuscript(upto_cursor=True))

    # -- saving --------------------------------------------------------------------------------------------
    def save_due_in(self, now: float) -> int | None:
        """After a keystroke at `now` (monotonic seconds): milliseconds until the chapter is to be saved (0:
        now, for a writer who never pauses; None: a failed save's retry is already set)."""
        self.unsaved_since = self.unsaved_since or now
        if self.save_failed:
            return None
        return 0 if now - self.unsaved_since > MAX_UNSAVED_SECONDS else AUTOSAVE_MS

    def save(self, keep_revision: bool = False) -> Saved:
        """Save the chapter in the editor; on failure the text stays in the editor and saving is retried."""
        if self.chapter_id is None:
            return Saved(ok=True)
        text = self.page.manuscript_text()
        try:
            changed = self.library.save_text(self.chapter_id, text, keep_revision=keep_revision)
        except StorageError as e:
            first, self.save_failed = not self.save_failed, True
            notice = f"{e}\n\nYour text stays in the editor; Longform retries every few seconds."
            return Saved(ok=False, status=str(e), notice=notice if first else None, retry_ms=RETRY_SAVE_MS)
        self.unsaved_since = None
        if changed:
            self.engine_behind()
        if self.save_failed:
            self.save_failed = False
            return Saved(ok=True, status="Saved again.", status_ms=5000)
        return Saved(ok=True)

    # -- word counts ---------------------------------------------------------------------------------------
    def counts_text(self, chapter_words: int, goal: int = 0) -> str:
        """The status bar's word counts, with the chapter in the editor at `chapter_words`."""
        if self.novel is None:
            return ""
        # The other chapters only change when the chapter, the novel or the set of chapters does: counted
        # then, not on every keystroke.
        key = (self.novel.id, self.chapter_id)
        if self._other_words is None or self._other_words[0] != key:
            others = sum(words(c.text) for c in self.chapters() if c.id != self.chapter_id)
            self._other_words = (key, others)
        novel_words = self._other_words[1] + chapter_words
        self.session_words.update(self.novel.id, novel_words)
        counted = self.session_words
        return counts_text(chapter_words, novel_words, counted.added, goal, counted.suggested)

    def suggestion_taken(self, text: str) -> None:
        """A suggestion became the open novel's text: its words are counted apart from the writer's."""
        if self.novel is not None:
            self.session_words.accepted(self.novel.id, words(text))

    def words_in(self, chapter: Chapter) -> int:
        """A chapter's words, the one in the editor as it is now."""
        return self.page.word_count() if chapter.id == self.chapter_id else words(chapter.text)

    def novel_words(self) -> int:
        """The open novel's words, the chapter in the editor as it is now."""
        return sum(self.words_in(c) for c in self.chapters())

    # -- chapters (each raises StorageError when the library cannot be written) ----------------------------
    def _chapters_changed(self) -> None:
        self._other_words = None
        self.engine_behind()

    def add_chapter(self, title: str, at_end: bool = False, after: int | None = None) -> Chapter:
        """A new, empty chapter after chapter `after` (default: the one shown; `at_end`: at the end)."""
        chapters = self.chapters()
        if after is None:
            after = chapters[-1].id if at_end and chapters else self.chapter_id
        chapter = self.library.add_chapter(self.novel.id, title, after=after)
        self._chapters_changed()
        return chapter

    def remove_empty_chapter(self, chapter: Chapter) -> bool:
        """Delete a chapter that is still empty (the editor has let go of it); whether it was removed."""
        try:
            return self.library.remove_empty_chapter(chapter.id)
        finally:
            self._chapters_changed()

    def chapters_before(self, chapter_id: int | None) -> list[Chapter]:
        """The chapters up to and including `chapter_id`, the one in the editor as it is now (all of them
        when it is not one of the novel's)."""
        chapters = self.chapters_now()
        ids = [c.id for c in chapters]
        return chapters[: ids.index(chapter_id) + 1] if chapter_id in ids else chapters

    def rename_chapter(self, chapter: Chapter, title: str) -> None:
        try:
            self.library.rename_chapter(chapter.id, title)
        finally:
            self._chapters_changed()

    def delete_chapter(self, chapter: Chapter) -> None:
        """Move a chapter to the trash (the editor has let go of it); a novel always keeps one to write in."""
        try:
            self.library.delete_chapter(chapter.id)
            if not self.library.chapters(self.novel.id):
                self.library.add_chapter(self.novel.id, "Chapter 1")
        finally:
            self._chapters_changed()

    def in_place_of(self, chapter: Chapter) -> Chapter | None:
        """The chapter to show where a deleted one was: the one that took its place, or the new last one."""
        chapters = self.chapters()
        return chapters[min(chapter.position, len(chapters) - 1)] if chapters else None

    def restore_chapter(self, chapter_id: int) -> Chapter | None:
        """Bring one of the open novel's chapters back from the trash (None: it is not there)."""
        chapter = self.library.restore_chapter(chapter_id)
        if not self.holds(chapter):
            return None
        self._chapters_changed()
        return chapter

    def reorder_chapters(self, ids: list[int]) -> None:
        try:
            self.library.reorder_chapters(self.novel.id, ids)
        finally:
            self.engine_behind()

    def replace_all(self, query: Query, replacement: str) -> dict[int, int]:
        """Replace in every chapter (the editor has let go of its chapter); replacements per chapter."""
        try:
            return replace_in_novel(self.library, self.novel.id, query, replacement)
        finally:
            self._chapters_changed()

    def restore_revision(self, revision_id: int) -> None:
        """An earlier text of a chapter replaces its text (the editor has let go of it; the text replaced is
        kept as a revision)."""
        try:
            self.library.restore_revision(revision_id)
        finally:
            self._chapters_changed()

    # -- novels --------------------------------------------------------------------------------------------
    def rename_novel(self, title: str) -> None:
        try:
            self.library.rename_novel(self.novel.id, title)
        finally:
            self.novel = Novel(self.novel.id, title)

    def import_novel(self, manuscript: Manuscript) -> Novel:
        """A new novel holding an imported manuscript's chapters."""
        return self.library.create_novel(manuscript.title, manuscript.chapters)

    def export(self, path: Path, author: str) -> None:
        """Write the open novel as stored (raises ExportProblem)."""
        export_novel(path, self.novel.title, [(c.title, c.text) for c in self.chapters()], author)

    def restore_backup(self, backup: Path) -> Path | None:
        """Replace the library file with a backup (no novel is open); the damaged file kept beside it. On
        failure (OSError, ValueError) the library is opened again as it was."""
        path = self.library.path
        self.library.close()
        try:
            return restore_backup(path, backup)
        finally:
            self.library = Library(path)
            self._other_words = None  # every chapter may differ now
