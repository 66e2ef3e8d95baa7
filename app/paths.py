"""Where the app keeps the writer's files: platformdirs folders, or one folder when LONGFORM_HOME is set.

The engine has the same rule for its own folders; the app keeps its copy so that neither imports the other.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "longform"


def _under_home(kind: str) -> Path | None:
    home = os.environ.get("LONGFORM_HOME")
    return Path(home).expanduser() / kind if home else None


def data_dir() -> Path:
    """The library database and its backups."""
    return _under_home("data") or Path(platformdirs.user_data_dir(APP_NAME))


def config_dir() -> Path:
    """settings.json."""
    return _under_home("config") or Path(platformdirs.user_config_dir(APP_NAME))


def ensure_private(path: Path) -> Path:
    """Create the folder `path` readable by the owner only (a manuscript is private), and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary name beside `path`, fsync, then rename: `path` is never half written."""
    ensure_private(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
