"""Shared fixtures: every test runs with LONGFORM_HOME in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # Qt widgets without a display (CI)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "austen"
# The opening of Persuasion ships with the engine as the bench's sample text (engine/data/).
SAMPLE_TEXT = Path(__file__).resolve().parents[1] / "engine" / "data" / "persuasion_opening.txt"


@pytest.fixture(autouse=True)
def longform_home(tmp_path, monkeypatch) -> Path:
    """Point every Longform folder at the test's own temporary folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("LONGFORM_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory) -> Path:
    """A LONGFORM_HOME shared by the slow tests, so the dequantised model cache is built once."""
    return tmp_path_factory.mktemp("shared-home")


@pytest.fixture(scope="session")
def loaded_model(shared_home):
    """The embedded model, loaded once into llama.cpp and torch."""
    from engine.config import TempLoraConfig
    from engine.runtime import LoadedModel

    previous = os.environ.get("LONGFORM_HOME")
    os.environ["LONGFORM_HOME"] = str(shared_home)
    try:
        config = TempLoraConfig(window=512, chunk_tokens=256, opening_tokens=0)  # Δ 256 from the first token
        model = LoadedModel("default", config, threads=2)
        model.trainer  # noqa: B018 - load the torch side now, under the shared home
    finally:
        if previous is None:
            os.environ.pop("LONGFORM_HOME")
        else:
            os.environ["LONGFORM_HOME"] = previous
    yield model
    model.close()


@pytest.fixture(scope="session")
def sample_text() -> str:
    """About 3,000 tokens of a real novel (the opening of Persuasion, public domain)."""
    return SAMPLE_TEXT.read_text(encoding="utf-8")


@pytest.fixture
def home_with_model_cache(longform_home, shared_home) -> Path:
    """The test's own LONGFORM_HOME, sharing the dequantised model cache so an engine starts in seconds."""
    models = shared_home / "cache" / "models"
    models.mkdir(parents=True, exist_ok=True)
    (longform_home / "cache").mkdir(parents=True, exist_ok=True)
    (longform_home / "cache" / "models").symlink_to(models, target_is_directory=True)
    return longform_home
