"""Generation with llama.cpp: a short window (W tokens) plus the document's adapter, swapped at run time.

The quantised base model is loaded once. A GGUF LoRA is attached to the context with
`llama_set_adapters_lora` and the previous one freed, without reloading the model. The window's KV cache
is kept from one request to the next (engine/window.py), so a request evaluates only the tokens the cache
lacks; after an adapter swap the caller chooses whether the cache computed with the previous adapter is
kept (Temp-Lora's cache reuse) or dropped. Sampling is llama.cpp's own chain (penalties, DRY, top-k,
top-p, min-p, temperature), and a continuation ends where a sentence does (engine/sentences.py).
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
import numpy as np
from llama_cpp import Llama
from llama_cpp._internals import LlamaSampler

from engine.errors import ModelError
from engine.sentences import cut_to_sentence, ends_sentence, starts_new_word
from engine.window import MIN_MATCH, Window, anchored

log = logging.getLogger(__name__)


@llama_cpp.llama_log_callback
def _llama_log(level, text, user_data):  # llama.cpp's chatter goes to our log, not the writer's terminal
    log.debug("llama.cpp: %s", text.decode("utf-8", "replace").rstrip())


llama_cpp.llama_log_set(_llama_log, ctypes.c_void_p(0))


@dataclass
class Sampling:
    """How the next token is chosen: llama.cpp's own samplers, in llama.cpp's order."""

    temperature: float = 0.8
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    penalty_last_n: int = 64  # tokens the repeat penalty looks back over
    # DRY ("don't repeat yourself", as KoboldCpp ships it to fiction writers): a token that would extend a
    # sequence already seen in the continuation beyond `dry_allowed_length` tokens is penalised, more the
    # longer the repeat. 0 turns it off.
    dry_multiplier: float = 0.8
    dry_base: float = 1.75
    dry_allowed_length: int = 2
    dry_last_n: int = 512
    seed: int = 0

    def sampler(self, llm: Llama) -> LlamaSampler:
        """A fresh llama.cpp sampler chain (its penalties see only what it is shown or samples)."""
        chain = LlamaSampler()
        chain.add_penalties(llm.n_vocab(), self.penalty_last_n, self.repeat_penalty, 0.0, 0.0)
        if self.dry_multiplier > 0:
            chain.add_dry(
                llm._model,
                self.dry_multiplier,
                self.dry_base,
                self.dry_allowed_length,
                self.dry_last_n,
                DRY_BREAKERS,
            )
        if self.temperature <= 0:
            chain.add_greedy()
            return chain
        chain.add_top_k(self.top_k)
        chain.add_top_p(self.top_p, 1)
        chain.add_min_p(self.min_p, 1)
        chain.add_temp(self.temperature)
        chain.add_dist(self.seed)
        return chain


DRY_BREAKERS = [
    "\n",
    ":",
    '"',
    "*",
    "“",
    "”",
]  # a repeat across these is structure, not a rut (DRY's own defaults)


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


def decode_threads(threads: int) -> int:
    """Threads for decoding, one token at a time: one fewer than the engine may use.

    llama.cpp's threads wait for each other after every operation of the graph by spinning, and a token's
    graph is hundreds of tiny operations: when anything else needs a core for a moment (the window showing
    the words, the engine's own threads, another program), the thread that lost its core stalls the one
    that kept it. Measured on the 2-core development machine (`python scripts/decode_threads.py`): alone,
    2 threads decode 59 tokens/s and 1 thread 49; beside one busy core, 2 threads fall to 18 and 1 thread
    keeps 50. Evaluating a prompt is a few large products, where every core helps and a stall costs little,
    so it keeps them all (`n_threads_batch`).
    """
    return max(1, threads - 1)


def load_llama(model_path: Path, n_ctx: int, threads: int | None = None, **options) -> Llama:
    """A llama.cpp model as the engine loads every model (no extra buffer types, quiet); it decodes with
    `decode_threads(threads)` and evaluates prompts with all `threads`."""
    threads = threads or default_threads()
    # Every layer on the GPU when llama.cpp was built with one (the CUDA install in README); a CPU build
    # ignores it.
    options.setdefault("n_gpu_layers", -1)
    try:
        with _without_extra_buffer_types():
            return Llama(
                model_path=str(model_path),
                n_ctx=n_ctx,
                n_batch=min(n_ctx, 512),
                n_threads=decode_threads(threads),
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
    """A llama.cpp model with a window of `window` tokens, its KV cache kept across requests, and at most
    one adapter attached."""

    def __init__(self, model_path: Path, window: int = 1024, threads: int | None = None) -> None:
        self.window = window
        self.step = max(16, window // 8)  # how far the window's start moves at a time (see engine/window.py)
        self.llm = load_llama(model_path, window, threads)
        self.cache = Window(self.llm)
        self._adapter = None
        self.adapter_path: Path | None = None
        # Which adapter is attached, and which one the oldest cached token was computed with: a key such
        # as (document, adapter version), chosen by the caller; None for no adapter.
        self.adapter_key = None
        self.cache_key = None
        self.eos = self.llm.token_eos()

    # -- text <-> tokens -----------------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        """The text's tokens, with no BOS: the same ids the trainer sees."""
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def detokenize(self, tokens: list[int]) -> str:
        """Text of tokens (invalid UTF-8 replaced)."""
        return self.llm.detokenize(tokens).decode("utf-8", "replace")

    # -- adapter -------------------------------------------------------------------------------------------
    def set_adapter(self, path: Path | None, keep_cache: bool = False) -> float:
        """Attach the GGUF LoRA at `path` (None: no adapter); returns the seconds the swap took.

        The cached window was computed with the previous adapter. With `keep_cache` it is kept anyway
        (Temp-Lora's "cache reuse": only tokens evaluated from now on see the new adapter); otherwise it is
        dropped and the next request evaluates its window afresh.
        """
        start = time.perf_counter()
        new = attach_adapter(self.llm, path)
        if self._adapter:
            llama_cpp.llama_adapter_lora_free(self._adapter)
        self._adapter, self.adapter_path = new, path
        self.adapter_key = None  # use_adapter names it
        if not keep_cache:
            self.cache.clear()
            self.cache_key = None
        return time.perf_counter() - start

    def use_adapter(self, path: Path | None, key, reuse_within: int = 0) -> bool:
        """Attach the adapter known as `key` = (document, version); keep the cache when it was computed
        with an adapter of the same document at most `reuse_within` versions older. Returns whether the
        cache was kept."""
        if key == self.adapter_key and path == self.adapter_path:
            return True
        cached = self.cache_key
        keep = (
            cached is not None
            and key is not None
            and cached[0] == key[0]
            and 0 <= key[1] - cached[1] <= reuse_within
            and len(self.cache) > 0
        )
        self.set_adapter(path, keep_cache=keep)
        self.adapter_key = key
        if not keep:
            self.cache_key = key
        return keep

    def load_window(self, window: np.ndarray, budget: int | None = None) -> int:
        """Make the cache hold `window` (see Window.load); returns how many tokens were evaluated."""
        evaluated = self.cache.load(window, budget)
        if self.cache.reused == 0:
            self.cache_key = self.adapter_key  # evaluated afresh: nothing stale is left
        return evaluated

    # -- the window ----------------------------------------------------------------------------------------
    def room(self, max_tokens: int) -> int:
        """How many tokens of the text a window holds, leaving room for the continuation."""
        return max(self.window // 2, self.window - max_tokens)

    def prompt_tokens(self, text: str, max_tokens: int) -> list[int]:
        """The end of the text that fits the window, leaving room for the continuation."""
        return self._tail_tokens(text, self.room(max_tokens))[-self.room(max_tokens) :]

    def _tail_tokens(self, text: str, count: int) -> list[int]:
        """At least `count` tokens of the text's end (all of a shorter text)."""
        # Tokenize only the end of a long manuscript (a 10 MB novel takes seconds to tokenize whole);
        # once the tail holds more than `count` tokens, a word cut at its start lies beyond them.
        chars = count * 8
        while True:
            tail = text[-chars:]
            tokens = self.tokenize(tail)
            if len(tokens) > count or len(tail) == len(text):
                break
            chars *= 2
        return tokens if tokens else [self.llm.token_bos()]

    def window_for(self, text: str, max_tokens: int) -> np.ndarray:
        """The window for continuing `text`: anchored where the cached window starts, when it can be."""
        room = self.room(max_tokens)
        tokens = self._tokens_through_cache(text, room + self.window)
        if tokens is None:
            tokens = np.array(self._tail_tokens(text, room + self.window), dtype=np.int64)
        return anchored(tokens, self.cache.tokens, room, self.step)

    def _tokens_through_cache(self, text: str, count: int) -> np.ndarray | None:
        """The end of `text` as tokens, taking the cached window's own tokens where the text still holds
        their bytes, and tokenizing only what follows them (None: the text no longer holds the window).

        A model does not always write the tokens its tokenizer would make of the same text ("\n" then
        "\n" where the tokenizer makes one "\n\n" token): an accepted suggestion tokenized again then
        differs from the cache in the middle, and everything after the difference was evaluated again
        (50-63 tokens, 0.4-0.6 s, seen in the bench's after-accept figure).
        """
        cached = self.cache.tokens
        if len(cached) < MIN_MATCH:
            return None
        tail = text[-count * 8 :].encode("utf-8")  # as _tail_tokens: more than `count` tokens' worth
        pieces = [self.llm.detokenize([t]) for t in cached.tolist()]
        window = b"".join(pieces)
        ends = np.cumsum([len(p) for p in pieces])  # the first k tokens' bytes: window[: ends[k - 1]]

        def held(k: int) -> int:  # where the first k cached tokens' bytes are in the tail (-1: nowhere)
            return tail.rfind(window[: ends[k - 1]])

        at = held(MIN_MATCH)
        if at < 0:
            return None
        # The longest held prefix, by bisection: held(low) = at holds, held(high + 1) does not.
        low, high = MIN_MATCH, len(cached)
        while low < high:
            middle = (low + high + 1) // 2
            found = held(middle)
            if found >= 0:
                low, at = middle, found
            else:
                high = middle - 1
        after = tail[at + int(ends[low - 1]) :]
        rest = self.llm.tokenize(after, add_bos=False, special=False) if after else []
        return np.concatenate([cached[:low], np.array(rest, dtype=np.int64)])

    # -- generation ----------------------------------------------------------------------------------------
    def stream(
        self,
        text: str,
        max_tokens: int,
        sampling: Sampling,
        should_stop: Callable[[], bool] | None = None,
        whole_sentences: bool = True,
    ) -> Continuation:
        """The continuation of `text`, piece by piece (whole UTF-8 characters only), as a Continuation.

        `max_tokens` is a target: with `whole_sentences` the continuation goes on to the first sentence end
        after it (within `overshoot` tokens), or is cut back to the last one. A continuation longer than
        the window keeps going: the window's oldest tokens are dropped as it fills.
        """
        return Continuation(self, text, max_tokens, sampling, should_stop, whole_sentences)

    def continue_text(self, text: str, max_tokens: int, sampling: Sampling) -> str:
        """The whole continuation at once."""
        continuation = self.stream(text, max_tokens, sampling)
        for _ in continuation:
            pass
        return continuation.text

    def close(self) -> None:
        """Free the adapter and the model."""
        if self._adapter:
            llama_cpp.llama_set_adapters_lora(self.llm.ctx, None, 0, None)
            llama_cpp.llama_adapter_lora_free(self._adapter)
            self._adapter = None
        self.llm.close()


def overshoot(max_tokens: int) -> int:
    """How far past its target a continuation may run to reach a sentence end (Austen's run to 60 words)."""
    return max(64, max_tokens)


class Continuation:
    """One continuation being written. Iterate it for its pieces as they come; `text` is the result.

    `text` equals the pieces joined, except when no sentence ended within the overshoot (or the model
    stopped mid-sentence): then it is cut back to the last sentence end.
    """

    def __init__(self, gen: Generator, text, max_tokens, sampling, should_stop, whole_sentences) -> None:
        self.gen, self.prompt = gen, text
        self.target, self.sampling = max_tokens, sampling
        self.should_stop, self.whole_sentences = should_stop, whole_sentences
        self.pieces: list[str] = []
        self.tokens = 0
        self.evaluated = 0  # prompt tokens evaluated for this request (the rest came from the cache)

    @property
    def text(self) -> str:
        joined = "".join(self.pieces)
        if not self.whole_sentences or ends_sentence(joined):
            return joined
        return cut_to_sentence(joined)

    def __iter__(self) -> Iterator[str]:
        gen, llm = self.gen, self.gen.llm
        self.evaluated = gen.load_window(gen.window_for(self.prompt, self.target))
        sampler = self.sampling.sampler(llm)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        limit = self.target + overshoot(self.target) if self.whole_sentences else self.target
        so_far = ""
        try:
            while self.tokens < limit:
                token = sampler.sample(llm._ctx, -1)
                if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token):
                    break
                piece = decoder.decode(llm.detokenize([token]))
                if self.tokens >= self.target and (
                    not self.whole_sentences or (ends_sentence(so_far) and starts_new_word(piece))
                ):
                    break  # the target is reached at a sentence end: the sampled token is not kept
                self.tokens += 1
                if piece:
                    so_far += piece
                    self.pieces.append(piece)
                    yield piece
                if self.should_stop and self.should_stop():
                    return
                if len(gen.cache) >= gen.window:
                    gen.cache.make_room(gen.step)  # the window is full: its oldest tokens go
                gen.cache.append(token)
        finally:
            sampler.close()
