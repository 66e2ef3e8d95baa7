"""The library: novels, their ordered chapters and chapter revisions, in SQLite (sqlite-utils, WAL).

Every change is one transaction, so a crash or a kill leaves either the old or the new state. Schema changes
are numbered migrations (MIGRATIONS); a database from any earlier version is brought forward on open.
Deleting a chapter or a novel moves it to the trash (`deleted_at` is set); it can be restored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from engine.paths import data_dir, private_dir

log = logging.getLogger(__name__)

MIGRATIONS = Migrations("longform-library")
_NOVEL = "SELECT id, title, deleted_at FROM novels"
_CHAPTER = "SELECT id, novel_id, position, title, text, deleted_at FROM chapters"
_INSERT_CHAPTER = "INSERT INTO chapters (novel_id, position, title, text, updated) VALUES (?, ?, ?, ?, ?)"
REVISION_EVERY_SECONDS = 300  # autosave keeps at most one revision per chapter per five minutes


@MIGRATIONS(name="0001_novels_chapters_revisions")
def _m0001(db: sqlite_utils.Database) -> None:
    db["novels"].create({"id": int, "title": str, "created": float, "updated": float}, pk="id")
    db["chapters"].create(
        {"id": int, "novel_id": int, "position": int, "title": str, "text": str, "updated": float},
        pk="id",
        foreign_keys=[("novel_id", "novels", "id")],
    )
    db["chapters"].create_index(["novel_id", "position"])
    db["revisions"].create(
        {"id": int, "chapter_id": int, "text": str, "created": float},
        pk="id",
        foreign_keys=[("chapter_id", "chapters", "id")],
    )
    db["revisions"].create_index(["chapter_id", "created"])


@MIGRATIONS(name="0002_trash")
def _m0002(db: sqlite_utils.Database) -> None:
    # NULL: in the novel; a time: in the trash since then. A trashed chapter keeps its old position, so it
    # goes back about where it was.
    db["novels"].add_column("deleted_at", float)
    db["chapters"].add_column("deleted_at", float)


@MIGRATIONS(name="0003_novel_words")
def _m0003(db: sqlite_utils.Database) -> None:
    # A novel's own dictionary for the spell check: the names of its characters and places.
    db["novel_words"].create(
        {"novel_id": int, "word": str}, pk=("novel_id", "word"), foreign_keys=[("novel_id", "novels", "id")]
    )


class StorageError(Exception):
    """The library cannot be read or written (full disk, unreadable file); the message says what to do."""


class LibraryDamaged(StorageError):
    """The library file is not a sound SQLite database (truncated, overwritten, corrupted)."""


@dataclass(frozen=True)
class Novel:
    id: int
    title: str
    deleted_at: float | None = None  # when it was moved to the trash


@dataclass(frozen=True)
class Chapter:
    id: int
    novel_id: int
    position: int
    title: str
    text: str
    deleted_at: float | None = None  # when it was moved to the trash


@dataclass(frozen=True)
class Revision:
    id: int
    chapter_id: int
    text: str
    created: float


def library_path() -> Path:
    """The library database in the user's data folder."""
    return private_dir(data_dir()) / "library.db"


def _explain(e: sqlite3.Error) -> StorageError:
    text = str(e).lower()
    if "full" in text:
        return StorageError(
            "The disk is full: your last changes could not be saved. Free some space; "
            "Longform keeps trying and nothing already saved is lost."
        )
    if "not a database" in text or "malformed" in text:
        return LibraryDamaged(f"The library file is damaged ({e}).")
    return StorageError(f"The library could not be saved or read: {e}")


class Library:
    """The writer's novels in one SQLite file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or library_path()
        try:
            # Owner-only from the first byte: SQLite gives its -wal and -shm files the database's mode.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            os.chmod(self.path, 0o600)
            self.db = sqlite_utils.Database(self.path)
            check = self.db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                self.db.close()
                raise LibraryDamaged(f"The library file is damaged ({check}).")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.enable_wal()
            MIGRATIONS.apply(self.db)
        except sqlite3.Error as e:
            raise _explain(e) from None
        except OSError as e:
            raise StorageError(f"The library {self.path} cannot be opened: {e.strerror or e}") from None

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def _atomic(self):
        """One transaction; a SQLite failure becomes a StorageError that says what to do."""
        try:
            # sqlite-utils opens its connection in autocommit mode, where `with conn:` begins nothing:
            # atomic() issues BEGIN (a savepoint when nested), so a change of several statements is one.
            with self.db.atomic():
                yield
        except sqlite3.Error as e:
            raise _explain(e) from None

    def _write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self._atomic():
            return self.db.execute(sql, params)

    # -- novels --------------------------------------------------------------------------------------------
    def novels(self) -> list[Novel]:
        """Every novel not in the trash, most recently changed first."""
        rows = self.db.execute(f"{_NOVEL} WHERE deleted_at IS NULL ORDER BY updated DESC, id DESC").fetchall()
        return [Novel(*row) for row in rows]

    def novel(self, novel_id: int) -> Novel | None:
        """A novel, unless it is in the trash."""
        row = self.db.execute(f"{_NOVEL} WHERE id = ? AND deleted_at IS NULL", [novel_id]).fetchone()
        return Novel(*row) if row else None

    def create_novel(self, title: str, chapters: list[tuple[str, str]] | None = None) -> Novel:
        """A new novel, with its chapters ((title, text) pairs) when it comes from an import."""
        now = time.time()
        with self._atomic():
            cur = self.db.execute(
                "INSERT INTO novels (title, created, updated) VALUES (?, ?, ?)", (title, now, now)
            )
            novel_id = cur.lastrowid
            for position, (chapter_title, text) in enumerate(chapters or [("Chapter 1", "")]):
                self.db.execute(
                    _INSERT_CHAPTER,
                    (novel_id, position, chapter_title, text, now),
                )
        return Novel(novel_id, title)

    def rename_novel(self, novel_id: int, title: str) -> None:
        self._write("UPDATE novels SET title = ?, updated = ? WHERE id = ?", (title, time.time(), novel_id))

    def delete_novel(self, novel_id: int) -> None:
        """Move a novel, with its chapters and revisions, to the trash."""
        self._write(
            "UPDATE novels SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", (time.time(), novel_id)
        )

    def trashed_novels(self) -> list[Novel]:
        """The novels in the trash, most recently deleted first."""
        rows = self.db.execute(
            f"{_NOVEL} WHERE deleted_at IS NOT NULL ORDER BY deleted_at DESC, id DESC"
        ).fetchall()
        return [Novel(*row) for row in rows]

    def restore_novel(self, novel_id: int) -> Novel | None:
        """Bring a novel back from the trash, as it was (None: no such novel in the trash)."""
        with self._atomic():
            cur = self.db.execute(
                "UPDATE novels SET deleted_at = NULL, updated = ? WHERE id = ? AND deleted_at IS NOT NULL",
                (time.time(), novel_id),
            )
        return self.novel(novel_id) if cur.rowcount else None

    def novel_words(self, novel_id: int) -> list[str]:
        """The words the writer added to this novel's dictionary."""
        rows = self.db.execute("SELECT word FROM novel_words WHERE novel_id = ? ORDER BY word", [novel_id])
        return [row[0] for row in rows.fetchall()]

    def add_novel_word(self, novel_id: int, word: str) -> None:
        self._write("INSERT OR IGNORE INTO novel_words (novel_id, word) VALUES (?, ?)", (novel_id, word))

    # -- chapters ------------------------------------------------------------------------------------------
    def chapters(self, novel_id: int) -> list[Chapter]:
        """The novel's chapters in reading order (not those in the trash)."""
        rows = self.db.execute(
            f"{_CHAPTER} WHERE novel_id = ? AND deleted_at IS NULL ORDER BY position, id", [novel_id]
        ).fetchall()
        return [Chapter(*row) for row in rows]

    def chapter(self, chapter_id: int) -> Chapter | None:
        """A chapter, unless it is in the trash."""
        row = self.db.execute(f"{_CHAPTER} WHERE id = ? AND deleted_at IS NULL", [chapter_id]).fetchone()
        return Chapter(*row) if row else None

    def add_chapter(self, novel_id: int, title: str, text: str = "", after: int | None = None) -> Chapter:
        """A new chapter after chapter `after` (None: at the end)."""
        ids = [c.id for c in self.chapters(novel_id)]
        position = ids.index(after) + 1 if after in ids else len(ids)
        now = time.time()
        with self._atomic():
            self.db.execute(
                "UPDATE chapters SET position = position + 1 WHERE novel_id = ? AND position >= ?",
                (novel_id, position),
            )
            cur = self.db.execute(
                _INSERT_CHAPTER,
                (novel_id, position, title, text, now),
            )
            self._touch(novel_id, now)
        return self.chapter(cur.lastrowid)

    def remove_empty_chapter(self, chapter_id: int) -> bool:
        """Delete a chapter outright if it holds no text and no revisions (one added for a suggestion the
        writer did not keep); whether it was removed. The emptiness is checked in the same statement."""
        chapter = self.chapter(chapter_id)
        if chapter is None:
            return False
        now = time.time()
        with self._atomic():
            cur = self.db.execute(
                "DELETE FROM chapters WHERE id = ? AND text = '' AND deleted_at IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM revisions WHERE chapter_id = ?)",
                (chapter_id, chapter_id),
            )
            if cur.rowcount:
                self.db.execute(
                    "UPDATE chapters SET position = position - 1"
                    " WHERE novel_id = ? AND position > ? AND deleted_at IS NULL",
                    (chapter.novel_id, chapter.position),
                )
                self._touch(chapter.novel_id, now)
        return bool(cur.rowcount)

    def rename_chapter(self, chapter_id: int, title: str) -> None:
        self._write("UPDATE chapters SET title = ? WHERE id = ?", (title, chapter_id))

    def reorder_chapters(self, novel_id: int, chapter_ids: list[int]) -> None:
        """Put the novel's chapters in the order given (every chapter id exactly once)."""
        if sorted(chapter_ids) != sorted(c.id for c in self.chapters(novel_id)):
            raise ValueError("the new order must name every chapter of the novel once")
        with self._atomic():
            for position, chapter_id in enumerate(chapter_ids):
                self.db.execute("UPDATE chapters SET position = ? WHERE id = ?", (position, chapter_id))

    def delete_chapter(self, chapter_id: int) -> None:
        """Move a chapter, with its revisions, to the trash; the others keep their order."""
        chapter = self.chapter(chapter_id)
        if chapter is None:
            return
        now = time.time()
        with self._atomic():
            self.db.execute("UPDATE chapters SET deleted_at = ? WHERE id = ?", (now, chapter_id))
            self.db.execute(
                "UPDATE chapters SET position = position - 1"
                " WHERE novel_id = ? AND position > ? AND deleted_at IS NULL",
                (chapter.novel_id, chapter.position),
            )
            self._touch(chapter.novel_id, now)

    def trashed_chapters(self, novel_id: int) -> list[Chapter]:
        """The novel's chapters in the trash, most recently deleted first."""
        rows = self.db.execute(
            f"{_CHAPTER} WHERE novel_id = ? AND deleted_at IS NOT NULL ORDER BY deleted_at DESC, id DESC",
            [novel_id],
        ).fetchall()
        return [Chapter(*row) for row in rows]

    def restore_chapter(self, chapter_id: int) -> Chapter | None:
        """Bring a chapter back from the trash, where it was (None: no such chapter in the trash)."""
        row = self.db.execute(
            "SELECT novel_id, position FROM chapters WHERE id = ? AND deleted_at IS NOT NULL", [chapter_id]
        ).fetchone()
        if row is None:
            return None
        novel_id, position = row[0], min(row[1], len(self.chapters(row[0])))
        now = time.time()
        with self._atomic():
            self.db.execute(
                "UPDATE chapters SET position = position + 1"
                " WHERE novel_id = ? AND position >= ? AND deleted_at IS NULL",
                (novel_id, position),
            )
            self.db.execute(
                "UPDATE chapters SET deleted_at = NULL, position = ? WHERE id = ?", (position, chapter_id)
            )
            self._touch(novel_id, now)
        return self.chapter(chapter_id)

    def save_text(self, chapter_id: int, text: str, keep_revision: bool = False) -> bool:
        """Save a chapter's text (autosave); returns whether it changed.

        The text it replaces becomes a revision when `keep_revision` is set or the chapter's newest revision
        is older than REVISION_EVERY_SECONDS, so the writer can go back without every keystroke being kept.
        """
        chapter = self.chapter(chapter_id)
        if chapter is None:
            # The window saves only the chapter it shows; one in the trash or gone is a programming error.
            raise ValueError(f"chapter {chapter_id} is not in the library")
        if chapter.text == text:
            return False
        now = time.time()
        newest = self.db.execute(
            "SELECT MAX(created) FROM revisions WHERE chapter_id = ?", [chapter_id]
        ).fetchone()[0]
        with self._atomic():
            if chapter.text and (keep_revision or newest is None or now - newest > REVISION_EVERY_SECONDS):
                self.db.execute(
                    "INSERT INTO revisions (chapter_id, text, created) VALUES (?, ?, ?)",
                    (chapter_id, chapter.text, now),
                )
            self.db.execute("UPDATE chapters SET text = ?, updated = ? WHERE id = ?", (text, now, chapter_id))
            self._touch(chapter.novel_id, now)
        return True

    def _touch(self, novel_id: int, now: float) -> None:
        self.db.execute("UPDATE novels SET updated = ? WHERE id = ?", (now, novel_id))

    # -- revisions -----------------------------------------------------------------------------------------
    def revisions(self, chapter_id: int) -> list[Revision]:
        """Earlier texts of a chapter, newest first."""
        rows = self.db.execute(
            "SELECT id, chapter_id, text, created FROM revisions WHERE chapter_id = ?"
            " ORDER BY created DESC, id DESC",
            [chapter_id],
        ).fetchall()
        return [Revision(*row) for row in rows]

    def restore_revision(self, revision_id: int) -> Chapter:
        """Bring back an earlier text; the text it replaces is kept as a revision."""
        row = self.db.execute("SELECT chapter_id, text FROM revisions WHERE id = ?", [revision_id]).fetchone()
        if row is None:
            raise ValueError(f"no revision {revision_id}")
        self.save_text(row[0], row[1], keep_revision=True)
        return self.chapter(row[0])

    # -- the manuscript as the engine sees it --------------------------------------------------------------
    def manuscript(self, novel_id: int) -> str:
        """The whole novel as one text: each chapter's title, then its text."""
        return join_chapters(self.chapters(novel_id))


def join_chapters(chapters: list[Chapter], upto: tuple[int, int] | None = None) -> str:
    """Chapters as one text; with `upto` = (chapter id, offset), only the text before that point."""
    parts = []
    for c in chapters:
        if upto and c.id == upto[0]:
            parts.append(f"{c.title}\n\n{c.text[: upto[1]]}")
            return "\n\n".join(parts)
        parts.append(f"{c.title}\n\n{c.text}".rstrip())
    return "\n\n".join(parts)
