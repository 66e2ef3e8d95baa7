"""The engine killed or its model broken under a running app: the app notices, recovers, loses nothing."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from app.main_window import MainWindow, engine_doc
from app.settings import Settings
from app.storage import Library
from tests.conftest import SAMPLE_TEXT

pytestmark = pytest.mark.slow


def sessions(home: Path) -> Path:
    return home / "cache" / "sessions"


def start_app(qtbot, **settings) -> MainWindow:
    library = Library()
    window = MainWindow(library, Settings(threads=2, suggestion_words=310, **settings))
    qtbot.addWidget(window)
    window.start_engine()
    novel = window.import_manuscript(SAMPLE_TEXT)
    window.show_chapter(window.tree.chapter_ids()[-1])
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    assert novel is not None
    return window


def kill_engine_and_wait_for_the_new_one(window: MainWindow, qtbot) -> int:
    dead = window.client.pid()
    os.kill(dead, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.client.pid() not in (None, dead), timeout=30_000)
    doc = engine_doc(window.novel.id)
    qtbot.waitUntil(lambda: doc in window.client.session.documents, timeout=120_000)  # re-opened
    return dead


def test_kill_during_export_restarts_reopens_and_the_dead_folder_goes(
    qtbot, home_with_model_cache, monkeypatch
):
    monkeypatch.setenv("LONGFORM_FAULT_PAUSE", "export:60")  # the engine holds at the half-written adapter
    window = start_app(qtbot)
    text = window.editor.manuscript_text()
    qtbot.waitUntil(
        lambda: any(sessions(home_with_model_cache).glob("session-*/.*.partial")), timeout=240_000
    )
    monkeypatch.delenv("LONGFORM_FAULT_PAUSE")  # the restarted engine exports normally
    dead = kill_engine_and_wait_for_the_new_one(window, qtbot)
    assert window.editor.manuscript_text() == text
    qtbot.waitUntil(
        lambda: not (sessions(home_with_model_cache) / f"session-{dead}").exists(), timeout=30_000
    )
    qtbot.waitUntil(lambda: window.panel.version.text() == "Adapter version 1", timeout=240_000)
    window.close()


def test_kill_during_a_streaming_continuation_keeps_the_text_and_the_partial_suggestion(
    qtbot, home_with_model_cache
):
    window = start_app(qtbot)
    qtbot.waitUntil(lambda: window.continue_action.isEnabled(), timeout=120_000)
    text = window.editor.manuscript_text()
    window.continue_text()
    qtbot.waitUntil(
        lambda: window.editor.suggestion is not None and len(window.editor.suggestion.text) > 20,
        timeout=120_000,
    )
    kill_engine_and_wait_for_the_new_one(window, qtbot)
    assert window.suggestions.generation is None  # the request ended (engine_died) instead of hanging
    assert window.editor.manuscript_text() == text  # the suggestion is still only a suggestion
    window.reject_suggestion()
    assert window.editor.document_text() == text
    window.save_now()
    assert window.library.chapter(window.chapter_id).text == text
    window.close()


def test_model_file_deleted_or_truncated_while_the_engine_runs(qtbot, home_with_model_cache, tmp_path):
    from engine.models import resolve_model

    model = tmp_path / "copy.gguf"
    shutil.copyfile(resolve_model("default"), model)
    window = start_app(qtbot, model=str(model))
    qtbot.waitUntil(lambda: window.continue_action.isEnabled(), timeout=120_000)
    text = window.editor.manuscript_text()

    # Truncated under the running engine: llama.cpp reads it through mmap, so the engine may die (SIGBUS).
    # Either way the app must end up telling the writer, with the text untouched.
    with open(model, "r+b") as f:
        f.truncate(1000)
    window.settings.suggestion_words = 15
    window.continue_text()
    qtbot.waitUntil(lambda: window.suggestions.generation is None, timeout=120_000)
    if window.client.pid():  # it survived the truncation: the next start must read the bad file
        os.kill(window.client.pid(), signal.SIGKILL)
    qtbot.waitUntil(lambda: window.client.state == "error", timeout=120_000)
    assert "could not start" in window.engine_failure_box.text()
    assert window.editor.manuscript_text().startswith(text)

    model.unlink()  # deleted: the same clear refusal, and writing goes on
    window.client.restarts = []
    window.start_engine()
    qtbot.waitUntil(lambda: window.client.state == "error", timeout=120_000)
    assert "copy.gguf" in window.engine_failure_box.text()
    qtbot.keyClicks(window.editor, " Still writing.")
    window.save_now()
    assert window.library.chapter(window.chapter_id).text.endswith("Still writing.")
    window.close()
