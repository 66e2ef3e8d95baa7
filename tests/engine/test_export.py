"""GGUF LoRA export: names, shapes, metadata, the llama q/k permutation, and the numeric round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.errors import ModelError
from engine.export import write_gguf_lora
from engine.models import ModelInfo

LAYERS = ("q_proj", "k_proj", "v_proj", "o_proj")
HIDDEN, HEADS, KV_HEADS, RANK = 32, 4, 2, 3
HEAD_DIM = HIDDEN // HEADS


def fake_info(arch: str = "llama") -> ModelInfo:
    return ModelInfo(
        Path("fake.gguf"), arch, n_layers=2, n_heads=HEADS, n_kv_heads=KV_HEADS, context_length=512
    )


def fake_layers(rng) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out_dims = {
        "q_proj": HIDDEN,
        "k_proj": KV_HEADS * HEAD_DIM,
        "v_proj": KV_HEADS * HEAD_DIM,
        "o_proj": HIDDEN,
    }
    layers = {}
    for i in range(2):
        for name in LAYERS:
            a = rng.standard_normal((RANK, HIDDEN)).astype(np.float32)
            b = rng.standard_normal((out_dims[name], RANK)).astype(np.float32)
            layers[f"model.layers.{i}.self_attn.{name}"] = (a, b)
    return layers


def read_adapter(path: Path):
    from gguf import GGUFReader

    reader = GGUFReader(path)
    meta = {k: reader.get_field(k).contents() for k in ("general.type", "adapter.type", "adapter.lora.alpha")}
    tensors = {t.name: np.array(t.data) for t in reader.tensors}
    return meta, tensors


def ggml_row_order(n_rows: int, n_head: int) -> list[int]:
    """Reference for llama.cpp's rotary layout.

    Within each head of d rows, GGUF row 2i is Hugging Face row i and row 2i+1 is row i + d/2.
    """
    d = n_rows // n_head
    order = []
    for h in range(n_head):
        for i in range(d // 2):
            order += [h * d + i, h * d + i + d // 2]
    return order


def test_export_writes_adapter_metadata_names_and_shapes(tmp_path):
    layers = fake_layers(np.random.default_rng(0))
    path = write_gguf_lora(fake_info(), layers, alpha=8.0, path=tmp_path / "doc.gguf")
    meta, tensors = read_adapter(path)
    assert meta == {"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 8.0}
    assert len(tensors) == 2 * len(layers)
    a = tensors["blk.1.attn_v.weight.lora_a"]
    b = tensors["blk.1.attn_v.weight.lora_b"]
    assert a.shape == (RANK, HIDDEN)  # PEFT's A (r, in), stored as it is
    assert b.shape == (KV_HEADS * HEAD_DIM, RANK)  # PEFT's B (out, r)
    assert set(tensors) >= {
        "blk.0.attn_q.weight.lora_a",
        "blk.0.attn_k.weight.lora_b",
        "blk.1.attn_output.weight.lora_a",
    }
    assert (path.stat().st_mode & 0o777) == 0o600
    assert not list(tmp_path.glob("*.partial"))


def test_llama_q_and_k_lora_b_rows_follow_the_converter_permutation(tmp_path):
    layers = fake_layers(np.random.default_rng(1))
    _, tensors = read_adapter(write_gguf_lora(fake_info(), layers, 8.0, tmp_path / "doc.gguf"))
    a_q, b_q = layers["model.layers.0.self_attn.q_proj"]
    _, b_k = layers["model.layers.0.self_attn.k_proj"]
    _, b_v = layers["model.layers.0.self_attn.v_proj"]
    np.testing.assert_array_equal(tensors["blk.0.attn_q.weight.lora_b"], b_q[ggml_row_order(HIDDEN, HEADS)])
    np.testing.assert_array_equal(
        tensors["blk.0.attn_k.weight.lora_b"], b_k[ggml_row_order(len(b_k), KV_HEADS)]
    )
    np.testing.assert_array_equal(tensors["blk.0.attn_q.weight.lora_a"], a_q)  # A is never permuted
    np.testing.assert_array_equal(tensors["blk.0.attn_v.weight.lora_b"], b_v)  # nor is v


def test_the_output_head_exports_as_the_output_tensor(tmp_path):
    """PEFT's `lm_head` LoRA goes to `output.weight`, the head an untied model copy has (engine/untie.py)."""
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((RANK, HIDDEN)), rng.standard_normal((100, RANK))
    _, tensors = read_adapter(write_gguf_lora(fake_info(), {"lm_head": (a, b)}, 8.0, tmp_path / "doc.gguf"))
    assert set(tensors) == {"output.weight.lora_a", "output.weight.lora_b"}
    np.testing.assert_array_equal(tensors["output.weight.lora_a"], a.astype(np.float32))
    np.testing.assert_array_equal(tensors["output.weight.lora_b"], b.astype(np.float32))


@pytest.mark.parametrize("arch", ["qwen2", "gemma3"])
def test_other_architectures_export_without_permutation(tmp_path, arch):
    layers = fake_layers(np.random.default_rng(2))
    _, tensors = read_adapter(write_gguf_lora(fake_info(arch), layers, 8.0, tmp_path / "doc.gguf"))
    np.testing.assert_array_equal(
        tensors["blk.0.attn_q.weight.lora_b"], layers["model.layers.0.self_attn.q_proj"][1]
    )


def test_unsupported_architecture_is_refused_with_a_clear_message(tmp_path):
    with pytest.raises(ModelError, match="phi3"):
        write_gguf_lora(fake_info("phi3"), fake_layers(np.random.default_rng(3)), 8.0, tmp_path / "doc.gguf")
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_llama_cpp_logit_change_matches_torch(loaded_model, sample_text):
    """A real adapter, exported and loaded by llama.cpp, changes the logits as it does in torch."""
    from engine.roundtrip import logit_change_agreement

    result = logit_change_agreement(loaded_model, loaded_model.tokens(sample_text))
    assert result["torch_change_std"] > 1.0  # the adapter really changes the model
    assert result["correlation"] >= 0.99, result
