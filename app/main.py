"""`longform`: start the desktop app — the library, the main window, and the engine as a child process.

Qt is imported only once the preflight (app/preflight.py) has found that a window can open here: a system
library missing for Qt would otherwise end the import, or Qt itself, with a traceback or an abort.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__, desktop_entry, preflight
from app.backup import backed_up_today, backups, is_healthy, make_backup, restore_backup
from app.lock import LibraryInUse, LibraryLock
from app.settings import load_settings
from app.storage import Library, LibraryDamaged, StorageError, library_path

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def app_icon() -> QIcon:
    from PySide6.QtGui import QIcon

    icon = RESOURCES / "longform.svg"
    return QIcon(str(icon)) if icon.exists() else QIcon()


def open_library(notes: list[str]) -> Library:
    """The writer's library; a damaged one is replaced by its newest sound backup (the writer is told)."""
    path = library_path()
    try:
        return Library(path)
    except LibraryDamaged as damaged:
        for backup in backups(path):
            if is_healthy(backup):
                kept = restore_backup(path, backup)
                notes.append(
                    f"{damaged}\n\nLongform restored the newest backup ({backup.name}). The damaged file "
                    f"was kept as {kept.name if kept else 'nothing'} in {path.parent}."
                )
                return Library(path)
        raise StorageError(f"{damaged} No sound backup exists; the file was left as it is: {path}") from None


def build_window(app: QApplication, start_engine: bool = True) -> MainWindow | None:
    """The main window over the writer's library, reopened where they left off (None: cannot open it)."""
    from PySide6.QtWidgets import QMessageBox

    from app.main_window import MainWindow
    from app.themes import apply_theme

    settings, notes = load_settings()
    apply_theme(app, settings.theme)
    try:
        lock = LibraryLock(library_path())
    except LibraryInUse as e:
        QMessageBox.critical(None, "Longform", str(e))
        return None
    try:
        library = open_library(notes)
    except StorageError as e:
        lock.release()
        QMessageBox.critical(None, "Longform", f"{e}\n\nNothing was changed on disk.")
        return None
    if not backed_up_today(library.path):
        try:
            make_backup(library.path, "daily")
        except (OSError, sqlite3.Error) as e:
            notes.append(f"The daily backup could not be made: {e}")
    window = MainWindow(library, settings)
    window.lock = lock
    window.setWindowIcon(app_icon())
    # "system" follows the desktop when it switches between light and dark.
    app.styleHints().colorSchemeChanged.connect(lambda *_: apply_theme(app, window.settings.theme))
    if start_engine:
        window.start_engine()
    novels = library.novels()
    if not novels:
        novels = [library.create_novel("Untitled novel")]
    last = settings.last_novel if any(n.id == settings.last_novel for n in novels) else novels[0].id
    window.open_novel(last, settings.last_chapter)
    for note in notes:
        window.show_notice(note)
    return window


def install_desktop_entry() -> int:
    """`--install-desktop-entry`: the menu entry and icon for this `longform`; exit status."""
    program = desktop_entry.longform_command()
    if program is None:
        print("longform: no `longform` program found to put in the entry", file=sys.stderr)
        return 2
    for path in desktop_entry.install(program):
        print(f"installed {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `longform`."""
    parser = argparse.ArgumentParser(prog="longform", description="Longform, the offline novel editor.")
    parser.add_argument("--version", action="version", version=f"longform {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    parser.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add Longform to the desktop's menu (this user's applications folder) and exit",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window, wait for the engine, close; exit 0 if both work on this machine",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if args.install_desktop_entry:
        return install_desktop_entry()
    try:
        preflight.check_all(load_settings()[0].model)
    except preflight.CannotStart as problem:
        print(f"longform: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Longform")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    window = build_window(app)
    if window is None:
        return 1
    if args.smoke_test:
        from app import smoke

        return smoke.run(app, window)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
