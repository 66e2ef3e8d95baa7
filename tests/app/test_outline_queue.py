"""The outline queue and New chapter with AI in the window, on the fake engine: where each chapter goes, what
is asked of the engine and when, and what is left in the library when the writer keeps, rejects or stops.

The fake engine answers an update with the absorption fields a test gives it (`progress_of`), so a test
decides when the accepted chapter counts as learned; token positions are the text's characters at the
book's default characters per token, as app/book_progress.py places them without the engine's count.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app import ai_menu
from app.book_progress import DEFAULT_CHARS_PER_TOKEN, DEFAULT_TOKENS_PER_WORD
from app.main_window import MainWindow
from app.outline import OutlineChapter, parse_outline
from app.settings import Settings
from app.storage import Library
from engine.protocol import DocumentProgress
from tests.app.fake_engine import FakeEngine

PROSE = "Emma Woodhouse, handsome, clever, and rich, had lived nearly twenty-one years. " * 12
BOOK = [("CHAPTER I.", PROSE), ("CHAPTER II.", "Mr Knightley came in. " * 20), ("CHAPTER III.", "The end.")]
OUTLINE = "# The Ball\nEmma arrives late\nMr Knightley dances with Harriet\n\n#\nFrank Churchill leaves"
CHAPTER_ONE = "Emma came late to the ball, and everybody saw it. " * 8


@pytest.fixture
def window(qtbot):
    library = Library()
    engine = FakeEngine()
    engine.start()
    w = MainWindow(library, Settings(), engine)
    qtbot.addWidget(w)
    novel = library.create_novel("Emma", BOOK)
    w.open_novel(novel.id)
    w.tree.setCurrentItem(w.tree.topLevelItem(1))  # the writer is in CHAPTER II.
    return w


def titles(w: MainWindow) -> list[str]:
    return [c.title for c in w.library.chapters(w.novel.id)]


def tree_titles(w: MainWindow) -> list[str]:
    return [w.tree.topLevelItem(i).text(0) for i in range(w.tree.topLevelItemCount())]


def chapters_asked(engine: FakeEngine) -> list[dict]:
    return [r for r in engine.requests if r["type"] == "generate_chapter"]


def tokens(chars: int) -> int:
    return int(chars / DEFAULT_CHARS_PER_TOKEN)


def learning(heading: str, learned_to: float):
    """An engine's answer for a manuscript holding the chapter `heading`: its complete chunks end 20 tokens
    before the text does, and the chapter is learned up to `learned_to` (0..1) of its learnable part."""

    def progress_of(text: str) -> dict:
        start, end = tokens(text.index(heading)), tokens(len(text)) - 20
        upto = start + round((end - start) * learned_to)
        unlearned = [(upto, end)] if upto < end else []
        return {"learnable_tokens": end, "unlearned": unlearned, "chunks_total": 10, "chunks_absorbed": 5}

    return progress_of


def absorbed(engine: FakeEngine, w: MainWindow, progress: dict) -> None:
    fields = {"chunks_absorbed": 5, "chunks_total": 10, "work_absorbed": 5, "work_total": 10}
    engine.absorbed(DocumentProgress(doc=w.session.engine_doc, adapter_version=2, **(fields | progress)))


def write_and_accept(w: MainWindow, qtbot, text: str) -> None:
    w.client.stream(text)
    w.client.finish()
    qtbot.keyClick(w.editor, Qt.Key.Key_Tab)


def test_an_outline_writes_the_next_chapter_only_once_the_accepted_one_is_learned(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))

    # Chapter 1 goes after the writer's chapter, headed in the book's style, asked with its beats and the
    # manuscript up to the end of the writer's chapter.
    assert tree_titles(window) == titles(window)
    assert titles(window) == ["CHAPTER I.", "CHAPTER II.", "CHAPTER III. The Ball", "CHAPTER III."]
    (first,) = chapters_asked(engine)
    assert first["title"] == "CHAPTER III. The Ball"
    assert first["beats"] == ["Emma arrives late", "Mr Knightley dances with Harriet"]
    assert (
        first["text"] == f"CHAPTER I.\n\n{PROSE}".rstrip() + "\n\n" + f"CHAPTER II.\n\n{BOOK[1][1]}".rstrip()
    )
    assert first["max_tokens"] == round(100 * DEFAULT_TOKENS_PER_WORD)
    new = window.chapter_id
    engine.stream(CHAPTER_ONE)
    engine.finish()
    window.save_now()
    assert window.library.chapter(new).text == ""  # a suggestion, not the manuscript
    assert "chapter 1 of 2" in window.outline_label.text()

    engine.progress_of = learning("CHAPTER III. The Ball", 0.4)
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.library.chapter(new).text == CHAPTER_ONE
    assert CHAPTER_ONE.strip() in engine.requests[-1]["text"]  # the engine was sent the accepted chapter…
    assert len(chapters_asked(engine)) == 1  # …and chapter 2 waits for it to be learned
    label = "Outline: chapter 2 of 2, waiting for “CHAPTER III. The Ball” to be learned (40%)"
    assert window.outline_label.text() == label

    text = engine.requests[-1]["text"]
    start, end = tokens(text.index("CHAPTER III. The Ball")), tokens(len(text)) - 20
    absorbed(engine, window, {"learnable_tokens": end, "unlearned": [(end - 5, end)]})
    assert len(chapters_asked(engine)) == 1
    assert "(9" in window.outline_label.text()  # 90-something percent
    # Unlearned text before the chapter (the writer's edit in CHAPTER I.) does not hold it back.
    absorbed(engine, window, {"learnable_tokens": end, "unlearned": [(0, start - 10)]})

    second = chapters_asked(engine)[1]
    assert second["title"] == "CHAPTER IV." and second["beats"] == ["Frank Churchill leaves"]
    assert second["text"].endswith(CHAPTER_ONE.strip())  # written after chapter 1, which it is given
    assert titles(window) == [
        "CHAPTER I.",
        "CHAPTER II.",
        "CHAPTER III. The Ball",
        "CHAPTER IV.",
        "CHAPTER III.",
    ]
    write_and_accept(window, qtbot, "Frank left Highbury.")
    assert [c.text for c in window.library.chapters(window.novel.id)][3] == "Frank left Highbury."
    assert len(chapters_asked(engine)) == 2 and not window.outline.running
    assert window.outline_label.isHidden()
    assert window.statusBar().currentMessage() == "Outline done: 2 chapters written."


def test_a_chapter_with_no_complete_chunk_of_its_own_does_not_hold_the_outline_up(window, qtbot):
    """All of it waits for more text (shorter than a chunk): nothing of it can be learned before the next."""
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.progress_of = lambda text: {"learnable_tokens": tokens(text.index("CHAPTER III. The Ball")) - 3}
    write_and_accept(window, qtbot, "Short.")
    assert len(chapters_asked(engine)) == 2


def test_rejecting_a_chapter_stops_the_outline_and_removes_its_empty_chapter(window, qtbot):
    engine = window.client
    before = {c.id: c.text for c in window.library.chapters(window.novel.id)}
    writer = window.chapter_id
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.stream("Not this.")
    engine.finish()
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: len(titles(window)) == 3, timeout=1000)
    assert {c.id: c.text for c in window.library.chapters(window.novel.id)} == before
    assert tree_titles(window) == ["CHAPTER I.", "CHAPTER II.", "CHAPTER III."]
    assert window.chapter_id == writer and not window.outline.running
    assert len(chapters_asked(engine)) == 1
    assert window.library.trashed_chapters(window.novel.id) == []  # removed, not a trash of empty chapters


def test_a_rejected_chapter_the_writer_typed_into_is_kept(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    new = window.chapter_id
    qtbot.keyClicks(window.editor, "My own opening. ")  # typing first rejects nothing: it is before it
    window.suggestions.stop()
    engine.finish()
    window.reject_suggestion()
    assert window.library.chapter(new) is not None and "My own opening." in window.editor.manuscript_text()


def test_stop_while_waiting_writes_no_further_chapter(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.progress_of = learning("CHAPTER III. The Ball", 0.0)
    write_and_accept(window, qtbot, CHAPTER_ONE)
    assert window.action["stop"].isEnabled()
    window.action["stop"].trigger()
    absorbed(engine, window, {"learnable_tokens": 10**6, "unlearned": []})
    assert len(chapters_asked(engine)) == 1 and not window.outline.running
    assert CHAPTER_ONE.strip() in window.library.chapters(window.novel.id)[2].text


def test_stop_while_a_chapter_streams_keeps_it_as_a_suggestion_and_writes_no_other(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    asked = engine.stream("Half a chap")
    window.stop_ai()
    assert asked in engine.cancelled
    engine.finish()
    assert window.editor.suggestion.text == "Half a chap"
    engine.progress_of = lambda text: {}
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.library.chapters(window.novel.id)[2].text == "Half a chap"
    assert len(chapters_asked(engine)) == 1 and not window.outline.running


def test_a_stopped_chapter_shows_what_the_engine_kept_not_a_paragraph_it_had_cut(window):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.stream("Emma arrived late. It was")
    window.stop_ai()
    engine.finish(text="Emma arrived late.")  # the engine's partial text: "It was" was a cut paragraph's
    assert window.editor.suggestion.text == "Emma arrived late."


def test_closing_the_novel_mid_chapter_leaves_the_book_as_it_was(window):
    engine = window.client
    novel = window.novel.id
    before = {c.id: c.text for c in window.library.chapters(novel)}
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.stream("Half")
    window.close_novel()
    assert {c.id: c.text for c in window.library.chapters(novel)} == before
    assert not window.outline.running and window.outline_label.isHidden()


def test_an_engine_restart_stops_the_outline_and_keeps_the_accepted_chapter(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.progress_of = learning("CHAPTER III. The Ball", 0.0)
    write_and_accept(window, qtbot, CHAPTER_ONE)
    engine.crash()
    assert not window.outline.running and "engine stopped" in window.statusBar().currentMessage()
    assert window.library.chapters(window.novel.id)[2].text.startswith("Emma came late")
    absorbed(engine, window, {"learnable_tokens": 10**6, "unlearned": []})
    assert len(chapters_asked(engine)) == 1


def test_an_engine_restart_before_any_text_removes_the_empty_chapter(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.crash()
    qtbot.waitUntil(lambda: len(titles(window)) == 3, timeout=1000)
    assert titles(window) == ["CHAPTER I.", "CHAPTER II.", "CHAPTER III."] and not window.outline.running


def test_another_version_of_a_chapter_is_asked_the_same_way_and_the_writer_keeps_one(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.stream("First version.")
    engine.finish()
    window.suggestions.another()  # Ctrl+R
    engine.stream("Second version.")
    engine.finish()
    one, two = chapters_asked(engine)
    assert {k: v for k, v in one.items() if k not in ("id", "seed")} == {
        k: v for k, v in two.items() if k not in ("id", "seed")
    }
    assert one["seed"] != two["seed"]
    window.suggestions.cycle(-1)  # Alt+Left
    engine.progress_of = lambda text: {}
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.library.chapters(window.novel.id)[2].text == "First version."
    assert len(chapters_asked(engine)) == 3  # the outline goes on: chapter 2


def test_the_next_chapter_waits_for_a_suggestion_the_writer_asked_for_meanwhile(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.progress_of = learning("CHAPTER III. The Ball", 0.0)
    write_and_accept(window, qtbot, CHAPTER_ONE)
    window.continue_text()  # the writer goes on with chapter 1 while it is learned
    absorbed(engine, window, {"learnable_tokens": 10**6, "unlearned": []})
    assert len(chapters_asked(engine)) == 1 and "waits for the suggestion" in window.outline_label.text()
    engine.stream(" And then she danced.")
    engine.finish()
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert len(chapters_asked(engine)) == 2
    assert chapters_asked(engine)[1]["text"].endswith("And then she danced.")


def test_new_chapter_with_ai_goes_after_the_current_chapter_with_the_books_next_heading(window, monkeypatch):
    engine = window.client
    seen = {}

    def dialog(_parent, default_title, words):
        seen["title"], seen["words"] = default_title, words
        return default_title, "- Emma arrives late\n- Harriet cries", 300

    monkeypatch.setattr(ai_menu.NewChapterDialog, "get_request", dialog)
    window.new_chapter_with_ai()
    assert seen == {"title": "CHAPTER III.", "words": ai_menu.CHAPTER_WORDS}
    assert titles(window) == ["CHAPTER I.", "CHAPTER II.", "CHAPTER III.", "CHAPTER III."]
    assert window.chapter_id == window.library.chapters(window.novel.id)[2].id
    (asked,) = chapters_asked(engine)
    assert asked["beats"] == ["Emma arrives late", "Harriet cries"]
    assert asked["max_tokens"] == round(300 * DEFAULT_TOKENS_PER_WORD)
    assert asked["text"].endswith(BOOK[1][1].rstrip()) and "The end." not in asked["text"]
    assert window.outline_label.text() == "New chapter: Tab accepts it, Esc rejects it"


def test_new_chapter_with_ai_takes_the_writers_title_as_the_subtitle(window, qtbot):
    window.new_chapter_with_ai(("The Pig", "", 200))
    assert chapters_asked(window.client)[0]["title"] == "CHAPTER III. The Pig"
    window.client.finish()  # nothing written: the empty chapter goes again
    qtbot.waitUntil(lambda: len(titles(window)) == 3, timeout=1000)
    assert titles(window) == ["CHAPTER I.", "CHAPTER II.", "CHAPTER III."]


def test_the_outline_command_is_offered_only_when_it_can_run(window):
    assert window.action["outline"].isEnabled()
    window.write_outline([OutlineChapter("One", [], 100), OutlineChapter("Two", [], 100)])
    assert not window.action["outline"].isEnabled() and not window.action["chapter_ai"].isEnabled()
    window.close_novel()
    assert not window.action["outline"].isEnabled()


def test_opening_another_chapter_while_one_streams_removes_the_empty_one_and_shows_the_other(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    asked = engine.stream("Half")
    window.tree.setCurrentItem(window.tree.topLevelItem(0))  # the writer clicks CHAPTER I.
    assert asked in engine.cancelled
    qtbot.waitUntil(lambda: len(titles(window)) == 3, timeout=1000)
    assert window.editor.manuscript_text() == PROSE and window.tree.current_chapter() == window.chapter_id
    assert window.library.chapter(window.chapter_id).title == "CHAPTER I." and not window.outline.running
    assert tree_titles(window) == ["CHAPTER I.", "CHAPTER II.", "CHAPTER III."]


def test_with_no_engine_running_no_chapter_is_left_behind(window):
    window.client.running = False  # the engine stopped between two checks
    window.write_chapter("The Ball", [], 100, window.chapter_id)
    assert (
        titles(window) == ["CHAPTER I.", "CHAPTER II.", "CHAPTER III."] and window.editor.suggestion is None
    )


def test_deleting_the_accepted_chapter_while_it_is_learned_stops_the_outline(window, qtbot):
    engine = window.client
    window.write_outline(parse_outline(OUTLINE, 100))
    engine.progress_of = learning("CHAPTER III. The Ball", 0.0)
    write_and_accept(window, qtbot, CHAPTER_ONE)
    window.delete_chapter(window.chapter_id, confirm=False)
    absorbed(engine, window, {"learnable_tokens": 10**6, "unlearned": []})
    assert not window.outline.running and len(chapters_asked(engine)) == 1
    assert "no longer in the book" in window.statusBar().currentMessage()


def test_a_beat_with_its_own_length_is_sent_that_length_and_its_text_alone(window):
    window.write_outline(parse_outline("# The Ball\nEmma arrives late (50 words)\nMr Knightley dances", 100))
    (first,) = chapters_asked(window.client)
    assert first["beats"] == ["Emma arrives late", "Mr Knightley dances"]
    assert first["beat_tokens"] == [round(50 * DEFAULT_TOKENS_PER_WORD), 0]  # 0: a share of the chapter's
