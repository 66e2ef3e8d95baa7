"""Writing a trained adapter as a GGUF LoRA that llama.cpp loads beside the quantised base model.

Format (as llama.cpp's convert_lora_to_gguf.py writes it): metadata `general.type = adapter`,
`adapter.type = lora`, `adapter.lora.alpha`; per adapted linear layer two tensors named after the layer's
GGUF name, `<name>.lora_a` (PEFT's A, shape (r, in)) and `<name>.lora_b` (PEFT's B, shape (out, r)), stored
as they are. llama.cpp scales the product by alpha / r, as PEFT does.

The base GGUF's converter changed some weights on the way in, and the adapter must see the same change:
for the llama architecture it permutes the rows of q and k (rotary pairs interleaved the GGML way), so B of
q_proj and k_proj gets that permutation (k with the KV head count); A, whose rows are the rank, is not
touched. qwen2 and gemma3 convert their linear layers unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine import paths
from engine.errors import ModelError
from engine.faults import fail_if_asked, pause_if_asked
from engine.models import ModelInfo

_PERMUTED_ROWS = {"llama": ("q_proj", "k_proj")}
_EXPORTABLE = ("llama", "qwen2", "gemma3")


def permute_rows(weights: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's q/k row permutation (convert_hf_to_gguf `LlamaModel.permute`) applied to a matrix."""
    rows = weights.shape[0]
    return (
        weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def gguf_tensor_names(info: ModelInfo):
    """The name map from Hugging Face module names to GGUF tensor names for this model."""
    import gguf

    if info.architecture not in _EXPORTABLE:
        raise ModelError(f"No GGUF LoRA export for architecture {info.architecture!r}.")
    arch = next(a for a, name in gguf.MODEL_ARCH_NAMES.items() if name == info.architecture)
    return gguf.get_tensor_name_map(arch, info.n_layers)


def lora_tensors(info: ModelInfo, layers: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """GGUF tensors for `layers`: Hugging Face module name → (A, B) as PEFT holds them."""
    names = gguf_tensor_names(info)
    permuted = _PERMUTED_ROWS.get(info.architecture, ())
    tensors: dict[str, np.ndarray] = {}
    for module, (a, b) in layers.items():
        base = names.get_name(module)
        if base is None:
            raise ModelError(f"No GGUF tensor name for layer {module!r} of a {info.architecture} model.")
        leaf = module.rsplit(".", 1)[-1]
        if leaf in permuted:
            b = permute_rows(b, info.n_heads if leaf == "q_proj" else info.n_kv_heads)
        tensors[f"{base}.weight.lora_a"] = np.ascontiguousarray(a, dtype=np.float32)
        tensors[f"{base}.weight.lora_b"] = np.ascontiguousarray(b, dtype=np.float32)
    return tensors


def write_gguf_lora(
    info: ModelInfo, layers: dict[str, tuple[np.ndarray, np.ndarray]], alpha: float, path: Path
) -> Path:
    """Write the adapter atomically to `path` (temporary name, fsync, rename; owner-only permissions)."""
    import gguf

    tensors = lora_tensors(info, layers)
    with paths.written_atomically(path, mode=0o600) as tmp:
        writer = gguf.GGUFWriter(tmp, info.architecture, use_temp_file=False)
        writer.add_string("general.type", "adapter")
        writer.add_string("adapter.type", "lora")
        writer.add_float32("adapter.lora.alpha", float(alpha))
        for name, tensor in tensors.items():
            writer.add_tensor(name, tensor)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        pause_if_asked("export")  # a test kills the engine here: the adapter half exported
        fail_if_asked("export")  # a test makes exporting fail: the GUI must hear of it
    return path
