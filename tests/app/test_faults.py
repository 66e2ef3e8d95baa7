"""Faults caused on purpose: the app killed while typing and saving, a full disk while saving."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.main_window import MainWindow
from app.settings import Settings
from app.storage import Library

ROOT = Path(__file__).resolve().parents[2]


class Typist:
    """tests/app/typist.py as a real process: what it typed and saved, with the time each line arrived."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.app.typist"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        self.typed: list[tuple[float, int]] = []
        self.saved: list[tuple[float, int]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            kind, n = line.split()
            (self.typed if kind == "typed" else self.saved).append((time.monotonic(), int(n)))


def words(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"w(\d+)", text)]


@pytest.mark.slow
def test_kill_9_while_typing_and_saving_loses_at_most_the_last_two_seconds():
    rng = random.Random(7)
    for _ in range(5):
        typist = Typist()
        time.sleep(rng.uniform(2.0, 6.0))
        typist.proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        typist.proc.wait()
        library = Library()
        assert library.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        novels = library.novels()
        assert len(novels) == 1 and len(library.chapters(novels[0].id)) == 1  # no duplicates
        found = words(library.chapters(novels[0].id)[0].text)
        assert found == list(range(len(found)))  # every word once, in order
        last_saved = max((n for _, n in typist.saved), default=-1)
        assert len(found) - 1 >= last_saved
        old_enough = [n for t, n in typist.typed if killed - t > 2.5]
        assert not old_enough or len(found) - 1 >= max(old_enough)
        library.close()


@pytest.fixture
def small_disk(longform_home):
    """The data folder on a 1 MB tmpfs (needs root, as in CI)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    data = longform_home / "data"
    data.mkdir(parents=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(data)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    yield data
    subprocess.run(["umount", "-l", str(data)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


@pytest.mark.slow
def test_full_disk_while_saving_keeps_the_saved_state_and_saves_again_once_freed(small_disk, qtbot):
    library = Library()
    novel = library.create_novel("Emma", [("One", "Saved before the disk filled.")])
    window = MainWindow(library, Settings())
    qtbot.addWidget(window)
    window.open_novel(novel.id)
    chapter = window.chapter_id
    filler = fill(small_disk)

    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, " Written on a full disk." * 400)
    assert not window.save_now()
    assert "disk is full" in window.statusBar().currentMessage()
    assert any("disk is full" in box.text() for box in window.notices)
    assert window.editor.manuscript_text().endswith("Written on a full disk.")  # nothing lost in the editor
    other = Library(library.path)  # the saved state on disk is intact
    assert other.chapter(chapter).text == "Saved before the disk filled."
    assert other.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    other.close()

    filler.unlink()  # the writer frees space; the retry saves without being asked
    qtbot.waitUntil(lambda: library.chapter(chapter).text.endswith("Written on a full disk."), timeout=10_000)
    assert "Saved again" in window.statusBar().currentMessage()
