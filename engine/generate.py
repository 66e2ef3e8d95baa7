"""Generation with llama.cpp: a short window (W tokens) plus the document's adapter, swapped at run time.

The quantised base model is loaded once. A GGUF LoRA is attached to the context with
`llama_set_adapters_lora` and the previous one freed, without reloading the model; the KV cache was
computed without the new adapter, so it is dropped (`reset`). With an unchanged adapter, llama-cpp-python's
prefix matching reuses the cache of the unchanged start of the window.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import llama_cpp
from llama_cpp import Llama

from engine.errors import ModelError

log = logging.getLogger(__name__)


@llama_cpp.llama_log_callback
def _llama_log(level, text, user_data):  # llama.cpp's chatter goes to our log, not the writer's terminal
    log.debug("llama.cpp: %s", text.decode("utf-8", "replace").rstrip())


llama_cpp.llama_log_set(_llama_log, ctypes.c_void_p(0))


@dataclass
class Sampling:
    """How the next token is chosen."""

    temperature: float = 0.8
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int = 0


@contextlib.contextmanager
def _without_extra_buffer_types():
    """Load models without llama.cpp's extra CPU buffer types (weight repacking, AMX).

    With llama-cpp-python 0.3.36 built natively on a CPU with AMX, the first decode segfaults inside the
    AMX buffer type (seen on the development machine, Xeon with amx_int8). Q4_1, the embedded model's
    type, has no repacked layout anyway, so this costs it nothing. `Llama` builds its parameters inside
    its constructor, so the default parameters are adjusted for the duration of the load.
    """
    original = llama_cpp.llama_cpp.llama_model_default_params

    def params():
        p = original()
        p.use_extra_bufts = False
        return p

    llama_cpp.llama_cpp.llama_model_default_params = params
    try:
        yield
    finally:
        llama_cpp.llama_cpp.llama_model_default_params = original


def default_threads() -> int:
    """Every core this process may use."""
    return len(os.sched_getaffinity(0))


def load_llama(model_path: Path, n_ctx: int, threads: int | None = None, **options) -> Llama:
    """A llama.cpp model as the engine loads every model (no extra buffer types, quiet)."""
    threads = threads or default_threads()
    try:
        with _without_extra_buffer_types():
            return Llama(
                model_path=str(model_path),
                n_ctx=n_ctx,
                n_batch=min(n_ctx, 512),
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
                **options,
            )
    except ValueError as e:
        raise ModelError(f"llama.cpp cannot load {model_path}: {e}") from None


def attach_adapter(llm: Llama, path: Path | None):
    """Make the GGUF LoRA at `path` (None: none) the context's only adapter; returns its handle.

    The caller frees the previous handle; on failure nothing changes and the new handle is freed.
    """
    new = None
    if path is not None:
        new = llama_cpp.llama_adapter_lora_init(llm.model, str(path).encode())
        if not new:
            raise ModelError(f"llama.cpp could not load the adapter {path}")
        adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(new)
        rc = llama_cpp.llama_set_adapters_lora(llm.ctx, adapters, 1, (ctypes.c_float * 1)(1.0))
    else:
        rc = llama_cpp.llama_set_adapters_lora(llm.ctx, None, 0, None)
    if rc != 0:
        if new:
            llama_cpp.llama_adapter_lora_free(new)
        raise ModelError(f"llama.cpp refused the adapter {path} (code {rc})")
    return new


class Generator:
    """A llama.cpp model with a window of `window` tokens and at most one adapter attached."""

    def __init__(self, model_path: Path, window: int = 1024, threads: int | None = None) -> None:
        self.window = window
        self.llm = load_llama(model_path, window, threads)
        self._adapter = None
        self.adapter_path: Path | None = None
        self.eos = self.llm.token_eos()

    # -- text <-> tokens -----------------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        """The text's tokens, with no BOS: the same ids the trainer sees."""
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def detokenize(self, tokens: list[int]) -> str:
        """Text of tokens (invalid UTF-8 replaced)."""
        return self.llm.detokenize(tokens).decode("utf-8", "replace")

    # -- adapter -------------------------------------------------------------------------------------------
    def set_adapter(self, path: Path | None) -> float:
        """Attach the GGUF LoRA at `path` (None: no adapter); returns the seconds the swap took."""
        start = time.perf_counter()
        new = attach_adapter(self.llm, path)
        if self._adapter:
            llama_cpp.llama_adapter_lora_free(self._adapter)
        self._adapter, self.adapter_path = new, path
        self.llm.reset()  # the cached prefix was computed with the previous adapter
        return time.perf_counter() - start

    # -- generation ----------------------------------------------------------------------------------------
    def prompt_tokens(self, text: str, max_tokens: int) -> list[int]:
        """The end of the text that fits the window, leaving room for the continuation."""
        room = max(self.window // 2, self.window - max_tokens)
        # Tokenize only the end of a long manuscript (a 10 MB novel takes seconds to tokenize whole);
        # once the tail holds more than `room` tokens, a word cut at its start is beyond the window.
        chars = room * 8
        while True:
            tail = text[-chars:]
            tokens = self.tokenize(tail)
            if len(tokens) > room or len(tail) == len(text):
                break
            chars *= 2
        return tokens[-room:] if tokens else [self.llm.token_bos()]

    def stream(
        self, text: str, max_tokens: int, sampling: Sampling, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        """Yield the continuation of `text` piece by piece (whole UTF-8 characters only).

        When the window is full, it slides: generation goes on from the last half window of
        text + continuation, so a chapter may be longer than the window.
        """
        history = self.prompt_tokens(text, max_tokens)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.llm.set_seed(sampling.seed)
        produced = 0
        while produced < max_tokens:
            room = self.window - len(history)
            for token in self.llm.generate(
                history,
                temp=sampling.temperature,
                top_p=sampling.top_p,
                top_k=sampling.top_k,
                min_p=sampling.min_p,
                repeat_penalty=sampling.repeat_penalty,
            ):
                if token == self.eos:
                    return
                history.append(token)
                produced += 1
                piece = decoder.decode(self.llm.detokenize([token]))
                if piece:
                    yield piece
                if produced >= max_tokens or (should_stop and should_stop()):
                    return
                room -= 1
                if room <= 1:
                    break  # window full: slide it
            else:
                return
            history = history[-(self.window // 2) :]
            self.llm.set_seed(sampling.seed + produced)  # a fresh sampler after a slide, still reproducible

    def continue_text(self, text: str, max_tokens: int, sampling: Sampling) -> str:
        """The whole continuation at once."""
        return "".join(self.stream(text, max_tokens, sampling))

    def close(self) -> None:
        """Free the adapter and the model."""
        if self._adapter:
            llama_cpp.llama_set_adapters_lora(self.llm.ctx, None, 0, None)
            llama_cpp.llama_adapter_lora_free(self._adapter)
            self._adapter = None
        self.llm.close()
