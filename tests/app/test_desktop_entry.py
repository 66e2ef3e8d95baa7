"""`longform --install-desktop-entry` puts the entry and the icon in the writer's XDG folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import desktop_entry

ROOT = Path(__file__).resolve().parents[2]


def entry_values(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if "=" in line)


def validate(path: Path) -> None:
    if not shutil.which("desktop-file-validate"):
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_install_desktop_entry_into_the_xdg_data_folder(tmp_path):
    data_home = tmp_path / "share"
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    result = subprocess.run(
        [sys.executable, "-m", "app.main", "--install-desktop-entry"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    entry = data_home / "applications" / "longform.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "longform.svg"
    assert result.stdout.splitlines() == [f"installed {entry}", f"installed {icon}"]
    values = entry_values(entry)
    program = Path(values["Exec"])
    assert program.is_absolute() and program.name == "longform"
    assert os.access(program, os.X_OK)  # the venv's own `longform`, beside this Python
    assert values["Icon"] == "longform" and values["Name"] == "Longform"
    assert icon.read_bytes() == (ROOT / "resources" / "longform.svg").read_bytes()
    assert entry.stat().st_mode & 0o777 == 0o644  # the desktop's menu reads it
    validate(entry)


def test_a_path_with_spaces_is_quoted_as_the_spec_says(tmp_path):
    entry, _ = desktop_entry.install(Path("/opt/my apps/long$form"), tmp_path)
    assert entry_values(entry)["Exec"] == '"/opt/my apps/long\\\\$form"'
    assert desktop_entry.exec_value(Path("/opt/longform/longform")) == "/opt/longform/longform"
    validate(entry)


def test_the_bundle_points_the_entry_at_its_own_program(monkeypatch, tmp_path):
    bundled = tmp_path / "dist" / "longform" / "longform"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundled))
    assert desktop_entry.longform_command() == bundled
