"""Where Longform keeps its files: platformdirs folders, or one folder when LONGFORM_HOME is set.

Everything the engine writes goes under these folders, so tests (which set LONGFORM_HOME) never touch a real
home folder, and a writer can move all of Longform's state with one variable.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import platformdirs

APP_NAME = "longform"


def _home() -> Path | None:
    home = os.environ.get("LONGFORM_HOME")
    return Path(home).expanduser() if home else None


def data_dir() -> Path:
    """The writer's data (the library database)."""
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME))


def config_dir() -> Path:
    """Settings."""
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    """Caches and the temporary adapters of running engines."""
    home = _home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME))


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by the owner only, and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


@contextlib.contextmanager
def written_atomically(path: Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside `path` to write; after the block it is fsynced and renamed onto `path`.

    `path` thus appears whole or not at all, even after a crash (a torn model copy or adapter would
    otherwise be reused). On an error the temporary file is removed and `path` is left as it was.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield tmp
        if mode is not None:
            os.chmod(tmp, mode)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():  # (not unlink(missing_ok): the folder may be no folder at all)
            tmp.unlink()
