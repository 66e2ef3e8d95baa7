"""The bench's sample text ships with the engine, so an installed package (no tests/ folder) can run it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_TEXT

ROOT = Path(__file__).resolve().parents[2]


def test_the_bench_text_is_the_shipped_opening_of_persuasion():
    from engine.bench import bench_text

    text = bench_text()
    assert text == SAMPLE_TEXT.read_text(encoding="utf-8") * 4
    assert "Sir Walter Elliot, of Kellynch Hall" in text


@pytest.mark.slow
def test_the_wheel_holds_the_bench_text(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    for package in ("app", "engine"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", "dist", "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = (source / "dist").glob("longform-*.whl")
    with zipfile.ZipFile(wheel) as z:
        shipped = z.read("engine/data/persuasion_opening.txt")
    assert shipped == SAMPLE_TEXT.read_bytes()
