"""Finding models without a network: the embedded default, the optional Gemma package, a path."""

from __future__ import annotations

import importlib.util

import pytest

from engine import models
from engine.errors import ModelError


@pytest.mark.slow
def test_default_model_is_found_in_its_package():
    path = models.resolve_model("default")
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 90_000_000
    info = models.inspect_model(path)
    assert (info.architecture, info.n_layers, info.n_heads, info.n_kv_heads) == ("llama", 30, 9, 3)


def test_missing_gemma_package_says_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name.startswith("gemma3") else real(name, *a)
    )
    with pytest.raises(ModelError, match=r"longform\[gemma\]"):
        models.resolve_model("gemma3-270m")


def test_a_path_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        models.resolve_model(str(tmp_path / "missing.gguf"))


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    fake = tmp_path / "weights.bin"
    fake.write_bytes(b"\x80\x04pickle")
    with pytest.raises(ModelError, match="not a GGUF"):
        models.inspect_model(fake)
