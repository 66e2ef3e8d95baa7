"""`longform --install-desktop-entry`: put Longform in the desktop's menu (Linux, the XDG specifications).

The entry (packaging/longform.desktop) goes to $XDG_DATA_HOME/applications with its Exec= pointing at this
very `longform` (or the bundle's), and the icon to $XDG_DATA_HOME/icons/hicolor/scalable/apps.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import platformdirs

from engine.paths import written_atomically

ROOT = Path(__file__).resolve().parent.parent  # the repository, or the bundle's folder of data files
TEMPLATE = ROOT / "packaging" / "longform.desktop"
ICON = ROOT / "resources" / "longform.svg"
# Characters the Desktop Entry spec reserves in Exec=: an argument holding one must be quoted.
RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def longform_command() -> Path | None:
    """The absolute path of the `longform` that runs now: the bundle's program, or the installed script."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable)
    launched = Path(sys.argv[0])
    if launched.name == "longform":
        return launched.absolute()
    # `python -m app.main`: the script pip installed beside this Python, or one on PATH
    beside = Path(sys.executable).with_name("longform")
    if beside.is_file():
        return beside
    found = shutil.which("longform")
    return Path(found).absolute() if found else None


def exec_value(program: Path) -> str:
    """`program` as the Exec= key's value: quoted when it must be, then escaped as a desktop-file string."""
    text = str(program).replace("%", "%%")
    if RESERVED & set(text):
        text = '"' + re.sub(r'(["`$\\])', r"\\\1", text) + '"'
    return text.replace("\\", "\\\\")


def install(program: Path, data_home: Path | None = None) -> tuple[Path, Path]:
    """Write the entry and the icon under `data_home` (the writer's XDG data folder); returns both paths."""
    data_home = data_home or Path(platformdirs.user_data_dir())
    entry = data_home / "applications" / "longform.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "longform.svg"
    text = re.sub(r"(?m)^Exec=.*$", lambda _: f"Exec={exec_value(program)}", TEMPLATE.read_text("utf-8"))
    for path, data in ((entry, text.encode("utf-8")), (icon, ICON.read_bytes())):
        path.parent.mkdir(parents=True, exist_ok=True)
        with written_atomically(path, mode=0o644) as partial:  # the desktop must read them: not owner-only
            partial.write_bytes(data)
    return entry, icon
