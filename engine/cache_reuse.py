"""What Temp-Lora's cache reuse costs: the next chunk scored after a window cached with an older adapter.

The engine keeps the window's KV cache when a new adapter arrives (engine/serve.py, REUSE_VERSIONS): the
window's older tokens keep the keys and values computed with the adapter of s chunks ago, and only the
tokens after them (the last prompt token, the suggestion) see the newest adapter. This measures, over a
text absorbed chunk by chunk as the engine does, the perplexity of each sampled chunk's tokens
- fresh: the whole window computed with the adapter trained on everything before the chunk;
- stale by s: the window's context computed with the adapter as it was s chunks earlier, its last token
  and the chunk with the current one (exactly what the generator does after s swaps with cache reuse).
"""

from __future__ import annotations

import math
from collections import deque

import torch
import torch.nn.functional as F

from engine.absorb import learn_chunk, split_chunks
from engine.training import TempLoraTrainer

ADAPTER = "cache-reuse"


def _weights(trainer: TempLoraTrainer) -> list[torch.Tensor]:
    peft_name = trainer.adapters[ADAPTER].peft_name
    return [p.detach().clone() for _, p in trainer._adapter_parameters(peft_name)]


def _load(trainer: TempLoraTrainer, weights: list[torch.Tensor]) -> None:
    peft_name = trainer.adapters[ADAPTER].peft_name
    with torch.no_grad():
        for (_, p), w in zip(trainer._adapter_parameters(peft_name), weights, strict=True):
            p.copy_(w)


@torch.no_grad()
def chunk_nll(trainer, tokens, start: int, end: int, window: int, context_weights, current) -> float:
    """Summed NLL of tokens[start:end] after a context of window - (end - start) tokens whose keys and
    values (all but its last token) were computed with `context_weights`; the rest with `current`."""
    model = trainer.peft.base_model.model
    ids = tokens[max(0, end - window) : end].to(trainer.device)
    first = start - max(0, end - window)
    with trainer._adapter_context(ADAPTER):
        _load(trainer, context_weights)
        with trainer._autocast():
            past = model.model(input_ids=ids[None, : first - 1], use_cache=True).past_key_values
        _load(trainer, current)
        with trainer._autocast():
            hidden = model.model(input_ids=ids[None, first - 1 : -1], past_key_values=past, use_cache=True)
            logits = model.get_output_embeddings()(hidden.last_hidden_state[0])
    return F.cross_entropy(logits.float(), ids[first:], reduction="sum").item()


def measure(
    trainer: TempLoraTrainer, tokens: torch.Tensor, stale: tuple[int, ...] = (1, 4, 8, 32), every: int = 8
) -> dict:
    """Perplexity of every `every`-th chunk, fresh and stale by each s, over `tokens` absorbed in order."""
    config = trainer.config
    chunks = split_chunks(len(tokens), config)
    trainer.add_adapter(ADAPTER, config)
    history: deque = deque(maxlen=max(stale) + 1)
    nll = {"fresh": 0.0, **{f"stale_{s}": 0.0 for s in stale}}
    scored = 0
    try:
        for index, (start, end) in enumerate(chunks):
            history.append(_weights(trainer))  # the adapter as trained on everything before this chunk
            if index % every == 0 and len(history) == history.maxlen and start > config.window // 2:
                current = history[-1]
                nll["fresh"] += chunk_nll(trainer, tokens, start, end, config.window, current, current)
                for s in stale:
                    old = history[-1 - s]
                    nll[f"stale_{s}"] += chunk_nll(trainer, tokens, start, end, config.window, old, current)
                scored += end - start
            learn_chunk(trainer, ADAPTER, tokens, chunks, index)
    finally:
        trainer.remove_adapter(ADAPTER)
    ppl = {k: math.exp(v / scored) for k, v in nll.items()}
    return {
        "scored_tokens": scored,
        **{f"{k}_ppl": v for k, v in ppl.items()},
        **{f"stale_{s}_vs_fresh": ppl[f"stale_{s}"] / ppl["fresh"] for s in stale},
    }
