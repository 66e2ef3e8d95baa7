"""The absorption panel, with real widgets offscreen: what the writer reads for a given absorption state."""

from __future__ import annotations

from app.absorption_panel import AbsorptionPanel
from app.engine_session import Absorption
from app.storage import Chapter, join_chapters
from engine.config import TempLoraConfig
from tests.app.events import absorbed as absorbed_by

# The layout these tests were written for (sent with the document, as the app sends its settings).
LAYOUT = TempLoraConfig(chunk_tokens=256)


def absorbed(n: int, total: int, **fields):
    return absorbed_by(n, total, config=LAYOUT, **fields)


def twelve_chapters() -> list[Chapter]:
    return [Chapter(i, 1, i, f"Chapter {i}", " ".join(["word"] * 800)) for i in range(1, 13)]


def opened(chapters: list[Chapter]) -> Absorption:
    """As the engine's open_document answer leaves it: 4 characters a token, 63 complete chunks (of 256
    tokens after the opening's 32: the layout these tests were written for, sent as the app sends it)."""
    text = join_chapters(chapters)
    return Absorption(
        "d",
        chunks_total=63,
        tokens=len(text) // 4,
        sent_chars=len(text),
        sent_words=len(text.split()),
        settings={"chunk_tokens": 256},
    )


def test_the_panel_names_the_chapters_learned_and_the_time_left(qtbot):
    panel = AbsorptionPanel()
    qtbot.addWidget(panel)
    chapters = twelve_chapters()
    progress = opened(chapters)
    for t, n in [(0.0, 50), (6.0, 51), (12.0, 52)]:  # 6 s a chunk of 256 tokens
        progress.update(absorbed(n, 63, loss=3 - n / 100), t)
    panel.show_absorption(progress, chapters)
    assert (
        panel.summary.text()
        == "Learned up to Chapter 9 (9 of 12 chapters, 76% of the book). Learning Chapter 10…"
    )
    assert panel.eta.text() == "Time left: about 1 min 06 s"  # 11 chunks at 6 s
    assert panel.bar.value() == 76 and panel.version.text() == "Adapter version 52"
    assert panel.plot.losses == [2.5, 2.49, 2.48]
    assert "chunk" not in panel.summary.text() + panel.eta.text() + panel.plot.toolTip()


def test_an_up_to_date_panel_says_so(qtbot):
    panel = AbsorptionPanel()
    qtbot.addWidget(panel)
    chapters = twelve_chapters()
    progress = opened(chapters)
    progress.update(absorbed(63, 63), 0.0)
    panel.show_absorption(progress, chapters)
    assert panel.summary.text().startswith(
        "Learned up to Chapter 11 (11 of 12 chapters, 99% of the book). The last 3"
    )
    assert panel.eta.text() == "Up to date"


def test_the_panel_before_anything_is_learned(qtbot):
    panel = AbsorptionPanel()
    qtbot.addWidget(panel)
    panel.show_absorption(None)
    assert panel.summary.text() == "Waiting for the engine…"
    chapters = [Chapter(1, 1, 1, "Chapter 1", "It was a dark night.")]
    panel.show_absorption(Absorption("d", tokens=10, sent_chars=31, sent_words=7), chapters)
    assert panel.summary.text().startswith("Nothing to learn yet")
    assert "about 90 more words" in panel.summary.text() and "750" not in panel.summary.text()
    assert panel.bar.value() == 0 and panel.version.text() == "No adapter yet"


def test_the_window_shows_the_novels_chapters_learned_and_asks_for_words_in_its_tokens(qtbot):
    from app.main_window import MainWindow, engine_doc
    from app.settings import Settings
    from app.storage import Library
    from tests.app.fake_engine import FakeEngine

    engine = FakeEngine()
    engine.start()
    window = MainWindow(Library(), Settings(suggestion_words=100), engine)
    qtbot.addWidget(window)
    novel = window.library.create_novel("Twelve", [(c.title, c.text) for c in twelve_chapters()])
    window.open_novel(novel.id)
    doc = engine_doc(novel.id)
    progress = engine.session.documents[doc]
    # As the real engine would have counted the text sent: 4 characters and 1.5 tokens to a word here.
    opened_with = next(r["text"] for r in reversed(engine.requests) if r["type"] == "open_document")
    progress.tokens, progress.sent_chars = len(opened_with) // 4, len(opened_with)
    progress.sent_words = round(progress.tokens / 1.5)
    engine.absorbed(absorbed(52, 63, doc=doc, loss=2.5))
    assert (
        window.panel.summary.text()
        == "Learned up to Chapter 9 (9 of 12 chapters, 76% of the book). Learning Chapter 10…"
    )
    window.continue_text()
    assert engine.requests[-1]["type"] == "continue" and engine.requests[-1]["max_tokens"] == 150


def test_the_panel_names_what_the_model_knows_once_it_knows_some(qtbot):
    panel = AbsorptionPanel()
    qtbot.addWidget(panel)
    panel.show()
    chapters = twelve_chapters()
    progress = opened(chapters)
    progress.update(absorbed(5, 63), 0.0)
    panel.show_absorption(progress, chapters)
    assert not panel.known.isVisible()  # nothing measured yet: no line at all
    known = [("Anne", 23.4), ("Wentworth", 5.0), ("Kellynch", 2.7)]
    progress.update(absorbed(6, 63, known_words=known), 6.0)
    panel.show_absorption(progress, chapters)
    assert panel.known.isVisible() and panel.known.text() == "It knows Anne, Wentworth and Kellynch now."
    assert "Anne: 23 times as likely\nWentworth: 5 times as likely" in panel.known.toolTip()
    progress.update(absorbed(7, 63, known_words=[("Anne", 8.1)]), 12.0)
    panel.show_absorption(progress, chapters)
    assert panel.known.text() == "It knows Anne now."
    assert "token" not in panel.known.text() + panel.known.toolTip()
    panel.show_absorption(None)
    assert not panel.known.isVisible()


def test_the_time_left_is_said_as_precisely_as_it_is_known():
    from app.absorption_panel import describe_eta

    assert describe_eta(None) == "Time left: estimating…" and describe_eta(0.4) == "Up to date"
    assert describe_eta(42) == "Time left: about 42 s" and describe_eta(66) == "Time left: about 1 min 06 s"
    assert describe_eta(23 * 60 + 14) == "Time left: about 23 min"  # not "23 min 14 s"
    assert describe_eta(1407 * 60 + 42) == "Time left: about 23 h 27 min"  # not "1407 min 42 s"


def test_the_panel_keeps_its_width_whatever_it_says(qtbot):
    """The editor beside it must not move as the panel's sentences grow and shrink."""
    panel = AbsorptionPanel()
    qtbot.addWidget(panel)
    chapters = twelve_chapters()
    panel.show_absorption(None)
    widths = {panel.minimumSizeHint().width()}
    progress = opened(chapters)
    progress.update(absorbed(5, 63, loss=3.0), 0.0)
    long_name = [Chapter(1, 1, 1, "The Very Long Chapter Title That A Novelist Might Well Give " * 2, "x y")]
    for shown in (chapters, long_name):
        panel.show_absorption(progress, shown)
        panel.eta.setText("Time left: about 12 min 30 s, at the pace of the last 90 s of learning")
        panel.show_known([("Wentworth", 9.0), ("Kellynch", 8.0), ("Musgroves", 7.0)] * 4)
        widths.add(panel.minimumSizeHint().width())
    assert len(widths) == 1
