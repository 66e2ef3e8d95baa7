"""Architectures a writer will bring: tiny random GGUFs of llama (Llama 3 style), qwen2 and gemma3 go through
absorb → export → llama.cpp, and llama.cpp must see the adapter's change as torch does (`check-export`)."""

from __future__ import annotations

import os

import pytest

from engine.config import TempLoraConfig
from engine.models import inspect_model
from engine.random_model import TINY, random_gguf

ARCHITECTURES = ("llama", "qwen2", "gemma3")


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    """Each architecture's tiny model, written once and loaded into llama.cpp and torch on first use."""
    from engine.runtime import LoadedModel

    folder = tmp_path_factory.mktemp("tiny-models")
    loaded = {}

    def get(arch: str) -> LoadedModel:
        if arch not in loaded:
            previous = os.environ.get("LONGFORM_HOME")
            os.environ["LONGFORM_HOME"] = str(folder / "home")  # the caches (untied copy, weights) live here
            try:
                model = LoadedModel(
                    str(random_gguf(TINY[arch], folder / f"{arch}.gguf")),
                    # fp32 on every host: trained in bf16 (a CPU with AMX) the unpermuted llama adapter
                    # scored 0.987 where fp32 (an AVX2 host) gave 0.920, and the check's test no longer told
                    TempLoraConfig(window=512, opening_tokens=0, bf16=False),
                    threads=2,
                )
                model.trainer  # noqa: B018 - load the torch side under this home
            finally:
                if previous is None:
                    os.environ.pop("LONGFORM_HOME")
                else:
                    os.environ["LONGFORM_HOME"] = previous
            loaded[arch] = model
        return loaded[arch]

    yield get
    for model in loaded.values():
        model.close()


@pytest.mark.slow
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_tiny_model_reads_back_with_its_shape(tiny_models, arch):
    shape = TINY[arch]
    info = inspect_model(tiny_models(arch).info.path)
    assert (info.architecture, info.n_layers, info.n_heads, info.n_kv_heads) == (
        arch,
        shape.layers,
        shape.heads,
        shape.kv_heads,
    )
    assert info.tied_head == shape.tied_head


@pytest.mark.slow
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_llama_cpp_sees_the_adapter_as_torch_does(tiny_models, sample_text, arch):
    """A real adapter, trained on the model, exported and loaded by llama.cpp, changes llama.cpp's logits as
    it changes torch's: the export is right for this architecture (names, layout, permutation, head)."""
    from engine.roundtrip import logit_change_agreement

    model = tiny_models(arch)
    result = logit_change_agreement(model, model.tokens(sample_text))
    assert result["architecture"] == arch
    # Both runtimes compute the same base model (the GGUF written as llama.cpp's converter writes it) ...
    assert result["base_logits_correlation"] >= 0.999, result
    # ... the adapter changes it clearly, and by as much in both ...
    assert result["torch_change_std"] > 0.1, result
    assert result["llama_cpp_change_std"] == pytest.approx(result["torch_change_std"], rel=0.1)
    # ... and llama.cpp sees the same change.
    assert result["correlation"] >= 0.99, result


@pytest.mark.slow
def test_the_check_catches_a_llama_adapter_exported_without_the_q_k_permutation(
    tiny_models, sample_text, monkeypatch
):
    """The check can fail: without the converter's q/k row permutation the llama adapter's change differs."""
    from engine import export
    from engine.roundtrip import logit_change_agreement

    model = tiny_models("llama")
    monkeypatch.setattr(export, "_PERMUTED_ROWS", {})
    result = logit_change_agreement(model, model.tokens(sample_text))
    assert result["correlation"] < 0.98, result
