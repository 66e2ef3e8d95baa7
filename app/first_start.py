"""What a writer meets on the first start: a progress bar while the engine starts (its first start prepares
the model: ~12 s on 2 cores, docs/BENCHMARKS.md), and a note, shown once, on what the absorption panel is."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.settings import Settings

STARTING_WORDS = {
    "starting": "Starting the engine — the first start prepares the model (about 15 s)…",
    "restarting": "Restarting the engine…",
}
ABSORPTION_NOTE = (
    "<b>The Absorption panel</b> shows how much of this novel the model has learned so far, chapter by "
    "chapter. Longform trains a small temporary adapter on your book while you write, so suggestions use "
    "your names, places and style. The curve shows how surprising each passage was before it was learned "
    "(lower: the model knows the book better). It all stays on this computer, and the adapter is deleted "
    "when the novel closes."
)


class EngineStarting(QWidget):
    """For the status bar: what the engine is doing while it starts, and a bar that moves meanwhile."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # indeterminate: the engine tells no progress until its hello
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.hide()

    def show_state(self, state: str) -> None:
        """Shown while the engine starts or restarts, hidden once it has answered (or failed)."""
        self.label.setText(STARTING_WORDS.get(state, ""))
        self.setVisible(state in STARTING_WORDS)


def with_absorption_note(panel: QWidget, settings: Settings, save: Callable[[], None]) -> QWidget:
    """`panel`, with the note above it the first time Longform runs (then remembered in the settings)."""
    if settings.absorption_note_shown:
        return panel
    note = QFrame()
    note.setObjectName("absorption-note")
    note.setFrameShape(QFrame.Shape.StyledPanel)
    text = QLabel(ABSORPTION_NOTE)
    text.setWordWrap(True)
    got_it = QPushButton("Got it")
    got_it.clicked.connect(note.hide)
    column = QVBoxLayout(note)
    column.addWidget(text)
    column.addWidget(got_it)
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(note)
    layout.addWidget(panel, 1)
    settings.absorption_note_shown = True  # once: a writer who closes without reading it is not asked again
    save()
    return box
