"""The engine client's message handling, without Qt or a process."""

from __future__ import annotations

import json

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
    for t, n in [(0.0, 1), (3.0, 2)]:  # the writer generated all along: the only pace there is
        generating.update(absorbed(n, 10), t, generated_at=t)
    assert generating.eta_seconds() == 24.0


def test_eta_is_paced_by_training_work_not_by_chunks():
    # Two cheap opening chunks (100 work units each, 2 s each), then eight that cost 300 each: at the
    # opening's pace of 0.02 s a unit, 2400 units are left, 48 s (a chunk count would say 16 s).
    progress = Absorption("d")
    for t, n in [(0.0, 0), (2.0, 1), (4.0, 2)]:
        progress.update(absorbed(n, 10, work=100 * n, work_total=2600), t)
    assert progress.eta_seconds() == 48.0 and progress.fraction == 0.2


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
