"""The paper's evaluation protocol at our scale: perplexity of a long text, chunk by chunk.

For every Δ-token chunk, in order:
1. base model at window W scores the chunk;
2. base + Temp-LoRA at window W scores the same tokens with the same context (the adapter as trained on
   every earlier chunk: test-then-train);
3. optionally, the base model and base + Temp-LoRA at a long window W2 (the same adapter), on every chunk
   or on every Nth one (`long_every`: a W2 pass costs several W passes, and per chunk);
4. only then is the adapter trained on the chunk.
How a chunk is scored within a window: see `TempLoraTrainer.window_nll` (segments of s = min(W/2, Δ)
tokens, each token predicted from W - s to W - 1 earlier tokens). Perplexity is exp(total NLL / total
scored tokens), overall and per chunk; the official code averaged per-chunk perplexities, which is not
comparable.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from engine.absorb import learn_chunk, split_chunks
from engine.training import TempLoraTrainer


@dataclass
class Score:
    """Summed NLL and number of scored tokens."""

    nll: float = 0.0
    tokens: int = 0

    def add(self, nll: float, tokens: int) -> None:
        self.nll += nll
        self.tokens += tokens

    @property
    def perplexity(self) -> float:
        return math.exp(self.nll / self.tokens) if self.tokens else float("nan")


@dataclass
class ChunkScores:
    """The three scores of one chunk."""

    index: int
    start: int
    end: int
    base: Score
    temp_lora: Score
    long_window: Score | None
    long_window_temp_lora: Score | None
    train_seconds: float

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "tokens": self.base.tokens,
            "base_ppl": self.base.perplexity,
            "temp_lora_ppl": self.temp_lora.perplexity,
            "long_window_ppl": self.long_window.perplexity if self.long_window else None,
            "long_window_temp_lora_ppl": (
                self.long_window_temp_lora.perplexity if self.long_window_temp_lora else None
            ),
            "train_seconds": round(self.train_seconds, 3),
        }


@dataclass
class EvalReport:
    """Everything `longform-engine eval` reports."""

    window: int
    long_window: int | None
    chunks: list[ChunkScores] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, which: str, long_window_chunks_only: bool = False) -> Score:
        """Summed score of every chunk (or only of those also scored at the long window)."""
        score = Score()
        for c in self.chunks:
            s = getattr(c, which)
            if s is not None and (c.long_window is not None or not long_window_chunks_only):
                score.add(s.nll, s.tokens)
        return score

    def ratio(self) -> float:
        """Temp-LoRA perplexity over base perplexity, both at window W."""
        return self.total("temp_lora").perplexity / self.total("base").perplexity


ADAPTER = "eval"


def _score_both(trainer, tokens, start: int, end: int, window: int, trained: bool) -> tuple[Score, Score]:
    """The chunk's score by the base model and by base + Temp-LoRA, at `window`."""
    base = Score(*trainer.window_nll(tokens, start, end, window, adapter=None))
    if not trained:  # untrained adapter: B = 0, the base model exactly
        return base, Score(base.nll, base.tokens)
    return base, Score(*trainer.window_nll(tokens, start, end, window, adapter=ADAPTER))


def evaluate(
    trainer: TempLoraTrainer,
    tokens: torch.Tensor,
    long_window: int | None = None,
    long_every: int = 1,
    on_chunk: Callable[[ChunkScores, int], None] | None = None,
) -> EvalReport:
    """Run the protocol over `tokens` with a fresh adapter."""
    config = trainer.config
    trainer.add_adapter(ADAPTER, config)
    report = EvalReport(window=config.window, long_window=long_window)
    began = time.perf_counter()
    chunks = split_chunks(len(tokens), config)
    try:
        for index, (start, end) in enumerate(chunks):
            trained = index > 0
            base, temp_lora = _score_both(trainer, tokens, start, end, config.window, trained)
            long = long_temp_lora = None
            if long_window and index % long_every == 0:
                long, long_temp_lora = _score_both(trainer, tokens, start, end, long_window, trained)
            t = time.perf_counter()
            learn_chunk(trainer, ADAPTER, tokens, chunks, index)
            scores = ChunkScores(
                index, start, end, base, temp_lora, long, long_temp_lora, time.perf_counter() - t
            )
            report.chunks.append(scores)
            if on_chunk is not None:
                on_chunk(scores, len(chunks))
    finally:
        trainer.remove_adapter(ADAPTER)
    report.seconds = time.perf_counter() - began
    return report
