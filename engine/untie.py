"""An untied copy of a model whose output head shares the input embeddings, so the head can take a LoRA.

Small models (the embedded SmolLM2, Gemma 3) tie their output head to the token embeddings: the GGUF has
no `output.weight` and llama.cpp reuses `token_embd.weight` for the head. A LoRA on the head then has no
tensor of its own to attach to (a `token_embd.weight` LoRA would change the input embeddings instead). The
copy adds `output.weight` as the very same quantised bytes as `token_embd.weight`: the copy computes
exactly what the original does, and an adapter's `output.weight.lora_a/b` change the head alone, as PEFT's
LoRA on the tied `lm_head` does in torch. The copy is written once into the user cache dir.
"""

from __future__ import annotations

import logging
from pathlib import Path

from engine import paths
from engine.errors import ModelError
from engine.models import ModelInfo
from engine.torch_model import cache_folder, remove_older_copies

log = logging.getLogger(__name__)

EMBEDDINGS, HEAD = "token_embd.weight", "output.weight"


def generation_model_path(info: ModelInfo) -> Path:
    """The GGUF llama.cpp should load: the model itself, or its untied copy when its head is tied.

    The copy is named after the model file's fingerprint (as the dequantised torch cache is), so a changed
    file gets a new copy.
    """
    if not info.tied_head:
        return info.path
    folder = cache_folder(info)  # the dequantised weights' name, so both caches go and come together
    target = folder.with_name(folder.name + ".untied.gguf")
    if not target.exists():
        from gguf import GGUFReader

        _write_untied(GGUFReader(info.path), info.architecture, target)
        remove_older_copies(info)
    return target


def _write_untied(reader, architecture: str, target: Path) -> None:
    """Every metadata field and tensor of `reader`, plus the embeddings once more as the output head."""
    import gguf

    log.info("writing an untied copy of the model to %s", target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with paths.written_atomically(target, mode=None) as partial:  # a model copy: the umask's mode
            writer = gguf.GGUFWriter(partial, architecture, use_temp_file=False)
            for key, field in reader.fields.items():
                if key.startswith("GGUF.") or key == gguf.Keys.General.ARCHITECTURE:
                    continue  # written by GGUFWriter itself
                kind = field.types[0]
                sub_type = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
                writer.add_key_value(key, field.contents(), kind, sub_type)
            for tensor in reader.tensors:
                writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
                if tensor.name == EMBEDDINGS:
                    writer.add_tensor(HEAD, tensor.data, raw_dtype=tensor.tensor_type)
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_tensors_to_file()
            writer.close()
    except OSError as e:
        raise ModelError(f"Cannot write the model's untied copy to {target.parent}: {e.strerror}.") from None
