"""The app with the real engine process and the embedded model: absorb, continue, accept, reject, close."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from app.main_window import MainWindow, engine_doc
from app.settings import Settings
from app.storage import Library
from engine.protocol import Generated
from tests.conftest import SAMPLE_TEXT

pytestmark = pytest.mark.slow


def adapters(home: Path) -> list[Path]:
    return sorted((home / "cache" / "sessions").glob("session-*/*.gguf"))


@pytest.fixture
def window(qtbot, home_with_model_cache):
    library = Library()
    w = MainWindow(library, Settings(suggestion_words=18, threads=2))
    qtbot.addWidget(w)
    w.start_engine()
    yield w
    w.close()


def open_persuasion(w: MainWindow) -> None:
    novel = w.import_manuscript(SAMPLE_TEXT)
    w.show_chapter(w.tree.chapter_ids()[-1])  # "Chapter 1", the one with the prose
    w.editor.moveCursor(w.editor.textCursor().MoveOperation.End)
    assert novel is not None


def suggest(w: MainWindow, qtbot) -> str:
    w.continue_text()
    assert w.suggestions.generation is not None
    qtbot.waitUntil(
        lambda: w.editor.suggestion is not None and bool(w.editor.suggestion.text), timeout=120_000
    )
    qtbot.waitUntil(lambda: w.suggestions.generation is None, timeout=120_000)
    return w.editor.suggestion.text


def test_absorb_continue_accept_reject_and_close(window, qtbot, home_with_model_cache):
    open_persuasion(window)
    qtbot.waitUntil(lambda: window.panel.version.text() == "Adapter version 1", timeout=240_000)
    assert "Adapter version 1" in window.panel.version.text()
    assert len(adapters(home_with_model_cache)) == 1
    chapter = window.chapter_id
    before = window.library.chapter(chapter).text

    first = suggest(window, qtbot)
    assert window.editor.document_text().endswith(first)  # shown in the editor…
    window.save_now()
    assert window.library.chapter(chapter).text == before  # …but not part of the manuscript
    qtbot.keyClick(window.editor, "\t")
    assert window.library.chapter(chapter).text == before + first  # Tab: in the chapter and the library

    accepted = window.library.chapter(chapter).text
    suggest(window, qtbot)
    qtbot.keyClick(window.editor, "\x1b")
    window.save_now()
    assert window.editor.manuscript_text() == accepted == window.editor.document_text()
    assert window.library.chapter(chapter).text == accepted  # Esc: unchanged

    # New chapter with AI: a chapter at the end of the novel, written as a suggestion, accepted with Tab.
    window.new_chapter_with_ai(("Chapter 2", "Anne meets Captain Wentworth again.", 30))
    assert window.library.chapter(window.chapter_id).title == "Chapter 2"
    assert window.tree.chapter_ids()[-1] == window.chapter_id
    qtbot.waitUntil(lambda: window.suggestions.generation is None, timeout=120_000)
    written = window.editor.suggestion.text
    assert written.strip() and window.library.chapter(window.chapter_id).text == ""
    qtbot.keyClick(window.editor, "\t")
    assert window.library.chapter(window.chapter_id).text == written

    title = window.novel.title
    window.close_novel()
    qtbot.waitUntil(lambda: not adapters(home_with_model_cache), timeout=60_000)
    said = f"“{title}”’s temporary adapter was deleted"  # named: it can come as another novel opens
    qtbot.waitUntil(lambda: said in window.statusBar().currentMessage(), timeout=10_000)


def test_a_killed_engine_is_restarted_and_the_novel_reopened(window, qtbot, home_with_model_cache):
    open_persuasion(window)
    qtbot.waitUntil(lambda: window.client.state in ("absorbing", "idle"), timeout=120_000)
    qtbot.keyClicks(window.editor, " Anne walked out.")
    first_pid = window.client.pid()
    os.kill(first_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.client.pid() not in (None, first_pid), timeout=30_000)
    doc = engine_doc(window.novel.id)
    qtbot.waitUntil(lambda: window.client.session.documents.get(doc) is not None, timeout=120_000)
    assert window.editor.manuscript_text().endswith("Anne walked out.")
    window.save_now()
    assert window.library.chapter(window.chapter_id).text.endswith("Anne walked out.")
    # The next engine start removes the dead engine's adapter folder.
    dead = home_with_model_cache / "cache" / "sessions" / f"session-{first_pid}"
    qtbot.waitUntil(lambda: not dead.exists(), timeout=30_000)


def test_a_corrupt_model_file_leads_to_a_dialog_not_a_crash(qtbot, home_with_model_cache, tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    library = Library()
    w = MainWindow(library, Settings(model=str(bad), threads=2))
    qtbot.addWidget(w)
    w.start_engine()
    qtbot.waitUntil(lambda: w.client.state == "error", timeout=120_000)
    box = w.engine_failure_box
    assert box.isVisible() and "could not start" in box.text() and "broken.gguf" in box.text()
    use_default = next(b for b in box.buttons() if b.text() == "Use the default model")
    use_default.click()
    qtbot.waitUntil(lambda: w.client.state in ("idle", "absorbing"), timeout=120_000)
    assert w.settings.model == "default"
    w.close()


def test_the_first_words_show_as_soon_as_the_engine_writes_them(window, qtbot):
    """Ctrl+Enter after an accept: the app's time to the first shown text against the engine's own."""
    import time

    open_persuasion(window)
    qtbot.waitUntil(lambda: window.client.state in ("absorbing", "idle"), timeout=120_000)
    suggest(window, qtbot)  # a cold window
    qtbot.keyClick(window.editor, "\t")

    shown: list[float] = []
    done: list[Generated] = []

    def on_change(*_):
        if not shown and window.editor.suggestion is not None and window.editor.suggestion.text:
            shown.append(time.perf_counter())

    window.editor.document().contentsChange.connect(on_change)
    window.client.event.connect(lambda e: done.append(e) if isinstance(e, Generated) else None)
    pressed = time.perf_counter()
    window.continue_text()
    qtbot.waitUntil(lambda: bool(done), timeout=120_000)
    app_seconds = shown[0] - pressed
    engine_seconds = done[0].first_token_seconds
    assert done[0].prompt_tokens_evaluated <= 3  # the accepted suggestion was already in the cache
    assert app_seconds <= engine_seconds + 0.1, (app_seconds, engine_seconds)


def test_a_sentence_typed_in_a_learned_chapter_relearns_that_chapter_only(window, qtbot):
    prose = SAMPLE_TEXT.read_text().split("\n\n")
    third = len(prose) // 3
    parts = [
        "\n\n".join(prose[:third]),
        "\n\n".join(prose[third : 2 * third]),
        "\n\n".join(prose[2 * third :]),
    ]
    novel = window.library.create_novel("Persuasion", [(f"Chapter {i}", p) for i, p in enumerate(parts, 1)])
    window.open_novel(novel.id)
    doc = engine_doc(novel.id)

    def progress():
        return window.client.session.documents.get(doc)

    qtbot.waitUntil(
        lambda: progress() is not None and 0 < progress().chunks_total == progress().chunks_absorbed,
        timeout=240_000,
    )
    version = progress().adapter_version
    window.show_chapter(window.tree.chapter_ids()[1])
    cursor = window.editor.textCursor()
    cursor.setPosition(window.editor.document_text().index(". ", len(parts[1]) // 2) + 2)
    window.editor.setTextCursor(cursor)
    qtbot.keyClicks(window.editor, "Anne said nothing to her sister. ")
    seen = []
    qtbot.waitUntil(
        lambda: seen.append(window.panel.summary.text()) or "Re-learning Chapter 2" in seen[-1],
        timeout=30_000,
    )
    assert "after the edit" in seen[-1]
    qtbot.waitUntil(lambda: progress().chunks_absorbed == progress().chunks_total, timeout=60_000)
    assert progress().adapter_version - version <= 3  # the edited chunk (or two), not the chapters after it
    assert progress().unlearned == []
