"""Absorbing a manuscript: Temp-LoRA's test-then-train loop over Δ-token chunks.

Chunk i is tokens [iΔ, (i+1)Δ). Its training example is up to L_T tokens before it (no loss on them), then
the chunk. It is first scored with the adapter as trained on everything before it, and only then trained on
for E steps. The last chunk may be shorter than Δ; it is learned too, because the end of the text is what a
continuation follows from.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from engine.config import TempLoraConfig
from engine.training import TempLoraTrainer

# The base model's forward passes that measure what the adapter learned (engine/known_words.py) may run
# through at most this share of the tokens training runs through. Measured on this machine (2-core AMD EPYC,
# fp32, docs/BENCHMARKS.md "What the adapter knows"): a no-gradient forward of a chunk with its context takes
# ~37% of a training step on the same tokens, so 0.12 costs ~4.5% of the training time, less with export.
# 0.15 (~5.5%) since session 19: at 0.12 a 3,000-token opening learned in the engine's order (the place,
# every 8th, the rest) got two measured chunks, and no name was in both, so the panel showed none.
MEASURE_SHARE = 0.15


@dataclass
class ChunkReport:
    """What absorbing one chunk did."""

    index: int
    start: int
    end: int
    loss: float  # mean NLL of the chunk before training on it (test-then-train)
    seconds: float

    @property
    def perplexity(self) -> float:
        return math.exp(self.loss)


def split_chunks(n_tokens: int, config: TempLoraConfig) -> list[tuple[int, int]]:
    """[start, end) of each chunk: the opening's smaller ones, then Δ tokens each; the last may be shorter."""
    opening = min(config.opening_tokens, n_tokens)
    starts = [*range(0, opening, config.opening_chunk_tokens), *range(opening, n_tokens, config.chunk_tokens)]
    return list(itertools.pairwise([*starts, n_tokens]))


def full_size(chunk: tuple[int, int], config: TempLoraConfig) -> bool:
    """Whether a chunk has all the tokens its place in the text gives it (the last one may not yet)."""
    start, end = chunk
    size = config.opening_chunk_tokens if start < config.opening_tokens else config.chunk_tokens
    return end - start == size


def training_tokens(chunk: tuple[int, int], config: TempLoraConfig) -> int:
    """Tokens the model runs through to learn one chunk: its context and itself, at every step (replay
    steps counted as full chunks). A chunk's training time is close to proportional to this, so progress
    is paced by it: the opening's small chunks, and the first chunks with little context, cost less."""
    start, end = chunk
    return (min(start, config.context_tokens) + end - start) * (config.epochs + config.replay_chunks)


def training_context(tokens: torch.Tensor, start: int, config: TempLoraConfig) -> torch.Tensor:
    """The up to L_T tokens before a chunk, fed without loss."""
    return tokens[max(0, start - config.context_tokens) : start]


def learn_chunk(
    trainer: TempLoraTrainer,
    adapter: str,
    tokens: torch.Tensor,
    chunks: list[tuple[int, int]],
    index: int,
    lr_position: int | None = None,
) -> float:
    """Train on chunk `index` (E steps, then the replay steps); returns its test loss.

    The learning rate is the one of the chunk's place in the text (`config.lr_at`), or of `lr_position`:
    a schedule that learns out of text order passes how many tokens the adapter has learned so far.

    Replay revisits earlier chunks of the same text, drawn at random but reproducibly, so the adapter keeps
    what it learned early in the book; it never sees text after the chunk, so test-then-train still holds.
    """
    return learn_and_measure(trainer, adapter, tokens, chunks, index, lr_position, measure_share=0.0)[0]


def learn_and_measure(
    trainer: TempLoraTrainer,
    adapter: str,
    tokens: torch.Tensor,
    chunks: list[tuple[int, int]],
    index: int,
    lr_position: int | None = None,
    measure_share: float = MEASURE_SHARE,
) -> tuple[float, torch.Tensor | None]:
    """As learn_chunk, and each chunk token's gain (engine/known_words.py) when this chunk is measured.

    A chunk is measured while the tokens of the base model's forward passes stay within `measure_share`
    of the tokens trained on (the document's first chunk never: its adapter is still the base model).
    """
    state = trainer.adapters[adapter]
    config = state.config
    start, end = chunks[index]
    context = training_context(tokens, start, config)
    trainer.set_learning_rate(adapter, config.lr_at(start if lr_position is None else lr_position))
    cost = len(context) + end - start
    budget = measure_share * (state.trained_tokens + training_tokens(chunks[index], config))
    gains = None
    if state.chunks_trained and state.measured_tokens + cost <= budget:
        loss, gains = trainer.train_chunk_with_gains(adapter, context, tokens[start:end])
    else:
        loss = trainer.train_chunk(adapter, context, tokens[start:end])
    draw = random.Random(config.seed * 1_000_003 + index)
    for _ in range(config.replay_chunks if index else 0):
        earlier_start, earlier_end = chunks[draw.randrange(index)]
        context = training_context(tokens, earlier_start, config)
        trainer.train_step(adapter, context, tokens[earlier_start:earlier_end])
    return loss, gains


def absorb(
    trainer: TempLoraTrainer,
    adapter: str,
    tokens: torch.Tensor,
    on_chunk: Callable[[ChunkReport, int], None] | None = None,
    first_chunk: int = 0,
) -> list[ChunkReport]:
    """Test-then-train every chunk of `tokens` from `first_chunk` on; `on_chunk(report, total)` after each."""
    config = trainer.adapters[adapter].config
    chunks = split_chunks(len(tokens), config)
    reports = []
    for index in range(first_chunk, len(chunks)):
        start, end = chunks[index]
        began = time.perf_counter()
        loss = learn_chunk(trainer, adapter, tokens, chunks, index)
        report = ChunkReport(index, start, end, loss, time.perf_counter() - began)
        reports.append(report)
        if on_chunk is not None:
            on_chunk(report, len(chunks))
    return reports
