"""The generation window's KV cache, kept from one request to the next.

On this machine llama.cpp processes a prompt at ~230 tokens/s, so re-evaluating a 1k-token window costs the
writer 4 s; the cache of the window *is* the writer's latency. llama.cpp's context holds one sequence: the
tokens of the last window with their keys and values. A new window is matched against it:
- the tokens both share at their start are kept (an accepted suggestion, a typed sentence, a rejected
  suggestion followed by another request: only the new tokens are evaluated);
- when the new window starts further on in the same text (the writer wrote past the window's room), the
  oldest tokens are dropped and the rest shifted to the front (llama.cpp's KV shift,
  `llama_memory_seq_rm` + `llama_memory_seq_add`), instead of evaluating the window again.

The window's start only moves in steps (`Anchor`), so a writer adding text causes a shift every `step`
tokens, not one per request: each shift re-rotates the cached keys (RoPE) once more, and llama.cpp
reports that output can degrade after shifts (#6002).
"""

from __future__ import annotations

import logging

import llama_cpp
import numpy as np
from llama_cpp import Llama

log = logging.getLogger(__name__)

MIN_MATCH = 16  # a shorter overlap between two windows is a coincidence, not the same text


def common_prefix(a: np.ndarray, b: np.ndarray) -> int:
    """How many tokens `a` and `b` share at their start."""
    n = min(len(a), len(b))
    if n == 0:
        return 0
    differ = np.flatnonzero(a[:n] != b[:n])
    return int(differ[0]) if len(differ) else n


def overlap(cached: np.ndarray, tokens: np.ndarray) -> tuple[int, int]:
    """(shift, kept): dropping the first `shift` cached tokens leaves `kept` tokens that start `tokens`.

    The shift that keeps the most tokens wins; (0, 0) when the two share nothing worth keeping.
    """
    best = (0, common_prefix(cached, tokens))
    if len(tokens) == 0:
        return best
    for shift in np.flatnonzero(cached[1:] == tokens[0]) + 1:
        kept = common_prefix(cached[shift:], tokens)
        if kept > best[1] and kept >= min(MIN_MATCH, len(tokens)):
            best = (int(shift), kept)
    return best


def anchored(tokens: np.ndarray, cached: np.ndarray, room: int, step: int) -> np.ndarray:
    """The window for `tokens` (a text's last tokens, longer than `room` when the text is): its start stays
    where the cached window starts while the text after it fits in `room`, then moves on by `step`.

    A window that shares nothing with the cache holds the last `room` tokens.
    """
    start = _find(tokens, cached)
    if start is None:
        return tokens[-room:]
    if len(tokens) - start > room:
        start = len(tokens) - room + step
    return tokens[max(start, len(tokens) - room) :]


def _find(tokens: np.ndarray, cached: np.ndarray) -> int | None:
    """Where the cached window's first tokens are in `tokens` (the last such place), or None."""
    head = cached[:MIN_MATCH]
    if len(head) < MIN_MATCH or len(tokens) < MIN_MATCH:
        return None
    candidates = np.flatnonzero(tokens[: len(tokens) - MIN_MATCH + 1] == head[0])
    for start in candidates[::-1]:
        if np.array_equal(tokens[start : start + MIN_MATCH], head):
            return int(start)
    return None


class Window:
    """The one sequence of a llama.cpp context: which tokens its cache holds, and how to reuse them."""

    def __init__(self, llm: Llama) -> None:
        self.llm = llm
        self.memory = llama_cpp.llama_get_memory(llm._ctx.ctx)
        self.can_shift = bool(llama_cpp.llama_memory_can_shift(self.memory))
        self.fresh = False  # the context's logits are those of the last cached token
        self.reused = 0  # how many cached tokens the last `load` kept

    @property
    def tokens(self) -> np.ndarray:
        """The tokens whose keys and values are cached, in order."""
        return np.array(self.llm.input_ids[: self.llm.n_tokens], dtype=np.int64)

    def __len__(self) -> int:
        return self.llm.n_tokens

    def clear(self) -> None:
        """Forget the cache (after an adapter the cached keys must not carry over)."""
        llama_cpp.llama_memory_seq_rm(self.memory, -1, -1, -1)
        self.llm.n_tokens = 0
        self.fresh = False

    def drop_oldest(self, count: int) -> None:
        """Drop the first `count` cached tokens and shift the rest to the front (no evaluation)."""
        n = self.llm.n_tokens
        count = min(count, n)
        if count <= 0:
            return
        llama_cpp.llama_memory_seq_rm(self.memory, 0, 0, count)
        llama_cpp.llama_memory_seq_add(self.memory, 0, count, -1, -count)
        ids = self.llm.input_ids
        ids[: n - count] = ids[count:n].copy()
        self.llm.n_tokens = n - count
        self.fresh = False

    def load(self, tokens: np.ndarray, budget: int | None = None) -> int:
        """Make the cache hold `tokens`, evaluating only what it lacks; the last token's logits are then
        ready to sample. With `budget`, evaluate at most that many tokens (a warm-up that may be cut
        short). Returns how many tokens were evaluated."""
        tokens = np.asarray(tokens, dtype=np.int64)
        shift, kept = (
            overlap(self.tokens, tokens) if self.can_shift else (0, common_prefix(self.tokens, tokens))
        )
        if shift:
            self.drop_oldest(shift)
        self.reused = kept
        if kept == len(tokens) == self.llm.n_tokens and self.fresh:
            return 0  # all there, and the logits to sample from too
        # Else the last token is evaluated again: its logits are what the next token is sampled from.
        kept = min(kept, len(tokens) - 1)
        if kept < self.llm.n_tokens:
            llama_cpp.llama_memory_seq_rm(self.memory, 0, kept, -1)
            self.llm.n_tokens = kept
            self.fresh = False
        todo = tokens[kept:] if budget is None else tokens[kept : kept + budget]
        if kept + len(todo) == len(tokens):
            # The last token on its own: the logits sampled from then come from a one-token decode whether
            # the window was cached or not, so a seed gives the same text either way.
            self._eval(todo[:-1])
            self._eval(todo[-1:])
        else:
            self._eval(todo)
        return len(todo)

    def _eval(self, tokens: np.ndarray) -> None:
        if len(tokens):
            self.llm.eval(tokens.tolist())
            self.fresh = True

    def make_room(self, count: int) -> None:
        """Free `count` places at the end of a full window: shifted out, or (where llama.cpp cannot shift
        this model's cache) the last half of the window evaluated again."""
        if self.can_shift:
            self.drop_oldest(count)
            return
        keep = self.tokens[-(self.llm.n_ctx() // 2) :]
        self.clear()
        self._eval(keep)

    def append(self, token: int) -> None:
        """Evaluate one more token (a generated one) at the end of the window."""
        self._eval(np.array([token]))
