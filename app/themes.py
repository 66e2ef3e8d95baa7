"""Light and dark themes on Qt's Fusion style; "system" follows the desktop's colour scheme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

DARK = {
    QPalette.ColorRole.Window: "#23252b",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1b1d22",
    QPalette.ColorRole.AlternateBase: "#2a2d34",
    QPalette.ColorRole.Text: "#e8e4dc",
    QPalette.ColorRole.Button: "#2d3038",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.Highlight: "#5b7fd6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2d3038",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#8a8f99",
}
LIGHT = {
    QPalette.ColorRole.Window: "#f3f1ec",
    QPalette.ColorRole.WindowText: "#222222",
    QPalette.ColorRole.Base: "#fffdf8",
    QPalette.ColorRole.AlternateBase: "#f0ede6",
    QPalette.ColorRole.Text: "#1f1f1f",
    QPalette.ColorRole.Button: "#e9e6df",
    QPalette.ColorRole.ButtonText: "#222222",
    QPalette.ColorRole.Highlight: "#3d6bd0",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#fffdf8",
    QPalette.ColorRole.ToolTipText: "#222222",
    QPalette.ColorRole.PlaceholderText: "#8a8f99",
}


def system_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def resolve_theme(theme: str) -> str:
    """'light' or 'dark' for a setting of light, dark or system."""
    if theme in ("light", "dark"):
        return theme
    return "dark" if system_is_dark() else "light"


def apply_theme(app: QApplication, theme: str) -> str:
    """Apply the theme; returns the one applied (light or dark)."""
    chosen = resolve_theme(theme)
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in (DARK if chosen == "dark" else LIGHT).items():
        palette.setColor(role, QColor(color))
    app.setPalette(palette)
    return chosen
