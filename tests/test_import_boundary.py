"""The app may import only the engine's light modules, which import neither Qt nor torch nor llama.cpp.

Two checks: importing every app module in a fresh interpreter loads no torch and no llama_cpp, and
import-linter's contracts (pyproject.toml) hold, including for imports made inside functions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "llama_cpp", "transformers", "peft")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_importing_every_app_module_loads_no_torch_and_no_llama_cpp():
    script = (
        "import importlib, pkgutil, sys, app\n"
        "names = [m.name for m in pkgutil.walk_packages(app.__path__, 'app.')]\n"
        "for name in names: importlib.import_module(name)\n"
        f"print(len(names), [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    count, loaded = result.stdout.split(" ", 1)
    assert int(count) > 25  # every module was imported, not an empty walk
    assert loaded.strip() == "[]"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_app_module_importing_the_engines_runtime_breaks_the_contract(tmp_path):
    """The check is no formality: a copy of the tree with one forbidden import fails it."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for package in ("app", "engine"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    markup = tmp_path / "app" / "markup.py"
    markup.write_text(markup.read_text() + "\n\ndef _heavy():\n    import engine.runtime  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "app.markup -> engine.runtime" in result.stdout
