"""An outline of two chapters with the real engine process, the embedded model and real training: the
second chapter is asked for only once the engine has learned the first, which the writer accepted."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from app.book_progress import chapter_learning
from app.main_window import MainWindow
from app.outline import parse_outline
from app.settings import Settings
from app.storage import Library
from engine.protocol import Absorption
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

OUTLINE = "#\nEmma walked to Hartfield with Miss Taylor\n# (60 words)\nMr. Knightley called in the evening"


def small_emma(path):
    """The openings of Emma's first two chapters (about 900 words), headed as the book heads them."""
    lines = (CORPUS / "emma.txt").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[11:60], "", "", *lines[339:375]]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def window(qtbot, home_with_model_cache):
    w = MainWindow(Library(), Settings(threads=2))
    qtbot.addWidget(w)
    w.start_engine()
    yield w
    w.close()


def test_an_outline_writes_its_second_chapter_only_after_the_engine_learned_the_first(
    window, qtbot, tmp_path
):
    window.import_manuscript(small_emma(tmp_path / "Emma.txt"))
    assert [c.title for c in window.session.chapters()] == ["CHAPTER I", "CHAPTER II"]
    window.show_chapter(window.tree.chapter_ids()[-1])
    doc = window.session.engine_doc
    absorbed: list[tuple[float, int]] = []  # (when, adapter version) of each absorption event
    window.client.event.connect(
        lambda e: (
            absorbed.append((time.monotonic(), e.adapter_version)) if isinstance(e, Absorption) else None
        )
    )
    asked: list[tuple] = []  # (when, how far chapter 1 was learned then, learnable tokens) per chapter
    send = window.client.send

    def recording_send(kind, **fields):
        if kind == "generate_chapter":
            chapters = window.session.chapters()
            first = next((i for i, c in enumerate(chapters) if c.title == "CHAPTER III"), None)
            progress = window.client.session.documents.get(doc)
            state = chapter_learning(progress, chapters, first + 1) if first and progress else None
            asked.append((time.monotonic(), state, progress.learnable_tokens if progress else None))
        return send(kind, **fields)

    window.client.send = recording_send
    qtbot.waitUntil(lambda: doc in window.client.session.documents, timeout=120_000)

    window.write_outline(parse_outline(OUTLINE, 150))
    qtbot.waitUntil(lambda: window.suggestions.generation is None, timeout=120_000)
    first = window.chapter_id
    written = window.editor.suggestion.text
    assert len(written.split()) > 60 and window.library.chapter(first).text == ""
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    accepted_at = time.monotonic()
    assert window.library.chapter(first).text == written and len(asked) == 1
    assert "to be learned" in window.outline_label.text()

    qtbot.waitUntil(lambda: len(asked) == 2, timeout=180_000)
    asked_at, state, _ = asked[1]
    assert state is not None and state.learned  # every complete chunk of chapter 1 learned by then…
    assert any(accepted_at < t < asked_at for t, _ in absorbed)  # …as the engine reported after the accept
    # Not vacuous: part of chapter 1 was held by complete chunks (only its tail, under a chunk, waits).
    assert state.percent == 100 and state.waiting_words < len(written.split())
    qtbot.waitUntil(lambda: window.suggestions.generation is None, timeout=120_000)
    assert window.editor.suggestion.text.strip()
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)

    chapters = window.library.chapters(window.novel.id)
    assert [c.title for c in chapters] == ["CHAPTER I", "CHAPTER II", "CHAPTER III", "CHAPTER IV"]
    assert chapters[2].text == written and chapters[3].text.strip()
    assert not window.outline.running
