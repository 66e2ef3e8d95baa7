"""The model as torch sees it: a GGUF dequantised by transformers, cached as safetensors.

transformers dequantises a GGUF in ~16 s for the 135M model; the result is cached in the user cache dir
(keyed by the file's size, mtime and a sample of its bytes) so the next load takes a couple of seconds.
transformers' GGUF loader undoes llama.cpp's q/k row permutation, so these weights are in Hugging Face
layout; engine/export.py re-applies the permutation to the adapter.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import torch

from engine import paths
from engine.errors import ModelError
from engine.models import ModelInfo

log = logging.getLogger(__name__)

_WEIGHTS = "model.safetensors"
_SAMPLE = 1 << 20
_BUFFER = "buffer:"


class _WithBuffers(torch.nn.Module):
    """The model's state plus extra tensors, in the shape `safetensors.torch.save_model` wants."""

    def __init__(self, model, extra: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.model, self.extra = model, extra

    def state_dict(self, *args, **kwargs):
        return {**self.model.state_dict(), **self.extra}


def fingerprint(path: Path) -> str:
    """A cheap identity for a model file: size, mtime and its first and last MiB."""
    st = path.stat()
    h = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode())
    with open(path, "rb") as f:
        h.update(f.read(_SAMPLE))
        f.seek(max(0, st.st_size - _SAMPLE))
        h.update(f.read(_SAMPLE))
    return h.hexdigest()[:16]


def cache_folder(info: ModelInfo) -> Path:
    """Where the dequantised weights of this model file are cached."""
    return paths.cache_dir() / "models" / f"{info.path.stem}-{fingerprint(info.path)}"


def remove_older_copies(info: ModelInfo) -> None:
    """Delete the caches (dequantised weights, untied copy) of earlier versions of this model file.

    A reinstalled or edited model file gets a new fingerprint and so new caches; without this the old ones
    (~600 MB for the embedded model) would pile up. Copies are matched by the file's name, so two different
    files of the same name, used in turn, rebuild their caches each time (slower, never wrong).
    """
    current = fingerprint(info.path)
    own = re.compile(re.escape(info.path.stem) + r"-([0-9a-f]{16})(\.untied\.gguf)?")
    for entry in (paths.cache_dir() / "models").glob(f"{glob.escape(info.path.stem)}-*"):
        match = own.fullmatch(entry.name)
        if not match or match[1] == current:
            continue
        log.info("removing the cache of an earlier version of %s: %s", info.path.name, entry)
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _set_tensor(model, dotted: str, value: torch.Tensor) -> None:
    owner, _, name = dotted.rpartition(".")
    module = model.get_submodule(owner)
    if name in module._buffers:
        module._buffers[name] = value
    else:
        setattr(module, name, torch.nn.Parameter(value, requires_grad=False))


def _load_cached(folder: Path):
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(folder)
    with torch.device("meta"):  # skip random initialisation: every tensor comes from the file
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    for key, value in load_file(folder / _WEIGHTS).items():
        _set_tensor(model, key.removeprefix(_BUFFER), value)
    if getattr(config, "tie_word_embeddings", False):
        # save_model stores a tied weight once, under either name; point both at it.
        inp, out = model.get_input_embeddings(), model.get_output_embeddings()
        if inp.weight.is_meta:
            inp.weight = out.weight
        out.weight = inp.weight
    still_meta = [n for n, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta]
    if still_meta:
        raise ValueError(f"missing tensors {still_meta[:3]}")
    return model


def _dequantise(info: ModelInfo):
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(
            info.path.parent, gguf_file=info.path.name, dtype=torch.float32
        )
    except (ValueError, OSError, KeyError) as e:
        raise ModelError(f"transformers cannot read {info.path.name} for training: {e}") from None
    # The weights are plain float32 now; transformers still marks a GGUF-loaded model as quantised and then
    # refuses dtype changes and saving. The cached load has no such marks, so both paths behave alike.
    model.is_quantized = False
    model.hf_quantizer = None
    model.quantization_method = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    return model


def _save_cache(model, info: ModelInfo, folder: Path) -> None:
    from safetensors.torch import save_model

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder.parent))
    try:
        model.config.save_pretrained(tmp)
        # Non-persistent buffers (rotary frequencies) are saved too, so a cached load needs no init code.
        extra = {_BUFFER + n: b.contiguous() for n, b in model.named_buffers()}
        save_model(_WithBuffers(model, extra), str(tmp / _WEIGHTS))
        os.replace(tmp, folder)  # the cache appears whole or not at all
        remove_older_copies(info)
    except OSError as e:
        log.warning("could not cache dequantised weights in %s: %s", folder, e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_torch_model(info: ModelInfo):
    """The model in float32 on the CPU, from the safetensors cache or by dequantising the GGUF."""
    folder = cache_folder(info)
    if (folder / _WEIGHTS).exists():
        try:
            model = _load_cached(folder)
            log.info("loaded %s from cache %s", info.path.name, folder)
            return model.eval()
        except Exception as e:  # a damaged cache is rebuilt, never trusted
            log.warning("ignoring damaged cache %s: %s", folder, e)
            shutil.rmtree(folder, ignore_errors=True)
    model = _dequantise(info)
    _save_cache(model, info, folder)
    return model.eval()
