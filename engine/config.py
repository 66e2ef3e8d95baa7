"""Temp-LoRA's hyperparameters in one object (the notation of arXiv 2401.11504 and DESIGN.md).

Δ = `chunk_tokens`, L_T = `context_tokens`, E = `epochs`, W = `window`. The defaults were chosen by
measurement for the embedded 135M model on a 2-core CPU (docs/BENCHMARKS.md has the sweep); the paper's
own values (lr 5e-5, r 64) were for 7B models on GPUs and learn far too slowly here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# Every linear layer of a decoder block.
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
# The MLP alone learned a book's opening better than every linear layer, at lower cost (docs/BENCHMARKS.md).
MLP = ("gate_proj", "up_proj", "down_proj")
# The MLP and the output head: the head lets the adapter raise the book's own words (its names) directly,
# which gained at every position in the book (docs/BENCHMARKS.md). A tied head is untied for llama.cpp.
MLP_AND_HEAD = (*MLP, "lm_head")


def option(default, help: str, flag: str | None = None):
    """A field with its help text (as peft's `field(metadata={"help": ...})`); `flag` is its option in
    `longform-engine eval` (engine/cli.py builds the options from these), None for a field the command line
    leaves at its default. A bool's flag switches it away from its default."""
    return field(default=default, metadata={"help": help, "flag": flag})


@dataclass
class TempLoraConfig:
    """How the temporary adapter is trained and how text is generated."""

    # Δ 256 with one step a chunk learns a book's opening faster than Δ 1024 with two. Over whole novels, with
    # the context frozen and the rate raised to match (half as many steps), Δ 512 learns better than Δ 256 on
    # four books (Persuasion 0.8128 against 0.8141, P&P 0.8022 / 0.8033, Emma 0.7710 / 0.7741, Mansfield
    # Park 0.7864 / 0.7893); Δ 768 and 1024 learn worse whatever the rate (docs/BENCHMARKS.md, session 19).
    chunk_tokens: int = option(512, "Δ: tokens per training chunk", "--chunk")
    # With the context frozen (below), 256 tokens of it learned whole novels as well as 512 at Δ 256, and at
    # Δ 512 128 tokens as well as 256 (Persuasion 0.8128 / 0.8131, P&P 0.8022 / 0.8015): a step ~1.1× faster
    # per manuscript token than Δ 256 after 256 (docs/BENCHMARKS.md, sessions 18 and 19).
    context_tokens: int = option(
        128, "L_T: earlier tokens fed before a chunk, with no loss on them", "--context"
    )
    epochs: int = option(1, "E: optimiser steps per chunk", "--epochs")
    # The opening of a text is learned in smaller chunks: while the adapter knows least, it is updated twice
    # as often. Δ 128 over the first 4096 tokens gained on all six books' openings (0.0002–0.0018) and on
    # P&P at three LoRA seeds; over 2048 or 8192 tokens, or Δ 64 over 1024, it did not (docs/BENCHMARKS.md).
    opening_tokens: int = option(4096, "tokens at the start learned in smaller chunks (0: none)", "--opening")
    opening_chunk_tokens: int = option(128, "tokens per chunk over the opening", "--opening-chunk")
    early_chunks: int = option(
        0, "the first this many chunks of a document get `early_epochs` steps instead of E", "--early-chunks"
    )
    # 4 steps on 4 chunks hurt Emma's opening (0.930 vs 0.915): over-fitting.
    early_epochs: int = option(
        0, "steps per chunk for the first `early_chunks` chunks (0: off)", "--early-epochs"
    )
    # The chunk's gradients then stop at its context, which runs once, without gradients, as a key/value
    # cache: a step 1.27× faster on this CPU (0.92 s against 1.17 s, 256 tokens after 512), and whole novels
    # 0.0035 worse (Persuasion 0.8153 against 0.8118, P&P 0.8035 against 0.8000; docs/BENCHMARKS.md,
    # "Faster steps").
    frozen_context: bool = option(
        True, "run the L_T context without gradients (a key/value cache)", "--context-gradients"
    )
    # A frozen context is mostly the text the step before ran through: its keys and values can be kept, so a
    # chunk that follows on runs only itself (engine/training.py `CarriedContext`): 1.77× faster than the
    # full step, but whole novels 0.0056–0.0059 worse, off by default (at L_T 256: a novel in 6.03 minutes
    # against 6.85, Persuasion 0.8170 and P&P 0.8065 against 0.8141 and 0.8033).
    carry_context: bool = option(
        False,
        "with a frozen context, reuse the last step's keys and values when the chunk follows on",
        "--carry-context",
    )
    # 0.3 hurt.
    context_loss: float = option(
        0.0, "weight of the context tokens' own loss (0: the chunk alone)", "--context-loss"
    )
    replay_chunks: int = option(
        0, "after a chunk, one more step on each of this many random earlier chunks", "--replay"
    )
    rank: int = option(16, "LoRA r", "--rank")
    alpha: float = option(32.0, "LoRA alpha (llama.cpp scales by alpha / r, as PEFT does)", "--alpha")
    dropout: float = option(0.0, "LoRA dropout", "--dropout")
    # A larger A makes each of B's steps move the weights further while A's own steps stay lr-sized: 2 gained
    # on two books, 3 and 0.5 lost.
    a_init_scale: float = option(
        2.0, "A starts random (PEFT's Kaiming-uniform) times this, B at 0", "--a-init-scale"
    )
    # The first chunk is learned at full rate (no warm-up from 0). 1e-3 was chosen at Δ 256; at Δ 512 (half
    # as many steps) 1.4e-3 learned whole novels best (1e-3, 1.7e-3 and 2e-3 worse; session 19).
    lr: float = option(1.4e-3, "AdamW learning rate", "--lr")
    # Early on the adapter must learn fast; deep in a book it has learned the book's names and manner, and
    # smaller steps keep each new chunk from pushing them about. From 16k tokens as 1/sqrt(position) gained
    # on four whole novels (0.0065–0.0120, most in the late chapters); as 1/position it gained less
    # (docs/BENCHMARKS.md, session 8).
    lr_decay_tokens: int = option(
        16384,
        "past this many tokens into a text the learning rate falls as (lr_decay_tokens / position) ** "
        "lr_decay_power (0: constant all through)",
        "--lr-decay-from",
    )
    lr_decay_power: float = option(
        0.5, "the power the learning rate falls by (see lr_decay_tokens)", "--lr-decay-power"
    )
    # 0.25, 4, 8, 16 all hurt.
    lr_b_ratio: float = option(1.0, "LoRA+ (arXiv 2402.12354): B learns at lr × this", "--lr-b-ratio")
    weight_decay: float = option(0.0, "AdamW weight decay", "--weight-decay")
    # 0.7 rather than the usual 0.9: the adapter does best when it follows the newest text (0.6–0.8 all
    # gained on three books' openings).
    beta1: float = option(
        0.7, "AdamW momentum: how much earlier chunks' gradients steer the next steps", "--beta1"
    )
    # 0.95 keeps later steps as large as early ones (0.999 averages in the large gradients of a book's first
    # chunks and so shrinks every later step): a small gain, mostly late.
    beta2: float = option(0.95, "AdamW second-moment decay", "--beta2")
    target_modules: tuple[str, ...] = option(
        MLP_AND_HEAD, "module names to adapt (comma-separated on the command line)", "--targets"
    )
    # Below this layer a step's gradients pass each attention by the residual stream alone: its backward (a
    # quarter of a CPU step, with its projections') is skipped; the adapter has no attention LoRA. From the
    # top (all 30 layers) a novel learned 1.65× faster on this CPU, but whole novels kept 81–83% of their gain
    # (Persuasion 0.8477 against 0.8128, P&P 0.8360 / 0.8023; docs/BENCHMARKS.md, session 20).
    attention_backward_from: int = option(
        0,
        "decoder layers below this one get no gradient through their attention",
        "--attention-backward-from",
    )
    # The backward pass then stops at this layer, so every step skips the lower layers' share of it.
    first_layer: int = option(
        0, "decoder layers below this one get no LoRA (the head always does when targeted)", "--first-layer"
    )
    bf16: bool = option(
        True, "bf16 frozen weights + autocast, when the CPU supports bf16 matmul (off: fp32)", "--no-bf16"
    )
    # A GPU step of a 1B model is launch-bound (4% of an H200's bf16 peak eager): replayed as a graph, the
    # launches cost nothing (engine/cuda_graphs.py).
    cuda_graphs: bool = option(
        True,
        "on a CUDA GPU, record each training step's shape once as a CUDA graph and replay it",
        "--no-cuda-graphs",
    )
    loss_slice_tokens: int = option(
        256, "the loss is computed in slices of this many tokens so full fp32 logits never exist"
    )
    # On a bf16 CPU oneDNN compiles (and keeps memory for) each new product shape, and a manuscript being
    # revised cuts chunks of every length: steps 10 to 60 of random sizes grew a process by 292 MiB, of
    # sizes 32 tokens apart by 83 (engine/training.py `in_shape`; docs/BENCHMARKS.md, session 16). With
    # an opening chunk that is not a whole number of steps from Δ, every opening chunk is padded.
    shape_step_tokens: int = option(
        32, "chunks are padded and contexts shortened to lengths this many tokens apart (0: any length)"
    )
    window: int = option(
        1024, "W: tokens the model sees when generating (and when scoring in eval)", "--window"
    )
    seed: int = option(0, "seed of the LoRA initialisation and dropout")

    def __post_init__(self) -> None:
        self.target_modules = tuple(self.target_modules)
        for name in ("chunk_tokens", "opening_chunk_tokens", "epochs", "rank", "window", "loss_slice_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        counts = (
            "context_tokens",
            "context_loss",
            "replay_chunks",
            "early_chunks",
            "early_epochs",
            "first_layer",
            "attention_backward_from",
            "opening_tokens",
            "lr_decay_tokens",
            "lr_decay_power",
            "shape_step_tokens",
        )
        for name in counts:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more")
        if self.opening_tokens % self.opening_chunk_tokens:
            raise ValueError("opening_tokens must be a multiple of opening_chunk_tokens")
        if not (self.lr > 0 and self.lr_b_ratio > 0 and self.a_init_scale > 0):
            raise ValueError("lr, lr_b_ratio and a_init_scale must be positive")

    def lr_at(self, position: int) -> float:
        """The learning rate for a chunk that starts `position` tokens into its text."""
        if not self.lr_decay_tokens or position <= self.lr_decay_tokens:
            return self.lr
        return self.lr * (self.lr_decay_tokens / position) ** self.lr_decay_power

    def to_dict(self) -> dict:
        """Plain values, for JSON reports."""
        d = asdict(self)
        d["target_modules"] = list(self.target_modules)
        return d

    def replace(self, **changes) -> TempLoraConfig:
        """A copy with some values changed; None values are ignored (unset CLI options)."""
        known = {f.name for f in fields(self)}
        values = self.to_dict()
        values.update({k: v for k, v in changes.items() if v is not None and k in known})
        return TempLoraConfig(**values)
