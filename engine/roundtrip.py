"""Does llama.cpp see the adapter torch trained? The exported GGUF LoRA's logit change, compared with torch's.

llama.cpp quantises activations to 8 bits for quantised matmuls, which adds noise of about 0.25 (logit std,
measured on the embedded model) to any change; so the adapter is trained hard enough that its change
stands well above that noise, and the correlation then says whether the export is right (names, layout,
permutations, scale).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch

from engine.config import ALL_LINEAR
from engine.runtime import LoadedModel

ADAPTER = "roundtrip"


def _torch_logits(model: LoadedModel, probe: torch.Tensor, adapter: str | None) -> np.ndarray:
    """fp32 logits of the probe, with or without the adapter."""
    trainer = model.trainer
    causal_lm = trainer.peft.base_model.model
    with torch.no_grad(), trainer._adapter_context(adapter):
        return causal_lm(probe[None].to(trainer.device)).logits[0].float().cpu().numpy()


def _llama_logits(model: LoadedModel, probe: torch.Tensor, adapter_path: Path | None) -> np.ndarray:
    import llama_cpp

    from engine.generate import attach_adapter, load_llama

    llm = load_llama(model.generation_path, max(128, len(probe)), logits_all=True)
    adapter = None
    try:
        adapter = attach_adapter(llm, adapter_path)
        llm.eval(probe.tolist())
        return np.array(llm.scores[: len(probe)])
    finally:
        if adapter:  # detach and free before the model goes: an adapter must not outlive its model
            attach_adapter(llm, None)
            llama_cpp.llama_adapter_lora_free(adapter)
        llm.close()


def logit_change_agreement(model: LoadedModel, tokens: torch.Tensor, probe_tokens: int = 64) -> dict:
    """Train an adapter on the first 512 tokens, export it, and compare logit changes on later tokens."""
    trainer = model.trainer
    train, probe = tokens[:512], tokens[520 : 520 + probe_tokens]
    if len(probe) < 8:
        raise ValueError("text too short for the round trip")
    # Every linear layer and the output head, so the q/k permutation and the untied head are exercised too.
    targets = (*ALL_LINEAR, "lm_head")
    config = trainer.config.replace(lr=3e-3, epochs=6, target_modules=targets, context_tokens=0)
    trainer.add_adapter(ADAPTER, config)
    dtype = next(trainer.causal_lm.parameters()).dtype
    try:
        trainer.train_chunk(ADAPTER, train[:0], train)
        with tempfile.TemporaryDirectory() as folder:
            path = model.export(ADAPTER, Path(folder) / "roundtrip.gguf")
            trainer.causal_lm.to(torch.float32)  # compare with fp32 torch, not bf16 rounding
            base, tuned = _torch_logits(model, probe, None), _torch_logits(model, probe, ADAPTER)
            base_cpp, tuned_cpp = _llama_logits(model, probe, None), _llama_logits(model, probe, path)
    finally:
        trainer.causal_lm.to(dtype)
        for name, p in trainer.peft.named_parameters():
            if "lora_" in name:
                p.data = p.data.float()
        trainer.remove_adapter(ADAPTER)
    torch_change, cpp_change = (tuned - base).ravel(), (tuned_cpp - base_cpp).ravel()
    return {
        "architecture": model.info.architecture,
        "correlation": float(np.corrcoef(torch_change, cpp_change)[0, 1]),
        "torch_change_std": float(torch_change.std()),
        "llama_cpp_change_std": float(cpp_change.std()),
        "base_logits_correlation": float(np.corrcoef(base.ravel(), base_cpp.ravel())[0, 1]),
    }
