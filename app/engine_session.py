"""What the app knows of the engine, without Qt: request ids, lines in and out, absorption progress, state.

The engine client (app/engine_client.py) moves bytes through a QProcess; everything that can be decided
from the bytes alone lives here, so it is tested without a window or a process.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field

from engine.protocol import (
    GENERATIONS,
    MAX_LINE_BYTES,
    REQUESTS,
    DocumentOpened,
    DocumentProgress,
    DocumentUpdated,
    Error,
    ErrorCode,
    HelloDone,
    decode_event,
    encode,
    is_done,
)
from engine.protocol import Absorption as AbsorptionEvent  # the app's Absorption is the progress kept

log = logging.getLogger(__name__)

__all__ = ["GENERATIONS", "Absorption", "EngineSession"]


# How much learning paces the time-left estimate. A chunk takes 1.2–2 s on the 2-core machine, and single
# chunks cost several times that (the machine busy, a generation just ended, the opening's small chunks):
# paced by the last 5 intervals, a recorded absorption of Persuasion changed by 8.8% between readings 15 s
# apart at the median and 90% at worst; paced by 90 s of learning, by 1.8% and 7.7%. 60 s changed by 5.0%
# and 9.3%; 120 s by 1.1% and 7.7%, but a longer window is slower to show that the machine has slowed
# (docs/BENCHMARKS.md, "A steadier time left"; scripts/eta_steadiness.py).
PACE_WINDOW_SECONDS = 90.0
MIN_PAUSED_INTERVALS = 2


@dataclass
class Absorption:
    """How far the engine's adapter for one document has learned it."""

    doc: str
    chunks_absorbed: int = 0
    chunks_total: int = 0
    # Training work (tokens run through the model) done and to do: chunks differ in cost (the opening's
    # are smaller), so the ETA is paced by work, not by chunks. An engine that sends none: chunks.
    work_absorbed: int = 0
    work_total: int = 0
    adapter_version: int = 0
    # Where the learnable text ends (the last chunk may still be waiting for words) and the token ranges
    # before it not learned yet: an edit in chapter 3 leaves a gap there. None until the first event.
    learnable_tokens: int | None = None
    # The chunk the engine learns next (token span; None: up to date or not said) and whether it holds text
    # the writer changed after it was learned.
    learning: tuple[int, int] | None = None
    relearning: bool = False
    unlearned: list[tuple[int, int]] | None = None
    # What the document was opened with, for the writer's units (app/book_progress.py): the engine's token
    # count of the text sent, that text's characters and words, and the Temp-LoRA settings sent with it.
    tokens: int = 0
    sent_chars: int = 0
    sent_words: int = 0
    settings: dict = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)  # test loss of each chunk, in the order absorbed
    # The book's names the adapter has learned best, each with how many times likelier it makes them.
    known_words: list[tuple[str, float]] = field(default_factory=list)
    # At each absorption event: (time, work absorbed, work total, when the writer last saw a generation run)
    stamps: list[tuple[float, int, int, float]] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return self.chunks_absorbed / self.chunks_total if self.chunks_total else 1.0

    def eta_seconds(self) -> float | None:
        """Seconds until every chunk is absorbed, at the pace of the last 90 s of learning (None: unknown)."""
        pace = self.seconds_per_work()
        return None if pace is None else max(0.0, (self.work_total - self.work_absorbed) * pace)

    def seconds_per_work(self) -> float | None:
        """The engine's recent pace: seconds per unit of training work (None: unknown).

        Only the time between absorption events counts, and only while the engine was learning this
        document: an interval that began with it up to date (the writer was typing the next chunk) or that
        spans an edit which unlearned chunks says nothing of the pace. Intervals in which a generation
        paused the training are left out too, unless there are no others (the writer keeps generating). It
        is measured over the last PACE_WINDOW_SECONDS of the intervals counted, looking back no further than
        that much of generations' pauses: a writer who has generated all along is paced by that, not by the
        learning of an hour ago. The first interval after the document opened is left out: it holds the
        engine's warm-up (the first step builds its kernels; the generator evaluates the window at the
        cursor) and the smallest chunk, the book's first (the writer's tour read "about 8 h 48 min" there
        for a novel learned in 7 minutes). One paused interval is no pace either: a whole suggestion can be
        written in it, so an estimate from those waits for a second.
        """
        # Seconds, work and count of the intervals walked back over: those alone, and those a generation
        # paused.
        alone, paused = [0.0, 0, 0], [0.0, 0, 0]
        after_warm_up = self.stamps[1:]
        for (t2, w2, _, generated2), (t1, w1, total1, _) in itertools.pairwise(reversed(after_warm_up)):
            if alone[0] >= PACE_WINDOW_SECONDS or paused[0] >= PACE_WINDOW_SECONDS:
                break
            if w1 < total1 and w2 > w1:
                kept = alone if generated2 < t1 else paused
                kept[0] += t2 - t1
                kept[1] += w2 - w1
                kept[2] += 1
        if alone[1]:
            return alone[0] / alone[1]
        seconds, work, intervals = paused
        return seconds / work if work and intervals >= MIN_PAUSED_INTERVALS else None

    def update(self, event: DocumentProgress, now: float, generated_at: float = float("-inf")) -> None:
        """An absorption event, or an edit's answer: how far the adapter has learned the document."""
        self.chunks_absorbed, self.chunks_total = event.chunks_absorbed, event.chunks_total
        self.work_absorbed, self.work_total = event.work_absorbed, event.work_total
        self.adapter_version = event.adapter_version
        self.learnable_tokens, self.unlearned = event.learnable_tokens, list(event.unlearned)
        self.known_words = [tuple(pair) for pair in event.known_words]
        self.learning, self.relearning = event.learning, event.relearning
        if event.loss is not None:
            self.losses.append(event.loss)
        self.stamps.append((now, self.work_absorbed, self.work_total, generated_at))


class EngineSession:
    """Request ids, the line buffer, per-document progress and the engine's state for the status bar."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.pending: dict[str, str] = {}  # request id -> request type
        self._opening: dict[str, tuple[int, int, dict]] = {}  # open_document id -> chars, words, settings
        self.documents: dict[str, Absorption] = {}
        self.opened: set[str] = set()  # documents asked to open and not closed since
        self.info: HelloDone | None = None  # the engine's answer to hello
        self.garbage_lines = 0
        self._buffer = b""
        self.generated_at = float("-inf")  # when a generation was last asked for or answered

    def request(self, kind: str, **fields) -> tuple[str, bytes]:
        """A new request: its id and the line to send."""
        request_id = f"r{next(self._ids)}"
        self.pending[request_id] = kind
        if kind == "open_document" and isinstance(fields.get("doc"), str):
            self.opened.add(fields["doc"])  # its events count from now on, until it is closed
        if kind in GENERATIONS:
            self.generated_at = time.monotonic()
        if kind == "open_document" and isinstance(fields.get("text"), str):
            text, settings = fields["text"], fields.get("settings")
            self._opening[request_id] = (len(text), len(text.split()), dict(settings or {}))
        return request_id, encode(REQUESTS[kind](id=request_id, **fields))

    def feed(self, data: bytes) -> list:
        """The complete events in `data` (with what was buffered before); a line that is not an event
        is logged and skipped, so an engine printing garbage cannot break the app."""
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        if len(self._buffer) > MAX_LINE_BYTES:  # a line longer than this is garbage, not an event
            self._buffer = b""
            self.garbage_lines += 1
        events = []
        for line in lines:
            if not line.strip():
                continue
            try:
                event = decode_event(line, self.pending)
            except ValueError as e:  # not JSON, or not shaped as an event (e.g. a count that is not a number)
                self.garbage_lines += 1
                log.warning("ignored a line from the engine that is not an event (%s): %.200r", e, line)
                continue
            self._note(event)
            events.append(event)
        return events

    def _note(self, event) -> None:
        now = time.monotonic()
        if self.pending.get(event.id) in GENERATIONS:
            self.generated_at = now
        if isinstance(event, AbsorptionEvent) and event.doc in self.opened:  # not one closed meanwhile
            progress = self.documents.setdefault(event.doc, Absorption(event.doc))
            progress.update(event, now, self.generated_at)
        if not (is_done(event) or isinstance(event, Error)) or event.id not in self.pending:
            return
        del self.pending[event.id]
        opening = self._opening.pop(event.id, None)
        if isinstance(event, HelloDone):
            self.info = event
        if isinstance(event, DocumentOpened) and event.doc in self.opened:
            progress = self.documents.setdefault(event.doc, Absorption(event.doc))
            progress.chunks_total, progress.tokens = event.chunks_total, event.tokens
            if opening is not None:
                progress.sent_chars, progress.sent_words, progress.settings = opening
        if isinstance(event, DocumentUpdated) and event.doc in self.documents:
            self.documents[event.doc].update(event, now, self.generated_at)  # what the edit unlearned

    def forget(self, doc: str) -> None:
        self.documents.pop(doc, None)
        self.opened.discard(doc)

    def abandon_pending(self) -> list[Error]:
        """The engine died: an `error` for every request it will never answer."""
        events = [
            Error(id=request_id, code=ErrorCode.ENGINE_DIED, message="the engine stopped", request=kind)
            for request_id, kind in self.pending.items()
        ]
        self.pending.clear()
        self._opening.clear()
        self.documents.clear()
        self.opened.clear()
        self.info = None
        self._buffer = b""
        return events

    @property
    def state(self) -> str:
        """starting, generating, absorbing or idle."""
        if not self.info:
            return "starting"
        if any(kind in GENERATIONS for kind in self.pending.values()):
            return "generating"
        if any(a.chunks_absorbed < a.chunks_total for a in self.documents.values()):
            return "absorbing"
        return "idle"
