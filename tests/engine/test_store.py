"""The adapter store: adapters live only in the engine's session folder and never outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from engine import paths
from engine.store import AdapterStore, remove_stale_sessions, sessions_dir


def test_session_folder_is_private_and_under_the_cache_dir(longform_home):
    store = AdapterStore()
    assert store.folder == paths.cache_dir() / "sessions" / f"session-{os.getpid()}"
    assert str(store.folder).startswith(str(longform_home))
    assert (store.folder.stat().st_mode & 0o777) == 0o700
    store.close()


def test_each_document_gets_its_own_adapter_file():
    store = AdapterStore()
    a, b = store.path_for("chapter one"), store.path_for("chapter/one")
    assert a != b and a.parent == b.parent == store.folder
    assert a.suffix == ".gguf"
    store.close()


def test_close_document_deletes_only_its_adapter():
    store = AdapterStore()
    store.path_for("a").write_bytes(b"x")
    store.path_for("b").write_bytes(b"y")
    store.delete("a")
    assert not store.path_for("a").exists()
    assert store.path_for("b").exists()
    store.close()
    assert not store.folder.exists()


def test_stale_folder_of_a_dead_process_is_removed_at_start():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = sessions_dir() / f"session-{dead.pid}"
    stale.mkdir(parents=True)
    (stale / "doc.gguf").write_bytes(b"old adapter")
    store = AdapterStore()  # a new engine starting
    assert not stale.exists()
    assert store.folder.exists()
    store.close()


def _engine_like_child(code: str) -> subprocess.Popen:
    """A Python child process named like an engine, holding an AdapterStore with one adapter."""
    script = textwrap.dedent(
        """
        import sys, time
        from engine.store import AdapterStore
        store = AdapterStore()
        store.path_for("doc").write_bytes(b"adapter")
        print(store.folder, flush=True)
        """
    ) + textwrap.dedent(code)
    return subprocess.Popen(
        [sys.executable, "-c", script, "engine-test"],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def test_folder_of_a_live_engine_is_kept_and_removed_once_it_is_dead():
    child = _engine_like_child("time.sleep(60)")
    folder = Path(child.stdout.readline().strip())
    try:
        assert remove_stale_sessions() == []  # another engine starting, while this one runs
        assert list(folder.glob("doc-*.gguf"))  # its adapter is still there
    finally:
        child.kill()
        child.wait(timeout=30)
    assert remove_stale_sessions() == [folder]
    assert not folder.exists()


def test_a_process_named_like_an_engine_does_not_keep_a_folder_it_does_not_hold():
    """A recycled pid may belong to any process, whatever its name; only the lock proves an engine."""
    impostor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "longform-engine"])
    try:
        stale = sessions_dir() / f"session-{impostor.pid}"
        stale.mkdir(parents=True)
        (stale / "doc.gguf").write_bytes(b"old adapter")
        assert remove_stale_sessions() == [stale]
        assert not stale.exists()
    finally:
        impostor.kill()
        impostor.wait(timeout=30)


def test_two_stores_in_one_process_share_its_folder():
    first, second = AdapterStore(), AdapterStore()
    assert first.folder == second.folder
    assert remove_stale_sessions() == []
    second.close()
    first.close()
    assert not first.folder.exists()


def test_adapter_files_are_gone_after_a_normal_exit():
    child = _engine_like_child("")
    folder = child.stdout.readline().strip()
    assert child.wait(timeout=30) == 0
    assert not os.path.exists(folder)


def test_adapter_files_are_gone_after_sigterm():
    child = _engine_like_child("time.sleep(60)")
    folder = child.stdout.readline().strip()
    assert os.path.exists(folder)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == -signal.SIGTERM  # still dies of the signal, as the sender expects
    assert not os.path.exists(folder)


def test_adapter_files_are_gone_after_sighup():
    """A terminal or an ssh session with a terminal that goes away sends SIGHUP (app/remote_engine.py)."""
    child = _engine_like_child("time.sleep(60)")
    folder = child.stdout.readline().strip()
    assert os.path.exists(folder)
    child.send_signal(signal.SIGHUP)
    assert child.wait(timeout=30) == -signal.SIGHUP
    assert not os.path.exists(folder)


def test_adapter_files_are_gone_after_sigint():
    child = _engine_like_child("time.sleep(60)")
    folder = child.stdout.readline().strip()
    time.sleep(0.2)
    child.send_signal(signal.SIGINT)
    child.wait(timeout=30)
    assert not os.path.exists(folder)


def test_kill_9_leaves_the_folder_and_the_next_start_removes_it():
    child = _engine_like_child("time.sleep(60)")
    folder = child.stdout.readline().strip()
    child.kill()
    child.wait(timeout=30)
    assert os.path.exists(folder)
    AdapterStore().close()
    assert not os.path.exists(folder)
