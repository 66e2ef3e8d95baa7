"""The absorption panel: which chapters of the novel the model has learned, the names it knows now, the time
left, a loss plot."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from app.book_progress import describe_learning, learned
from app.engine_session import Absorption
from app.storage import Chapter


def describe_eta(seconds: float | None) -> str:
    """Time left for the writer: seconds only while they matter (a 20-minute estimate is not that exact)."""
    if seconds is None:
        return "Time left: estimating…"
    if seconds < 1:
        return "Up to date"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes_past = divmod(minutes, 60)
    if hours:
        return f"Time left: about {hours} h {minutes_past:02d} min"
    if minutes >= 10:
        return f"Time left: about {minutes} min"
    return f"Time left: about {minutes} min {secs:02d} s" if minutes else f"Time left: about {secs} s"


def describe_known(words: list[tuple[str, float]]) -> str:
    """The names the model has learned, as a sentence ("It knows Anne, Wentworth and Kellynch now.")."""
    names = [name for name, _ in words]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"It knows {listed} now."


def explain_known(words: list[tuple[str, float]]) -> str:
    """The tooltip: how much likelier each name has become."""
    lines = [
        f"{name}: {times:.0f} times as likely" if times >= 10 else f"{name}: {times:g} times as likely"
        for name, times in words
    ]
    return (
        "Names from your book that the model now expects more often than before it read it, "
        "the ones it has learned most about first:\n" + "\n".join(lines)
    )


class LossPlot(QWidget):
    """A small line plot of the test loss of each absorbed passage (lower: the model knew the text better)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.losses: list[float] = []
        self.setMinimumHeight(90)
        self.setToolTip(
            "How unexpected each passage was to the model just before it learned it (lower: better)"
        )

    def set_losses(self, losses: list[float]) -> None:
        self.losses = list(losses)
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect().adjusted(6, 6, -6, -6)
        text_color = self.palette().text().color()
        frame = QPen(text_color)
        frame.setWidthF(0.5)
        painter.setPen(frame)
        painter.drawRect(rect)
        if len(self.losses) < 2:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "surprise per passage")
            return
        low, high = min(self.losses), max(self.losses)
        span = (high - low) or 1.0
        path = QPainterPath()
        for i, loss in enumerate(self.losses):
            x = rect.left() + rect.width() * i / (len(self.losses) - 1)
            y = rect.bottom() - rect.height() * (loss - low) / span
            path.lineTo(QPointF(x, y)) if i else path.moveTo(QPointF(x, y))
        pen = QPen(self.palette().highlight().color())
        pen.setWidthF(1.8)
        painter.setPen(pen)
        painter.drawPath(path)
        painter.setPen(text_color)
        painter.drawText(
            rect.adjusted(4, 2, -4, -2),
            Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight,
            f"{self.losses[-1]:.2f}",
        )


def wrapping_label(text: str = "") -> QLabel:
    """A label that wraps to the panel's width and never sets it: the panel's sentences change every few
    seconds, and a label as wide as its longest line pushed the editor beside it about (117 to 429 px)."""
    label = QLabel(text)
    label.setWordWrap(True)
    policy = label.sizePolicy()  # word wrap set height-for-width on it: keep that
    policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
    label.setSizePolicy(policy)
    return label


class AbsorptionPanel(QWidget):
    """Shows one document's Absorption."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = wrapping_label("No novel open")
        self.known = wrapping_label()
        self.known.hide()  # until the model has learned names worth naming
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.eta = wrapping_label()
        self.version = wrapping_label()
        self.plot = LossPlot()
        layout = QVBoxLayout(self)
        for w in (self.summary, self.known, self.bar, self.eta, self.plot, self.version):
            layout.addWidget(w)
        layout.addStretch(1)
        self.setMinimumWidth(180)  # the labels wrap: narrower, a sentence would take a line a word

    def sizeHint(self) -> QSize:
        # The labels ask for no width of their own; this is the width the dock opens at.
        return QSize(300, super().sizeHint().height())

    def show_absorption(self, progress: Absorption | None, chapters: list[Chapter] | None = None) -> None:
        """Show how far the model has learned the book whose chapters (as stored) are `chapters`."""
        if progress is None:
            self.summary.setText("Waiting for the engine…")
            self.bar.setValue(0)
            self.eta.setText("")
            self.version.setText("")
            self.plot.set_losses([])
            self.show_known([])
            return
        chapters = chapters or []
        self.summary.setText(describe_learning(progress, chapters))
        self.bar.setMaximum(100)
        self.bar.setValue(learned(progress, chapters).percent if progress.chunks_total else 0)
        done = progress.chunks_absorbed >= progress.chunks_total
        self.eta.setText("Up to date" if done else describe_eta(progress.eta_seconds()))
        self.version.setText(
            f"Adapter version {progress.adapter_version}" if progress.adapter_version else "No adapter yet"
        )
        self.plot.set_losses(progress.losses)
        self.show_known(progress.known_words)

    def show_known(self, words: list[tuple[str, float]]) -> None:
        self.known.setText(describe_known(words))
        self.known.setToolTip(explain_known(words) if words else "")
        self.known.setVisible(bool(words))
