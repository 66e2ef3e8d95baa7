"""FLOP estimates for training and generation, reported by `eval` and `bench`."""

from __future__ import annotations


def train_flops(n_params: int, tokens: int) -> float:
    """A LoRA training step over `tokens` tokens trains no base weight, so it costs about
    4 × params × tokens (forward + input gradients)."""
    return 4.0 * n_params * tokens


def gen_flops_per_token(n_params: int, n_layers: int, hidden: int, window: int) -> float:
    """Forward FLOPs per generated token at a full window (Kaplan et al.: 2N + 2·layers·context·d_attn)."""
    return 2.0 * n_params + 2.0 * n_layers * window * hidden
