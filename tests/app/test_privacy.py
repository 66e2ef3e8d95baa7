"""Security and privacy: no sockets, owner-only files, nothing of a manuscript outside Longform's folders,
no unpickling of model or adapter files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from app.main_window import MainWindow
from app.settings import Settings
from app.storage import Library
from tests.conftest import SAMPLE_TEXT

pytestmark = pytest.mark.slow


def inet_socket_inodes() -> set[str]:
    """Every TCP/UDP socket on this machine (any state), by inode."""
    inodes = set()
    for table in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6"):
        path = Path("/proc/net") / table
        if path.exists():
            for row in path.read_text().splitlines()[1:]:
                inodes.add(row.split()[9])
    return inodes


def socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def files_containing(roots: list[Path], marker: bytes, since: float, skip: Path) -> list[Path]:
    hits = []
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not Path(folder, d).is_relative_to(skip) and d != "proc"]
            for name in names:
                path = Path(folder, name)
                try:
                    st = path.stat()
                    if st.st_mtime >= since and st.st_size < 50_000_000 and marker in path.read_bytes():
                        hits.append(path)
                except OSError:
                    continue
    return hits


def test_a_session_opens_no_socket_keeps_files_private_and_leaves_no_manuscript_behind(
    qtbot, home_with_model_cache
):
    started = time.time() - 1
    marker = f"Marker{uuid.uuid4().hex}"
    library = Library()
    window = MainWindow(library, Settings(threads=2, suggestion_words=12))
    qtbot.addWidget(window)
    window.start_engine()
    text = SAMPLE_TEXT.read_text().replace("Sir Walter Elliot", f"Sir Walter {marker}")
    novel = library.create_novel(marker, [("One", text)])
    window.open_novel(novel.id)
    qtbot.waitUntil(lambda: window.panel.version.text() == "Adapter version 1", timeout=240_000)
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    window.continue_text()
    qtbot.waitUntil(lambda: window.suggestions.generation is None, timeout=120_000)

    engine = window.client.pid()
    inet = inet_socket_inodes()
    assert not socket_inodes(engine) & inet, "the engine has a network socket"
    assert not socket_inodes(os.getpid()) & inet, "the app has a network socket"

    home = home_with_model_cache
    assert mode(home / "data") == 0o700 and mode(home / "data" / "library.db") == 0o600
    assert all(mode(p) == 0o600 for p in (home / "data").glob("library.db-*"))
    session = home / "cache" / "sessions" / f"session-{engine}"
    assert mode(session) == 0o700 and [mode(p) for p in session.iterdir()] == [0o600]
    window.close()
    assert all(mode(p) == 0o600 for p in (home / "data" / "backups").iterdir())
    assert mode(home / "config" / "settings.json") == 0o600 and mode(home / "config") == 0o700

    roots = [Path("/tmp"), Path("/var/tmp"), Path.home(), Path("/dev/shm")]
    control = Path("/tmp") / f"longform-scan-control-{os.getpid()}"
    control.write_text(marker)  # the scan must find a file it is meant to find
    try:
        assert files_containing([Path("/tmp")], marker.encode(), started, skip=home) == [control]
    finally:
        control.unlink()
    leaks = files_containing(roots, marker.encode(), started, skip=home)
    assert leaks == [], f"manuscript text written outside Longform's folders: {leaks}"


def test_models_and_adapters_are_never_unpickled(home_with_model_cache, tmp_path):
    probe = f"""
import pickle, torch, transformers, peft, safetensors
def refuse(*args, **kwargs):
    raise RuntimeError("something tried to unpickle")
pickle.load = pickle.loads = torch.load = refuse
from engine.config import TempLoraConfig
from engine.runtime import LoadedModel
model = LoadedModel("default", TempLoraConfig(chunk_tokens=128), threads=2)
tokens = model.tokens(open({str(SAMPLE_TEXT)!r}).read())[:256]
model.trainer.add_adapter("d")
model.trainer.train_chunk("d", tokens[:0], tokens[:128])
path = model.export("d", __import__("pathlib").Path({str(tmp_path / "a.gguf")!r}))
model.generator.set_adapter(path)
from engine.generate import Sampling
print("ok", isinstance(model.generator.continue_text("Anne", 4, Sampling()), str))
"""
    env = {**os.environ, "LONGFORM_HOME": str(home_with_model_cache)}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok True"
