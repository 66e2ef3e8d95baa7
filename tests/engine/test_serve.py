"""`longform-engine serve` against the real process and the embedded model."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.protocol import ProtocolError, parse_request
from engine.serve_client import EngineProcess


def session_folders(home: Path) -> list[Path]:
    root = home / "cache" / "sessions"
    return sorted(root.iterdir()) if root.exists() else []


@pytest.fixture
def engine(shared_home):
    e = EngineProcess(shared_home)
    yield e
    if e.proc.poll() is None:
        e.proc.kill()
        e.proc.wait()


@pytest.mark.slow
def test_full_session(engine, shared_home, sample_text):
    hello = engine.request(id="h", type="hello")
    assert hello["type"] == "done" and hello["version"] and hello["model"].endswith(".gguf")
    assert engine.request(id="o1", type="open_document", doc="novel", text=sample_text)["type"] == "done"
    assert (
        engine.request(id="o2", type="open_document", doc="other", text=sample_text[:6000])["type"] == "done"
    )
    absorbed = engine.wait_for(lambda e: e["type"] == "absorption" and e["doc"] == "novel")
    assert absorbed["id"] is None and absorbed["chunks_absorbed"] >= 1 and absorbed["adapter_version"] >= 1
    assert 0 < absorbed["work_absorbed"] < absorbed["work_total"]  # tokens the training runs through
    folder = next(iter(session_folders(shared_home)))
    assert any(folder.glob("*.gguf"))

    engine.send(id="c1", type="continue", doc="novel", text=sample_text, max_tokens=20, seed=3)
    first = engine.wait_for(lambda e: e["id"] == "c1")
    assert first["type"] == "token"
    done = engine.finished("c1")
    assert done["type"] == "done" and done["text"] and done["tokens"] > 0 and "adapter_version" in done

    engine.send(id="c2", type="continue", doc="novel", text=sample_text, max_tokens=4000, seed=4)
    engine.wait_for(lambda e: e["id"] == "c2" and e["type"] == "token")
    assert engine.request(id="x", type="cancel", target="c2")["type"] == "done"
    cancelled = engine.finished("c2")
    assert cancelled["type"] == "error" and cancelled["code"] == "cancelled" and "text" in cancelled

    engine.wait_for(lambda e: e["type"] == "absorption" and e["doc"] == "other")
    status = engine.request(id="s", type="status")
    assert {d["doc"] for d in status["documents"]} == {"novel", "other"}
    before = set(folder.glob("*.gguf"))
    assert len(before) == 2
    assert engine.request(id="close", type="close_document", doc="other")["type"] == "done"
    after = set(folder.glob("*.gguf"))
    assert len(after) == 1 and after < before  # only that document's adapter is gone

    assert engine.request(id="bye", type="shutdown")["type"] == "done"
    assert engine.proc.wait(timeout=60) == 0
    assert not folder.exists()


@pytest.mark.slow
def test_kill_9_leaves_the_folder_and_the_next_start_removes_it(shared_home, sample_text):
    first = EngineProcess(shared_home)
    first.request(id="o", type="open_document", doc="d", text=sample_text)
    first.wait_for(lambda e: e["type"] == "absorption")
    folder = next(f for f in session_folders(shared_home) if f.name == f"session-{first.proc.pid}")
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    assert folder.exists()
    second = EngineProcess(shared_home)
    assert second.request(id="h", type="hello")["type"] == "done"
    assert not folder.exists()
    second.request(id="bye", type="shutdown")
    assert second.proc.wait(timeout=60) == 0


requests = st.one_of(
    st.binary(max_size=200).filter(lambda b: b"\n" not in b),
    st.dictionaries(
        st.sampled_from(["id", "type", "doc", "text", "target", "max_tokens", "model"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=20), st.booleans(), st.lists(st.integers())),
    ).map(lambda d: json.dumps(d).encode()),
    st.text(max_size=100).map(lambda t: t.replace("\n", " ").encode()),
)


@given(requests)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_parse_request_accepts_or_names_the_problem(line):
    try:
        request = parse_request(line)
    except ProtocolError as e:
        assert e.code and e.message
    else:
        assert isinstance(request.id, str) and request.type


@pytest.mark.slow
def test_thousand_malformed_requests_each_get_an_error_and_hello_still_works(engine):
    import random

    rng = random.Random(0)
    lines = []
    for i in range(1000):
        kind = i % 5
        if kind == 0:
            lines.append(
                bytes(rng.randrange(1, 256) for _ in range(rng.randrange(1, 60))).replace(b"\n", b" ")
            )
        elif kind == 1:
            lines.append(json.dumps([i, "not an object"]).encode())
        elif kind == 2:
            lines.append(json.dumps({"id": f"u{i}", "type": rng.choice(["explode", "", "HELLO"])}).encode())
        elif kind == 3:
            lines.append(json.dumps({"id": f"m{i}", "type": "continue", "doc": 5}).encode())
        else:
            lines.append(json.dumps({"id": f"d{i}", "type": "status", "doc": "nobody"}).encode())
    lines = [ln for ln in lines if ln.strip()]
    engine.send_raw(b"\n".join(lines) + b"\n")
    errors = [engine.wait_for(lambda e: e["type"] == "error", timeout=60) for _ in lines]
    assert len(errors) == len(lines)
    hello = engine.request(id="after", type="hello", timeout=60)
    assert hello["type"] == "done" and hello["version"]


@pytest.mark.slow
def test_ten_megabyte_document_opens_while_other_requests_are_answered(engine, sample_text):
    assert engine.request(id="h0", type="hello")["type"] == "done"  # the model is loaded
    big = (sample_text * (10_000_000 // len(sample_text) + 1))[:10_000_000]
    opened = engine.send(id="big", type="open_document", doc="big", text=big)
    sent = engine.send(id="h1", type="hello")
    hello_at, hello = engine.wait_for_timed(lambda e: e["id"] in ("h1", "big"))
    # Tokenizing 10 MB takes seconds; hello is answered before the big document is ready, and quickly.
    assert hello["id"] == "h1" and hello["type"] == "done"
    assert hello_at - sent < 2.0
    status = engine.request(id="s", type="status", doc="big")
    assert status["type"] == "done"
    done = engine.finished("big", timeout=120)
    assert done["type"] == "done" and done["tokens"] > 2_000_000 and done["chunks_total"] > 2000
    assert opened < hello_at
    # A continue on the big document tokenizes only the end of the text it is given.
    engine.send(id="c", type="continue", doc="big", text=big, max_tokens=3, seed=1)
    assert engine.finished("c", timeout=60)["type"] == "done"
    assert engine.request(id="close", type="close_document", doc="big", timeout=60)["type"] == "done"


@pytest.mark.slow
def test_huge_lines_floods_and_unusual_text_leave_the_engine_serving(engine):
    assert engine.request(id="h0", type="hello")["type"] == "done"
    engine.send_raw(b'{"id": "huge", "type": "hello", "pad": "' + b"x" * (65 * 1024 * 1024) + b'"}\n')
    assert engine.wait_for(lambda e: e["type"] == "error", timeout=120)["code"] == "line_too_long"
    engine.send_raw("\u202e\ufffd\U0001f600 garbage \x00 «»\n".encode() + b"\xc3\x28\xa0\xa1\n")
    assert [engine.wait_for(lambda e: e["type"] == "error", timeout=60)["code"] for _ in range(2)] == [
        "bad_json",
        "bad_json",
    ]
    flood = b"".join(json.dumps({"id": f"f{i}", "type": "status"}).encode() + b"\n" for i in range(3000))
    engine.send_raw(flood)
    answered = {
        engine.wait_for(lambda e: e["id"] and e["id"].startswith("f"), timeout=120)["id"] for _ in range(3000)
    }
    assert len(answered) == 3000

    unusual = "Emoji 😀 · RTL שלום عالم · combining e\u0301 · NUL \x00 · \u2028 line sep. " * 400
    opened = engine.request(id="o", type="open_document", doc="odd \x00 name 😀", text=unusual)
    assert opened["type"] == "done" and opened["tokens"] > 1000
    done = engine.request(id="c", type="continue", doc="odd \x00 name 😀", text=unusual, max_tokens=8, seed=1)
    assert done["type"] == "done" and isinstance(done["text"], str)
    engine.send_raw(b'{"id": "cut", "type": "hel')  # a truncated last line, then the GUI goes away
    engine.proc.stdin.close()
    assert engine.proc.wait(timeout=60) == 0


@pytest.mark.slow
def test_the_window_at_the_cursor_is_warm_and_survives_new_adapters(engine, sample_text):
    """open_document with a cursor: the generator evaluates that window while idle; the adapters learned
    meanwhile are attached without dropping it (cache reuse), so Continue evaluates almost nothing."""
    text = sample_text[:8000]
    engine.request(id="o", type="open_document", doc="novel", text=text, cursor=len(text))
    for _ in range(2):
        engine.wait_for(lambda e: e["type"] == "absorption" and e["doc"] == "novel")
    done = engine.request(id="c", type="continue", doc="novel", text=text, max_tokens=16, seed=1)
    assert done["type"] == "done" and done["adapter_version"] >= 2
    assert done["prompt_tokens_evaluated"] <= 2
    assert done["first_token_seconds"] < done["seconds"]
    # The writer accepts it and types a sentence: only the sentence's tokens are new.
    typed = text + done["text"] + " Anne said nothing."
    again = engine.request(id="c2", type="continue", doc="novel", text=typed, max_tokens=16, seed=2)
    assert 3 <= again["prompt_tokens_evaluated"] <= 10


@pytest.mark.slow
def test_a_sentence_inserted_in_a_learned_text_relearns_only_its_chunk(engine, sample_text):
    text = sample_text[:6000]
    opened = engine.request(id="o", type="open_document", doc="novel", text=text)
    total = opened["chunks_total"]
    engine.wait_for(lambda e: e["type"] == "absorption" and e["chunks_absorbed"] == total)
    middle = text.index(". ", len(text) // 2) + 2
    edited = text[:middle] + "Anne walked to the window and said nothing. " + text[middle:]
    done = engine.request(id="u", type="update_document", doc="novel", text=edited)
    assert done["new_chunks"] in (1, 2)  # the chunk the sentence went into (two if it fell on a boundary)
    status = engine.request(id="s", type="status", doc="novel")["documents"][0]
    (gap,) = status["unlearned"]
    assert gap[1] - gap[0] <= 2 * 128 + 20  # a chunk or two of the opening's size, not the rest of the text
    assert status["chunks_absorbed"] == status["chunks_total"] - done["new_chunks"]
    assert engine.request(id="s2", type="status", doc="nope")["code"] == "unknown_doc"  # was internal_error
    event = engine.wait_for(lambda e: e["type"] == "absorption" and e["unlearned"] == [])
    assert event["chunks_absorbed"] == event["chunks_total"]
    assert event["adapter_version"] == total + done["new_chunks"]  # nothing after the edit was learned again


@pytest.mark.slow
def test_a_failing_absorption_is_told_once_not_left_silent(shared_home, sample_text, monkeypatch):
    monkeypatch.setenv("LONGFORM_FAULT_FAIL", "export")
    engine = EngineProcess(shared_home)
    try:
        engine.request(id="o", type="open_document", doc="novel", text=sample_text[:3000])
        failed = engine.wait_for(lambda e: e["type"] == "error" and e["id"] is None)
        assert failed["code"] == "absorption_failed" and failed["doc"] == "novel"
        assert "a failure asked for at export" in failed["message"]
        assert engine.request(id="h", type="hello")["type"] == "done"  # still serving
    finally:
        engine.stop()
