"""Where the app keeps the writer's files: platformdirs folders, or one folder when LONGFORM_HOME is set.

The engine has the same rule for its own folders; the app keeps its copy so that neither imports the other.
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


@contextlib.contextmanager
def written_atomically(path: Path, mode: int | None = 0o600) -> Iterator[Path]:
    """A temporary path beside `path` to write; after the block it is given `mode` (owner-only unless told),
    fsynced and renamed onto `path`, which is thus never half written. On an error the temporary file is
    removed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        if mode is not None:
            os.chmod(tmp, mode)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes, private: bool = True) -> None:
    """Write `data` to `path` atomically (see `written_atomically`), in an owner-only folder.

    With `private` false, for a file the writer asked for in a folder of their own (an export), the folder is
    left as it is and the file gets the permissions of the file it replaces, or else those the umask gives.
    """
    if private:
        ensure_private(path.parent)
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
