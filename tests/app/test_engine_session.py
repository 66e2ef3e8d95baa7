"""The engine client's message handling, without Qt or a process."""

from __future__ import annotations

import bisect
import json
import math
import random
import statistics
from pathlib import Path

import pytest

from app.engine_session import Absorption, EngineSession
from engine.protocol import DocumentProgress

HELLO = {
    "version": "0.1",
    "model": "m",
    "architecture": "llama",
    "device": "cpu",
    "threads": 2,
    "window": 1024,
}
DATA = Path(__file__).resolve().parents[1] / "data"
GENERATED = {"tokens": 1, "seconds": 0.1, "first_token_seconds": 0.05, "prompt_tokens_evaluated": 0}


def line(**event) -> bytes:
    return (json.dumps(event) + "\n").encode()


def event_fields(n: int, total: int, work: int | None = None, work_total: int | None = None, **more) -> dict:
    """An absorption event's fields: n of total chunks learned, the first n (work: one unit a chunk)."""
    fields = {"doc": "d", "chunks_absorbed": n, "chunks_total": total, "adapter_version": n, "loss": None}
    fields |= {
        "work_absorbed": n if work is None else work,
        "work_total": total if work_total is None else work_total,
    }
    return (
        fields
        | {"learnable_tokens": 100 * total, "unlearned": [[100 * n, 100 * total]] if n < total else []}
        | more
    )


def absorbed(n: int, total: int, **more) -> DocumentProgress:
    return DocumentProgress(**event_fields(n, total, **more))


def test_requests_get_fresh_ids_and_one_line_each():
    session = EngineSession()
    first, data = session.request("hello")
    second, _ = session.request("status")
    assert first != second and data.endswith(b"\n") and json.loads(data) == {"id": first, "type": "hello"}


def test_partial_lines_are_buffered_and_garbage_is_skipped():
    session = EngineSession()
    hello, _ = session.request("hello")
    session.request("open_document", doc="d", text="x")
    data = line(id=hello, type="done", **HELLO) + b"garbage\xff\n[1, 2]\n" + b'{"id": null, "ty'
    events = session.feed(data)
    assert [e.type for e in events] == ["done"] and session.garbage_lines == 2
    rest = json.dumps(event_fields(1, 4, loss=3.2))[1:]
    events = session.feed(b'pe": "absorption", ' + rest.encode() + b"\n")
    assert events[0].type == "absorption" and session.documents["d"].losses == [3.2]


def test_state_follows_the_engine():
    session = EngineSession()
    assert session.state == "starting"
    hello, _ = session.request("hello")
    session.feed(line(id=hello, type="done", **HELLO))
    assert session.state == "idle"
    opened, _ = session.request("open_document", doc="d", text="x")
    session.feed(line(id=opened, type="done", doc="d", tokens=5000, chunks_total=4))
    assert session.state == "absorbing" and session.documents["d"].chunks_total == 4
    gen, _ = session.request("continue", doc="d", text="x")
    assert session.state == "generating"
    session.feed(
        line(id=gen, type="token", text="a")
        + line(id=gen, type="done", text="a", adapter_version=0, **GENERATED)
    )
    session.feed(line(id=None, type="absorption", **event_fields(4, 4)))
    assert session.state == "idle"


def test_a_dead_engine_abandons_every_pending_request():
    session = EngineSession()
    a, _ = session.request("continue", doc="d", text="x")
    b, _ = session.request("status")
    events = session.abandon_pending()
    assert {e.id for e in events} == {a, b} and all(e.code == "engine_died" for e in events)
    assert session.pending == {} and session.state == "starting"


def test_eta_follows_the_pace_of_recent_chunks():
    progress = Absorption("d", chunks_total=10)
    assert progress.eta_seconds() is None
    for t, n in [(0.0, 0), (6.0, 1), (12.0, 2)]:
        progress.update(absorbed(n, 10), t)
    assert progress.eta_seconds() == 48.0 and progress.fraction == 0.2


def test_eta_leaves_out_time_the_engine_was_not_learning():
    progress = Absorption("d")
    # Up to date at 10 s; the writer types a new chunk, learned at 600 s; then the next one at 603 s.
    for t, n in [(0.0, 1), (10.0, 2), (600.0, 3), (603.0, 4)]:
        progress.update(absorbed(n, 6 if t > 10 else n), t)
    assert progress.eta_seconds() == 6.0  # two chunks left at 3 s each, not at the typing pace
    # An edit unlearns chunks 2 to 4; relearning chunk 2 takes 4 s.
    for t, n in [(650.0, 1), (654.0, 2)]:
        progress.update(absorbed(n, 6), t)
    assert progress.eta_seconds() == pytest.approx(4 * 3.5)  # only learning intervals: (3 + 4) / 2 a chunk


def test_eta_leaves_out_chunks_a_generation_paused(monkeypatch):
    clock = iter([0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0])
    monkeypatch.setattr("app.engine_session.time.monotonic", lambda: next(clock))
    session = EngineSession()
    session.request("open_document", doc="d", text="x")

    def learned(n):
        session.feed(line(id=None, type="absorption", **event_fields(n, 10)))

    learned(1)  # 0 s
    asked, _ = session.request("continue", doc="d", text="x")  # 1 s
    session.feed(line(id=asked, type="done", text="more", adapter_version=1, **GENERATED))  # 1.5 s
    learned(2)  # 2 s: this chunk waited for the generation
    learned(3)  # 3 s
    learned(4)  # 4 s
    assert session.documents["d"].eta_seconds() == 6.0  # 1 s a chunk, six left
    generating = Absorption("g")
    for t, n in [(0.0, 1), (3.0, 2), (6.0, 3), (9.0, 4)]:  # the writer generated all along: the only pace
        generating.update(absorbed(n, 10), t, generated_at=t)
    assert generating.eta_seconds() == 18.0


def test_the_first_chunk_after_opening_is_no_pace():
    """It waits for the engine's warm-up (and is the book's smallest chunk)."""
    progress = Absorption("d", chunks_total=400)
    progress.update(absorbed(0, 400), 0.0)
    progress.update(absorbed(1, 400), 15.0)
    assert progress.eta_seconds() is None
    progress.update(absorbed(2, 400), 16.0)
    assert progress.eta_seconds() == 398.0  # paced by the chunk after it: 1 s


def test_one_interval_a_suggestion_paused_is_no_pace():
    progress = Absorption("d", chunks_total=400)
    for t, n in [(0.0, 0), (1.0, 1)]:
        progress.update(absorbed(n, 400), t)
    progress.update(absorbed(2, 400), 75.0, generated_at=74.0)  # a suggestion was written meanwhile
    assert progress.eta_seconds() is None
    progress.update(absorbed(3, 400), 80.0, generated_at=79.0)
    assert progress.eta_seconds() == pytest.approx(397 * 79 / 2)  # the writer keeps generating: that pace


def test_eta_is_paced_by_training_work_not_by_chunks():
    # Two cheap opening chunks (100 work units each, 2 s each), then eight that cost 300 each: at the
    # opening's pace of 0.02 s a unit, 2400 units are left, 48 s (a chunk count would say 16 s).
    progress = Absorption("d")
    for t, n in [(0.0, 0), (2.0, 1), (4.0, 2)]:
        progress.update(absorbed(n, 10, work=100 * n, work_total=2600), t)
    assert progress.eta_seconds() == 48.0 and progress.fraction == 0.2


def readings_15_s_apart(progress: Absorption, events: list, since: float = 15.0) -> list:
    """(first reading, the one 15 s later) as the panel shows them, the estimate after the latest event, for
    each second from `since` seconds after the first event (before that it rests on a few chunks)."""
    shown = []  # (time of the event, the estimate shown from then on)
    for now, event, generated_at in events:
        progress.update(event, now, generated_at)
        shown.append((now, progress.eta_seconds()))
    times = [t for t, _ in shown]
    pairs = []
    for t in range(math.ceil(times[0] + since), math.floor(times[-1]) - 15):
        first, later = (shown[bisect.bisect_right(times, moment) - 1][1] for moment in (t, t + 15))
        pairs.append((first, later))
    return pairs


def largest_change(pairs: list) -> float:
    return max(abs(later - first) / first for first, later in pairs)


def test_eta_holds_steady_through_a_recorded_absorption():
    """Persuasion absorbed by the real engine for 3 minutes (scripts/eta_steadiness.py record), a
    continuation asked every minute: paced by the last 5 intervals, the estimate changed by up to 90%
    between readings 15 s apart (a slow chunk, then a generation's pause) and by 8.8% at the median."""
    recording = json.loads((DATA / "absorption_persuasion_180s.json").read_text())
    events, generated_at = [], float("-inf")
    for mark in recording["marks"]:
        if "generation" in mark:
            generated_at = mark["t"]
            continue
        fields = {k: v for k, v in mark["absorption"].items() if k not in ("id", "type")}
        events.append((mark["t"], DocumentProgress(**fields), generated_at))
    pairs = readings_15_s_apart(Absorption("novel"), events)
    assert len(pairs) > 140
    assert largest_change(pairs) < 0.10
    assert statistics.median(abs(later - first) / first for first, later in pairs) < 0.03


def noisy_absorption(seconds: float = 300.0) -> list[tuple[float, DocumentProgress, float]]:
    """A novel of 500 chunks learning at about 1.5 s a chunk, with the noise of a shared 2-core machine: each
    chunk ±20%, one in 20 three times as long, and a generation every minute that holds a chunk back 7 s."""
    noise = random.Random(15)
    events, now, generated_at, n = [], 0.0, float("-inf"), 0
    while now < seconds:
        events.append((now, absorbed(n, 500), generated_at))
        n += 1
        took = 1.5 * noise.uniform(0.8, 1.2) * (3 if n % 20 == 10 else 1)
        if now // 60 != (now + took) // 60:  # the writer asks for a continuation
            generated_at = now + took
            took += 7.0
        now += took
    return events


def test_eta_changes_little_between_readings_through_noisy_chunks():
    # Paced by the last 5 intervals, the estimate changed by up to 65% between readings 15 s apart.
    pairs = readings_15_s_apart(Absorption("d"), noisy_absorption(), since=30.0)
    assert largest_change(pairs) < 0.10


def test_eta_follows_a_machine_that_slows_down():
    """Another program takes a core: chunks take 2 s instead of 1. Within the pace window the estimate is
    the new pace's, not an average over the whole absorption."""
    progress = Absorption("d")
    now = 0.0
    for n in range(300):
        progress.update(absorbed(n, 1000), now)
        now += 1.0 if n < 200 else 2.0
    assert progress.eta_seconds() == pytest.approx((1000 - 299) * 2.0)


def test_eta_of_a_writer_who_keeps_generating_is_paced_by_the_pauses():
    """Learned alone at 1 s a chunk long ago; for the last 100 s every chunk waited for a generation (5 s
    each): the pace is now 5 s a chunk."""
    progress = Absorption("d")
    for n in range(100):
        progress.update(absorbed(n, 200), float(n))
    for n in range(100, 120):
        t = 99.0 + 5 * (n - 99)
        progress.update(absorbed(n, 200), t, generated_at=t - 1)
    assert progress.eta_seconds() == pytest.approx((200 - 119) * 5.0)


def test_an_opened_document_keeps_what_the_book_was_opened_with():
    """The writer's units need the engine's token count of the text the app sent, and that text."""
    session = EngineSession()
    text = "Emma Woodhouse, handsome, clever, and rich."
    opened, _ = session.request("open_document", doc="d", text=text, settings={"chunk_tokens": 512})
    session.feed(line(id=opened, type="done", doc="d", tokens=11, chunks_total=0))
    progress = session.documents["d"]
    assert (progress.tokens, progress.sent_chars, progress.sent_words) == (11, len(text), 6)
    assert progress.settings == {"chunk_tokens": 512} and session._opening == {}


def test_an_edit_shows_what_it_unlearned_at_once():
    session = EngineSession()
    opened, _ = session.request("open_document", doc="d", text="x")
    session.feed(line(id=opened, type="done", doc="d", tokens=5000, chunks_total=20))
    session.feed(line(id=None, type="absorption", **event_fields(20, 20, loss=2.5, learnable_tokens=5000)))
    edit, _ = session.request("update_document", doc="d", text="xy")
    edited = event_fields(19, 20, adapter_version=20, learnable_tokens=5010, unlearned=[[2304, 2570]])
    session.feed(line(id=edit, type="done", new_chunks=1, **edited))
    progress = session.documents["d"]
    assert progress.unlearned == [(2304, 2570)] and progress.chunks_absorbed == 19
    assert progress.losses == [2.5] and progress.fraction < 1
    late, _ = session.request("update_document", doc="gone", text="z")  # closed meanwhile: not re-created
    session.feed(line(id=late, type="done", new_chunks=0, **event_fields(1, 1, doc="gone")))
    assert "gone" not in session.documents


def test_an_absorption_event_after_close_does_not_reopen_the_document():
    session = EngineSession()
    opened, _ = session.request("open_document", doc="d", text="x")
    session.feed(line(id=opened, type="done", doc="d", tokens=500, chunks_total=4))
    session.forget("d")  # the app closed it; the engine's last chunk was already on its way
    session.request("close_document", doc="d")
    session.feed(line(id=None, type="absorption", **event_fields(2, 4)))
    assert "d" not in session.documents and session.state == "starting"


def test_the_names_the_model_knows_are_the_latest_events():
    session = EngineSession()
    session.request("open_document", doc="d", text="x")
    session.feed(line(id=None, type="absorption", **event_fields(1, 4)))
    assert session.documents["d"].known_words == []  # an engine that measured nothing yet (or an old one)
    session.feed(line(id=None, type="absorption", **event_fields(2, 4, known_words=[["Anne", 6.2]])))
    session.feed(
        line(id=None, type="absorption", **event_fields(3, 4, known_words=[["Anne", 7.0], ["Bath", 2.1]]))
    )
    assert session.documents["d"].known_words == [("Anne", 7.0), ("Bath", 2.1)]
