"""Backups of the library: rotated copies (daily and on close), checked, restorable from the app.

A backup is a consistent SQLite copy made with SQLite's online backup API (never a raw file copy of a
database in use). Restoring keeps the damaged file beside the library, so nothing is thrown away.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import sqlite3
from pathlib import Path

from engine.paths import private_dir, written_atomically

log = logging.getLogger(__name__)

BACKUPS_KEPT = 10


def backup_dir(library: Path) -> Path:
    return private_dir(library.parent / "backups")


def backups(library: Path) -> list[Path]:
    """The library's backups, newest first."""
    folder = library.parent / "backups"
    return sorted(folder.glob("library-*.db"), reverse=True) if folder.exists() else []


def is_healthy(path: Path) -> bool:
    """Whether SQLite finds the file a sound database."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.Error:
        return False


def make_backup(library: Path, reason: str) -> Path:
    """Copy the library into backups/library-<UTC time>-<reason>.db and keep the newest BACKUPS_KEPT."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%f")
    target = backup_dir(library) / f"library-{stamp}-{reason}.db"
    with written_atomically(target) as partial:
        source = sqlite3.connect(library)
        try:
            dest = sqlite3.connect(partial)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
    for old in backups(library)[BACKUPS_KEPT:]:
        old.unlink(missing_ok=True)
    return target


def backed_up_today(library: Path) -> bool:
    today = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d")
    return any(p.name.startswith(f"library-{today}") for p in backups(library))


def restore_backup(library: Path, backup: Path) -> Path | None:
    """Put `backup` in the library's place; the file it replaces is kept as library.db.damaged-<time>."""
    if not is_healthy(backup):
        raise ValueError(f"the backup {backup.name} is damaged too")
    kept = None
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    if library.exists():
        kept = library.with_name(f"{library.name}.damaged-{stamp}")
        os.replace(library, kept)
    for suffix in ("-wal", "-shm"):  # belong to the damaged file, never to the backup
        Path(f"{library}{suffix}").unlink(missing_ok=True)
    with written_atomically(library) as partial:
        shutil.copyfile(backup, partial)
    return kept
