"""The View and Help menus' commands: distraction-free full screen, the theme, the keyboard shortcuts.

A part of MainWindow (a mixin, so the window's actions and the tests call them on the window).
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.dialogs import HelpDialog
from app.themes import apply_theme, resolve_theme


class ViewMenu:
    """The View and Help menus of the main window."""

    def toggle_fullscreen(self) -> None:
        full = not self.isFullScreen()
        for widget in (
            self.chapters_dock,
            self.absorption_dock,
            self.toolbar,
            self.menuBar(),
            self.statusBar(),
        ):
            widget.setVisible(not full)
        self.showFullScreen() if full else self.showNormal()

    def toggle_theme(self) -> None:
        self.settings.theme = "light" if resolve_theme(self.settings.theme) == "dark" else "dark"
        apply_theme(QApplication.instance(), self.settings.theme)
        self._save_settings()

    def show_help(self) -> None:
        HelpDialog(self).exec()
