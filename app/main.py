"""`longform`: start the desktop app — the library, the main window, and the engine as a child process."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.main_window import MainWindow
from app.settings import load_settings
from app.storage import Library, StorageError
from app.themes import apply_theme

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def app_icon() -> QIcon:
    icon = RESOURCES / "longform.svg"
    return QIcon(str(icon)) if icon.exists() else QIcon()


def build_window(app: QApplication, start_engine: bool = True) -> MainWindow | None:
    """The main window over the writer's library, reopened where they left off (None: no library)."""
    settings, notes = load_settings()
    apply_theme(app, settings.theme)
    try:
        library = Library()
    except StorageError as e:
        QMessageBox.critical(None, "Longform", f"{e}\n\nNothing was changed on disk.")
        return None
    window = MainWindow(library, settings)
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
        window.statusBar().showMessage(note, 15000)
    return window


def main(argv: list[str] | None = None) -> int:
    """Entry point of `longform`."""
    parser = argparse.ArgumentParser(prog="longform", description="Longform, the offline novel editor.")
    parser.add_argument("--version", action="version", version=f"longform {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Longform")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    window = build_window(app)
    if window is None:
        return 1
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
