"""A backend with no model, for the engine server's scheduling tests (as simonw/llm's MockModel).

A token is a word. Training a chunk walks through `layers` layers, calling the server's pause function at
each, as the real trainer's hooks do, and notes what it did and when; it gives back the chunk's words, with
the gains a test put in `gains`. A generation streams one word per piece. A test can hold either in the
middle (`hold_training`, `hold_generation`) to decide what happens meanwhile, or make training fail
(`fail_training`).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import torch

from engine.backend import Lesson
from engine.known_words import Word


class FakeContinuation:
    def __init__(self, backend: FakeBackend, words: list[str], should_stop) -> None:
        self.backend, self.words, self.should_stop = backend, words, should_stop
        self.pieces: list[str] = []
        self.evaluated = 0

    def __iter__(self):
        backend = self.backend
        for word in self.words:
            if self.should_stop():
                return
            if not backend.generation_gate.wait(10):
                raise TimeoutError("the test never let the generation go on")
            backend.log("token")
            self.pieces.append(" " + word)
            yield " " + word

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def tokens(self) -> int:
        return len(self.pieces)


class FakeBackend:
    path = "fake.gguf"
    architecture = "llama"
    device = "cpu"
    threads = 1

    def __init__(self, layers: int = 4, layer_seconds: float = 0.002) -> None:
        self.layers, self.layer_seconds = layers, layer_seconds
        self.vocabulary: dict[str, int] = {}
        self.events: list[tuple[float, str]] = []  # (time, what): "layer doc", "token", "warm", ...
        self.learned: list[tuple[str, tuple[int, int]]] = []  # (doc, chunk span) in the order learned
        self.adapters: set[str] = set()
        self.prompts: list[str] = []  # each generation's prompt, in order
        self.attached: list[tuple[str, int]] = []
        self.training_gate = threading.Event()
        self.training_gate.set()
        self.generation_gate = threading.Event()
        self.generation_gate.set()
        self.fail_training: str | None = None  # the message training fails with
        self.gains: dict[str, float] = {}  # word -> its gain in every chunk (not there: not measured)
        self.closed = False
        self._pause = lambda: None
        self._lock = threading.Lock()

    def log(self, what: str) -> None:
        with self._lock:
            self.events.append((time.perf_counter(), what))

    def tokens(self, text: str) -> torch.Tensor:
        ids = [self.vocabulary.setdefault(word, len(self.vocabulary)) for word in text.split()]
        return torch.tensor(ids, dtype=torch.long)

    # -- generation
    def use_adapter(self, path, key, reuse_within) -> None:
        self.attached.append(key)

    def window_for(self, text: str, max_tokens: int) -> np.ndarray:
        return self.tokens(text).numpy()[-64:]

    def load_window(self, window: np.ndarray, budget: int) -> int:
        self.log("warm")
        return 0

    def stream(self, text, max_tokens, sampling, should_stop) -> FakeContinuation:
        self.prompts.append(text)
        words = [f"w{i}" for i in range(max_tokens)]
        return FakeContinuation(self, words, should_stop)

    # -- training
    def set_pause(self, pause) -> None:
        self._pause = pause

    def learn(self, doc, config, tokens, spans, index, lr_position) -> Lesson:
        self.adapters.add(doc)
        for _ in range(self.layers):
            self._pause()
            if not self.training_gate.wait(10):
                raise TimeoutError("the test never let training go on")
            if self.fail_training:
                raise RuntimeError(self.fail_training)
            self.log(f"layer {doc}")
            time.sleep(self.layer_seconds)
        self.learned.append((doc, spans[index]))
        start, end = spans[index]
        words = {i: word for word, i in self.vocabulary.items()}
        chunk = [words[i] for i in tokens[start:end].tolist()]
        return Lesson(3.0, [Word(w, False, self.gains.get(w)) for w in chunk])

    def forget(self, doc: str) -> None:
        self.adapters.discard(doc)

    def export(self, doc: str, path: Path) -> Path:
        path.write_bytes(b"fake adapter of " + doc.encode())
        return path

    def close(self) -> None:
        self.closed = True
