"""Backups, recovery from a damaged library, and one app per library."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.backup import BACKUPS_KEPT, backups, is_healthy, make_backup
from app.lock import LibraryInUse, LibraryLock
from app.main import build_window
from app.storage import Library, LibraryDamaged, library_path


def library_with_a_novel(text: str = "Emma Woodhouse.") -> Library:
    library = Library()
    library.create_novel("Emma", [("One", text)])
    return library


def test_backups_are_sound_copies_and_rotated():
    library = library_with_a_novel()
    made = [make_backup(library.path, "test") for _ in range(BACKUPS_KEPT + 3)]
    kept = backups(library.path)
    assert len(kept) == BACKUPS_KEPT and kept[0] == made[-1]
    assert all(is_healthy(p) for p in kept) and kept[0].stat().st_mode & 0o777 == 0o600
    copy = Library(kept[0])
    assert copy.chapters(copy.novels()[0].id)[0].text == "Emma Woodhouse."
    copy.close()
    library.close()


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_a_damaged_library_is_restored_from_the_newest_backup(qtbot, damage):
    library = library_with_a_novel("Backed up text.")
    make_backup(library.path, "close")
    library.close()
    path = library_path()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if damage == "truncate" else data[:100] + b"\xde\xad" * 4000)
    with pytest.raises(LibraryDamaged):
        Library(path).close()

    window = build_window(QApplication.instance(), start_engine=False)
    qtbot.addWidget(window)
    assert window.editor.manuscript_text() == "Backed up text."
    assert window.library.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert any("restored the newest backup" in box.text() for box in window.notices)
    assert list(path.parent.glob("library.db.damaged-*"))  # the damaged file is kept, not deleted


def test_a_damaged_library_without_backup_is_left_alone_with_a_message(monkeypatch):
    path = library_path()
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    before = path.read_bytes()
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: messages.append(text))
    assert build_window(QApplication.instance(), start_engine=False) is None
    assert "damaged" in messages[0] and "No sound backup" in messages[0]
    assert path.read_bytes() == before


def test_backups_are_restorable_from_the_app(qtbot):
    window = build_window(QApplication.instance(), start_engine=False)
    qtbot.addWidget(window)
    window.editor.set_chapter_text("Version one.")
    window.editor.manuscript_changed.emit()
    window.save_now()
    backup = make_backup(window.library.path, "manual")
    window.editor.set_chapter_text("Version two.")
    window.editor.manuscript_changed.emit()
    window.save_now()
    assert window.restore_from_backup(backup)
    assert window.editor.manuscript_text() == "Version one."


def test_a_second_app_on_the_same_library_is_told_it_is_open(qtbot, monkeypatch):
    first = build_window(QApplication.instance(), start_engine=False)
    qtbot.addWidget(first)
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: messages.append(text))
    assert build_window(QApplication.instance(), start_engine=False) is None
    assert "already open in another Longform window" in messages[0]
    # Another process is refused too, and the library is unharmed.
    probe = (
        "from app.lock import LibraryLock; from app.storage import library_path; LibraryLock(library_path())"
    )
    other = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert other.returncode != 0 and "LibraryInUse" in other.stderr
    assert first.library.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    first.close()
    LibraryLock(library_path()).release()  # free once the first app has closed


def test_the_lock_is_released_when_its_process_dies():
    library_path()  # creates the data folder
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from app.lock import LibraryLock; from app.storage import "
            "library_path; LibraryLock(library_path()); print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(LibraryInUse, match=f"process {holder.pid}"):
        LibraryLock(library_path())
    holder.kill()
    holder.wait()
    LibraryLock(library_path()).release()
