"""What the engine server needs of a model: tokens, a generator with a warm window, a trainer per document.

`ModelBackend` is the real one (llama.cpp generates, torch trains, engine/runtime.py loads both). The server
takes any object with these methods, so its scheduling can be tested with a fake in milliseconds
(tests/engine/fake_backend.py, in the spirit of simonw/llm's MockModel).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from engine.absorb import learn_and_measure
from engine.config import TempLoraConfig
from engine.generate import Sampling
from engine.known_words import Word, token_texts, words_of
from engine.runtime import LoadedModel

LOOK_BACK = 8  # tokens


class Abandoned(Exception):
    """Raised by the pause function inside a training step: drop the chunk at once (closed, or stopping)."""


class Continuation(Protocol):
    """A streaming generation: iterate for its pieces; afterwards its final text and counts."""

    pieces: list[str]
    text: str
    tokens: int
    evaluated: int

    def __iter__(self) -> Iterator[str]: ...


@dataclass
class Lesson:
    """What learning one chunk did: its test loss and its words (with their gains where measured)."""

    loss: float
    words: list[Word] = field(default_factory=list)


class Backend(Protocol):
    path: str  # the model, as `hello` names it
    architecture: str
    device: str
    threads: int

    def tokens(self, text: str) -> torch.Tensor: ...

    # -- generation
    def use_adapter(self, path: Path | None, key: tuple[str, int], reuse_within: int) -> None:
        """Attach an adapter file (None: the base model); `key` = (document, version) for cache reuse."""

    def window_for(self, text: str, max_tokens: int) -> np.ndarray: ...

    def load_window(self, window: np.ndarray, budget: int) -> int:
        """Evaluate up to `budget` tokens of `window` not in the KV cache; returns how many (0: warm)."""

    def stream(
        self, text: str, max_tokens: int, sampling: Sampling, should_stop: Callable[[], bool]
    ) -> Continuation: ...

    # -- training
    def set_pause(self, pause: Callable[[], None]) -> None:
        """`pause()` is called at every layer of a training step, forward and backward: it waits while a
        generation runs and raises Abandoned to drop the step."""

    def learn(
        self,
        doc: str,
        config: TempLoraConfig,
        tokens: torch.Tensor,
        spans: list[tuple[int, int]],
        index: int,
        lr_position: int,
    ) -> Lesson:
        """Train `doc`'s adapter (made on first use) on chunk `index`: its test loss and its words."""

    def forget(self, doc: str) -> None:
        """Drop `doc`'s adapter, if it has one."""

    def export(self, doc: str, path: Path) -> Path: ...

    def close(self) -> None: ...


class ModelBackend:
    """The real model: a GGUF for llama.cpp and the same weights in torch (loaded on the first chunk)."""

    def __init__(self, spec: str, config: TempLoraConfig, threads: int | None = None) -> None:
        self.model = LoadedModel(spec, config, threads=threads)
        self.path = str(self.model.info.path)
        self.architecture = self.model.info.architecture
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.threads = threads or torch.get_num_threads()
        self._pause: Callable[[], None] | None = None
        self._hooked = False

    def tokens(self, text: str) -> torch.Tensor:
        return self.model.tokens(text)

    def use_adapter(self, path: Path | None, key: tuple[str, int], reuse_within: int) -> None:
        self.model.generator.use_adapter(path, key, reuse_within)

    def window_for(self, text: str, max_tokens: int) -> np.ndarray:
        return self.model.generator.window_for(text, max_tokens)

    def load_window(self, window: np.ndarray, budget: int) -> int:
        return self.model.generator.load_window(window, budget)

    def stream(self, text, max_tokens, sampling, should_stop) -> Continuation:
        return self.model.generator.stream(text, max_tokens, sampling, should_stop=should_stop)

    def set_pause(self, pause: Callable[[], None]) -> None:
        self._pause = pause

    def learn(self, doc, config, tokens, spans, index, lr_position) -> Lesson:
        trainer = self.model.trainer
        self._install_pause_hooks()
        if doc not in trainer.adapters:
            trainer.add_adapter(doc, config)
        loss, gains = learn_and_measure(trainer, doc, tokens, spans, index, lr_position=lr_position)
        start, end = spans[index]
        first = max(0, start - LOOK_BACK)  # the tokens before: does the chunk's first word start a sentence?
        detokenize = self.model.generator.llm.detokenize
        texts = token_texts(detokenize([t]) for t in tokens[first:end].tolist())
        before = "".join(texts[: start - first])
        gains = gains.tolist() if gains is not None else None
        return Lesson(loss, words_of(texts[start - first :], gains, before))

    def _install_pause_hooks(self) -> None:
        """The pause at every decoder layer and at the output head (its loss slices and their backward are
        the longest stretch without a layer), forward and backward."""
        if self._hooked or self._pause is None:
            return
        causal_lm = self.model.trainer.causal_lm
        pause = self._pause
        for layer in [*causal_lm.model.layers, causal_lm.get_output_embeddings()]:
            layer.register_forward_pre_hook(lambda *_: pause())
            layer.register_full_backward_pre_hook(lambda *_: pause())
        self._hooked = True

    def forget(self, doc: str) -> None:
        trainer = self.model.loaded_trainer
        if trainer is not None and doc in trainer.adapters:
            trainer.remove_adapter(doc)

    def export(self, doc: str, path: Path) -> Path:
        return self.model.export(doc, path)

    def close(self) -> None:
        self.model.close()
