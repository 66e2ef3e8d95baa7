"""The untied copy of a tied-head model: same computation in llama.cpp, a head of its own for the adapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.errors import ModelError
from engine.models import ModelInfo, inspect_model, resolve_model
from engine.untie import EMBEDDINGS, HEAD, generation_model_path


def _tensors(path: Path) -> dict:
    from gguf import GGUFReader

    return {t.name: t for t in GGUFReader(path).tensors}


def test_a_model_with_its_own_head_is_used_as_it_is(tmp_path):
    info = ModelInfo(tmp_path / "m.gguf", "llama", 2, 4, 2, 512, tied_head=False)
    assert generation_model_path(info) == info.path


@pytest.mark.slow
def test_the_copy_adds_the_embeddings_as_the_head_and_computes_the_same_logits(longform_home):
    from engine.generate import load_llama

    info = inspect_model(resolve_model("default"))
    assert info.tied_head  # the embedded SmolLM2 ties its head to the embeddings
    copy = generation_model_path(info)
    assert copy.parent == longform_home / "cache" / "models"
    assert generation_model_path(info) == copy  # written once
    original, untied = _tensors(info.path), _tensors(copy)
    assert set(untied) == set(original) | {HEAD}
    assert untied[HEAD].tensor_type == original[EMBEDDINGS].tensor_type
    np.testing.assert_array_equal(np.array(untied[HEAD].data), np.array(original[EMBEDDINGS].data))
    assert inspect_model(copy) == ModelInfo(
        copy,
        *[getattr(info, f) for f in ("architecture", "n_layers", "n_heads", "n_kv_heads", "context_length")],
        tied_head=False,
    )

    probe = list(range(1000, 1032))
    logits = []
    for path in (info.path, copy):
        llm = load_llama(path, 64, logits_all=True)
        llm.eval(probe)
        logits.append(np.array(llm.scores[: len(probe)]))
        llm.close()
    np.testing.assert_array_equal(logits[0], logits[1])


@pytest.mark.slow
def test_an_unwritable_cache_gives_a_clear_message(longform_home):
    longform_home.mkdir(parents=True, exist_ok=True)
    (longform_home / "cache").write_text("not a folder")  # the copy cannot be written under it
    with pytest.raises(ModelError, match="untied copy"):
        generation_model_path(inspect_model(resolve_model("default")))


@pytest.mark.slow
def test_a_changed_model_file_replaces_the_caches_of_its_earlier_version(longform_home, tmp_path):
    import os
    import shutil

    model = tmp_path / "book-model.gguf"
    shutil.copyfile(resolve_model("default"), model)
    first = generation_model_path(inspect_model(model))
    models = first.parent
    earlier_weights = models / "book-model-0123456789abcdef"  # an earlier version's dequantised weights
    earlier_weights.mkdir()
    kept = [models / "other-model-0123456789abcdef", models / "book-model-notafingerprint"]
    for path in kept:
        path.mkdir()

    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # as a reinstall would
    second = generation_model_path(inspect_model(model))
    assert second != first and second.exists()
    assert not first.exists() and not earlier_weights.exists()
    assert all(path.exists() for path in kept)
