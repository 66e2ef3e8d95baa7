"""The engine server's scheduling with a fake backend: priority, cancel, close while training, edits, errors.

The real transport, scheduler, documents, chunk map and adapter store; only the model is fake
(tests/engine/fake_backend.py), so each test runs in milliseconds. test_serve.py drives the real model.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time

import pytest

from engine.chunk_map import PLACE_TOKENS
from engine.config import TempLoraConfig
from engine.serve import EngineServer
from tests.engine.fake_backend import FakeBackend, FakeContinuation

CONFIG = TempLoraConfig(window=64, chunk_tokens=16, context_tokens=16, opening_tokens=0, replay_chunks=0)
TEXT = " ".join(f"word{i}" for i in range(16 * 8))  # eight chunks


class Lines:
    """The server's stdout: every line it writes, parsed."""

    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()
        self.seen: list[dict] = []

    def write(self, data: bytes) -> None:
        self.events.put(json.loads(data))

    def flush(self) -> None:
        pass


class Engine:
    """An EngineServer on a fake backend, fed through a pipe like the real one."""

    def __init__(self, backend: FakeBackend | None = None) -> None:
        self.backend = backend or FakeBackend()
        self.out = Lines()
        self.server = EngineServer(self.backend, CONFIG, new_backend=lambda spec: FakeBackend(), out=self.out)
        read, self._write = os.pipe()
        self._stream = os.fdopen(read, "rb")
        self.thread = threading.Thread(target=self.server.serve, args=(self._stream,), daemon=True)
        self.thread.start()

    def send(self, **request) -> None:
        os.write(self._write, (json.dumps(request) + "\n").encode())

    def send_line(self, line: bytes) -> None:
        os.write(self._write, line)

    def wait_for(self, match, seconds: float = 10.0) -> dict:
        """The first event (in order, including ones seen before) for which `match(event)` is true."""
        for event in self.out.seen:
            if match(event):
                return event
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                event = self.out.events.get(timeout=0.05)
            except queue.Empty:
                continue
            self.out.seen.append(event)
            if match(event):
                return event
        raise AssertionError(f"no such event; seen: {self.out.seen[-5:]}")

    def answer(self, request_id: str, seconds: float = 10.0) -> dict:
        return self.wait_for(lambda e: e.get("id") == request_id and e["type"] in ("done", "error"), seconds)

    def request(self, **request) -> dict:
        self.send(**request)
        return self.answer(request["id"])

    def learned_all(self, doc: str) -> dict:
        return self.wait_for(lambda e: e["type"] == "absorption" and e["doc"] == doc and not e["unlearned"])

    def close(self) -> None:
        os.close(self._write)
        self.thread.join(10)


@pytest.fixture
def engine():
    e = Engine()
    yield e
    e.close()


def test_a_document_is_learned_chunk_by_chunk_and_its_adapter_deleted_on_close(engine):
    opened = engine.request(id="1", type="open_document", doc="d", text=TEXT)
    assert opened == {"id": "1", "type": "done", "request": "open_document", "doc": "d", "tokens": 128,
                      "chunks_total": 8}  # fmt: skip
    last = engine.learned_all("d")
    assert last["adapter_version"] == 8 and last["unlearned"] == [] and last["loss"] == 3.0
    adapter = engine.server.documents.store.path_for("d")
    assert adapter.exists()
    closed = engine.request(id="2", type="close_document", doc="d")
    assert closed["adapter_deleted"] is True and closed["request"] == "close_document"
    assert not adapter.exists() and "d" not in engine.backend.adapters


def test_the_names_the_adapter_learned_reach_the_events_and_a_reset_forgets_them(engine):
    engine.backend.gains = {"Anne": 2.0, "Wentworth": 1.0, "Kellynch": 0.1, "Walter": 3.0}
    # Anne and Wentworth 4 times each in two chunks, Kellynch too (its gain is too small to show), Walter
    # only twice, in one chunk.
    words = TEXT.split()
    for at, names in (
        (20, ["Anne", "Wentworth", "Kellynch"] * 2),
        (60, ["Anne", "Wentworth", "Kellynch"] * 2),
        (100, ["Walter"] * 2),
    ):  # in chunks 2, 4 and 7 (16 words each)
        words[at : at + len(names)] = names
    text = " ".join(words)
    engine.request(id="1", type="open_document", doc="d", text=text)
    last = engine.learned_all("d")
    assert last["known_words"] == [["Anne", 7.4], ["Wentworth", 2.7]]  # e ** 2, e ** 1; best first
    status = engine.request(id="2", type="status", doc="d")
    assert status["documents"][0]["known_words"] == [["Anne", 7.4], ["Wentworth", 2.7]]
    engine.backend.gains = {}
    assert engine.request(id="3", type="reset_document", doc="d")["type"] == "done"
    assert engine.request(id="4", type="status", doc="d")["documents"][0]["known_words"] == []


def test_every_reply_names_its_request_and_bad_lines_get_their_codes(engine):
    assert engine.request(id="h", type="hello")["request"] == "hello"
    engine.send_line(b"not json\n")
    assert engine.wait_for(lambda e: e.get("code") == "bad_json")["id"] is None
    unknown = engine.request(id="u", type="dance")
    assert (unknown["code"], unknown["request"]) == ("unknown_type", None)
    wrong = engine.request(id="w", type="continue", doc="d", text=3)
    assert (wrong["code"], wrong["request"]) == ("bad_request", "continue") and "$.text" in wrong["message"]
    assert engine.request(id="s", type="status", doc="nope")["code"] == "unknown_doc"
    assert engine.request(id="c", type="cancel", target="nothing")["code"] == "unknown_target"


def test_training_pauses_while_a_generation_streams(engine):
    engine.backend.layer_seconds = 0.01
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    engine.wait_for(lambda e: e["type"] == "absorption")  # training is under way
    engine.send(id="2", type="continue", doc="d", text=TEXT, max_tokens=30)
    done = engine.answer("2")
    assert done["type"] == "done" and done["tokens"] == 30
    tokens = [t for t, what in engine.backend.events if what == "token"]
    layers = [t for t, what in engine.backend.events if what.startswith("layer")]
    assert [t for t in layers if tokens[0] < t < tokens[-1]] == []  # the generation had the CPU to itself
    engine.learned_all("d")  # and training went on afterwards


def test_a_cancelled_generation_ends_with_its_partial_text(engine):
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    engine.backend.generation_gate.clear()
    engine.send(id="2", type="continue", doc="d", text=TEXT, max_tokens=50)
    time.sleep(0.05)
    assert engine.request(id="3", type="cancel", target="2")["type"] == "done"
    engine.backend.generation_gate.set()
    cancelled = engine.answer("2")
    assert (cancelled["type"], cancelled["code"], cancelled["request"]) == ("error", "cancelled", "continue")
    assert isinstance(cancelled["text"], str)


def test_document_work_cannot_be_cancelled(engine):
    engine.backend.training_gate.clear()  # the documents thread will wait for the training lock on close
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    engine.wait_for(lambda e: e.get("id") == "1")
    time.sleep(0.05)
    engine.send(id="2", type="reset_document", doc="d")
    time.sleep(0.05)
    assert engine.request(id="3", type="cancel", target="2")["code"] == "not_cancellable"
    engine.backend.training_gate.set()
    assert engine.answer("2")["type"] == "done"


def test_closing_a_document_while_its_chunk_trains_drops_the_chunk_and_its_adapter(engine):
    engine.backend.training_gate.clear()
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    deadline = time.monotonic() + 5
    while engine.server.documents.training is None and time.monotonic() < deadline:
        time.sleep(0.01)  # the chunk is in its first layer, held
    engine.send(id="2", type="close_document", doc="d")
    time.sleep(0.05)
    engine.backend.training_gate.set()
    assert engine.answer("2")["adapter_deleted"] is True
    time.sleep(0.1)
    assert not [e for e in engine.out.seen if e["type"] == "absorption"]
    assert not engine.server.documents.store.path_for("d").exists() and engine.backend.learned == []


def test_an_edit_relearns_only_the_chunks_it_touched(engine):
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    engine.learned_all("d")
    learned_before = len(engine.backend.learned)
    words = TEXT.split()
    edited = " ".join([*words[:40], "Anne", "smiled.", *words[40:]])
    updated = engine.request(id="2", type="update_document", doc="d", text=edited, cursor=len(edited))
    assert updated["request"] == "update_document" and 1 <= updated["new_chunks"] <= 2
    assert updated["unlearned"] and updated["loss"] is None  # a loss comes with a learned chunk only
    assert updated["relearning"] is True and updated["learning"][0] == updated["unlearned"][0][0]
    engine.wait_for(lambda e: e["type"] == "absorption" and e["adapter_version"] > 8 and not e["unlearned"])
    relearned = engine.backend.learned[learned_before:]
    assert 1 <= len(relearned) <= 2 and all(32 <= span[0] <= 48 for _, span in relearned)


def test_the_writers_place_is_learned_first(engine):
    book = " ".join(f"word{i}" for i in range(16 * 600))  # 9,600 tokens: more than PLACE_TOKENS
    engine.request(id="1", type="open_document", doc="d", text=book, cursor=len(book))
    engine.wait_for(lambda e: e["type"] == "absorption")
    assert engine.backend.learned[0][1] == (9600 - PLACE_TOKENS, 9600 - PLACE_TOKENS + 16)  # was (0, 16)


def test_text_typed_with_a_cursor_warms_the_window_while_nothing_else_runs(engine):
    engine.request(id="1", type="open_document", doc="d", text=TEXT, cursor=10)
    engine.learned_all("d")
    assert any(what == "warm" for _, what in engine.backend.events)


def test_a_failing_absorption_is_told_once_with_its_document():
    backend = FakeBackend()
    backend.fail_training = "disk full"
    engine = Engine(backend)
    try:
        engine.request(id="1", type="open_document", doc="d", text=TEXT)
        failed = engine.wait_for(lambda e: e.get("code") == "absorption_failed")
        assert failed["id"] is None and failed["doc"] == "d" and "disk full" in failed["message"]
        time.sleep(1.3)  # the absorber retries every second
        assert sum(e.get("code") == "absorption_failed" for e in engine.out.seen) == 1
        backend.fail_training = None
        engine.learned_all("d")  # and learns once the cause is gone
    finally:
        engine.close()


def test_load_model_reabsorbs_every_document_with_the_new_backend(engine):
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    engine.learned_all("d")
    loaded = engine.request(id="2", type="load_model", model="other")
    assert loaded["model"] == "fake.gguf" and engine.backend.closed
    new = engine.server.documents.backend
    engine.wait_for(lambda e: e["type"] == "absorption" and e.get("adapter_version") == 8 and e is not None
                    and len(new.learned) == 8)  # fmt: skip


def test_shutdown_deletes_every_adapter(engine):
    engine.request(id="1", type="open_document", doc="a", text=TEXT)
    engine.request(id="2", type="open_document", doc="b", text=TEXT)
    engine.learned_all("a")
    folder = engine.server.documents.store.folder
    assert engine.request(id="3", type="shutdown")["request"] == "shutdown"
    assert not folder.exists()


def test_a_chapter_is_written_beat_by_beat_each_section_opened_by_its_beat(engine):
    book = "Anne walked to the door. She was tired, and she had scolded him. " * 4
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    engine.send(id="2", type="generate_chapter", doc="d", title="CHAPTER XIII.", text=book, max_tokens=100,
                beats=["the Duchess scolds Alice", "the baby turns into a pig"])  # fmt: skip
    done = engine.answer("2")
    first, second = done["sections"]
    assert first.startswith("The Duchess scolded Alice. w0") and second.startswith("The baby turned into")
    assert done["text"] == f"{first}\n\n{second}"  # sections are paragraphs apart
    prompts = engine.backend.prompts
    assert prompts[0] == f"{book.rstrip()}\n\nCHAPTER XIII.\n\nThe Duchess scolded Alice."
    written = first.removeprefix("The Duchess scolded Alice.")
    assert prompts[1] == f"{prompts[0]}{written}\n\nThe baby turned into a pig."  # written on from section 1
    streamed = "".join(e["text"] for e in engine.out.seen if e.get("id") == "2" and e["type"] == "token")
    assert streamed == done["text"]  # the openings stream too: the writer sees the chapter as it will be


def test_a_chapter_without_text_follows_the_whole_document_and_its_notes_are_beats(engine):
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    engine.send(
        id="2", type="generate_chapter", doc="d", title="Chapter 9", notes="tea; a storm", max_tokens=99
    )
    assert len(engine.answer("2")["sections"]) == 2
    first = engine.backend.prompts[0]
    assert first.startswith(TEXT) and first.endswith("Chapter 9\n\nTea.")


class Scripted(FakeBackend):
    """A model that writes `first` for a chapter's first section, then "She slept." whatever it is asked."""

    def __init__(self, first: list[str]) -> None:
        super().__init__()
        self.first = first

    def stream(self, text, max_tokens, sampling, should_stop):
        self.prompts.append(text)
        words = self.first if len(self.prompts) == 1 else ["She", "slept."]
        return FakeContinuation(self, words, should_stop)


def chapter_of(backend: FakeBackend) -> tuple[Engine, dict]:
    engine = Engine(backend)
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    engine.send(id="2", type="generate_chapter", doc="d", title="Chapter 2", beats=["rain"], text="Once.")
    return engine, engine.answer("2")


def test_a_section_the_model_turns_into_a_list_is_cut_there_and_written_on_afresh():
    engine, done = chapter_of(Scripted(["It", "rained.\n\n1.", "Item"]))
    assert done["text"] == "Rain. It rained. She slept."
    assert engine.backend.prompts[1] == "Once.\n\nChapter 2\n\nRain. It rained."  # on from before the list


def test_a_paragraph_the_model_ends_mid_sentence_is_cut_back_to_its_last_sentence_end():
    engine, done = chapter_of(Scripted(["It", "rained.", "Miss", "Smith\n\nCH.", "THE"]))
    assert done["text"] == "Rain. It rained. She slept."
    assert engine.backend.prompts[1].endswith("Rain. It rained.")


def test_a_chapter_heading_the_model_writes_after_a_single_line_break_ends_the_section():
    _, done = chapter_of(Scripted(["It", "rained.\nChapter", "9\n"]))
    assert done["text"] == "Rain. It rained. She slept."


def test_a_beat_given_a_length_gets_it_and_the_others_share_what_is_left(engine):
    engine.request(id="1", type="open_document", doc="d", text=TEXT)
    chapter = {"type": "generate_chapter", "doc": "d", "title": "Chapter 2", "text": "Once."}
    engine.send(id="2", **chapter, beats=["a", "b", "c"], beat_tokens=[100], max_tokens=300)
    sections = engine.answer("2")["sections"]
    assert [len(s.split()) - 1 for s in sections] == [100, 100, 100]  # (the opening word, then w0…)
    engine.send(id="3", **chapter, beats=["a", "b"], beat_tokens=[0, 60], max_tokens=260)
    assert [len(s.split()) - 1 for s in engine.answer("3")["sections"]] == [200, 60]
