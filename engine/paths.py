"""Where Longform keeps its files, and how it writes them: platformdirs folders, or one folder when
LONGFORM_HOME is set; every write that matters is atomic.

Both the app and the engine use this module (it is one of the engine's light modules: no Qt, no torch), so
tests, which set LONGFORM_HOME, never touch a real home folder, and a writer can move all of Longform's
state with one variable.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import platformdirs

APP_NAME = "longform"


def _under_home(kind: str) -> Path | None:
    home = os.environ.get("LONGFORM_HOME")
    return Path(home).expanduser() / kind if home else None


def data_dir() -> Path:
    """The writer's data: the library database and its backups."""
    return _under_home("data") or Path(platformdirs.user_data_dir(APP_NAME))


def config_dir() -> Path:
    """The app's settings.json."""
    return _under_home("config") or Path(platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    """Caches (dequantised models) and the temporary adapters of running engines."""
    return _under_home("cache") or Path(platformdirs.user_cache_dir(APP_NAME))


def private_dir(path: Path) -> Path:
    """Create the folder `path` (and parents) readable by the owner only (a manuscript is private), and
    return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


@contextlib.contextmanager
def written_atomically(path: Path, mode: int | None = 0o600) -> Iterator[Path]:
    """A temporary path beside `path` to write; after the block it is given `mode` (owner-only unless told;
    None leaves what the umask gave), fsynced and renamed onto `path`.

    `path` thus appears whole or not at all, even after a crash (a torn library, model copy or adapter
    would otherwise be reused). On an error the temporary file is removed and `path` is left as it was.
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


def write_atomically(path: Path, data: bytes, private: bool = True) -> None:
    """Write `data` to `path` atomically (see `written_atomically`), in an owner-only folder.

    With `private` false, for a file the writer asked for in a folder of their own (an export), the folder is
    left as it is and the file gets the permissions of the file it replaces, or else those the umask gives.
    """
    if private:
        private_dir(path.parent)
        mode: int | None = 0o600
    else:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = None
    with (
        written_atomically(path, mode) as tmp,
        open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o666), "wb") as f,
    ):
        f.write(data)
