"""The absorption panel: how much of the open novel the model has learned, an ETA, the loss per chunk."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from app.engine_session import Absorption


def describe_eta(seconds: float | None) -> str:
    if seconds is None:
        return "Time left: estimating…"
    if seconds < 1:
        return "Up to date"
    minutes, secs = divmod(round(seconds), 60)
    return f"Time left: about {minutes} min {secs:02d} s" if minutes else f"Time left: about {secs} s"


class LossPlot(QWidget):
    """A small line plot of the test loss of each absorbed chunk (lower: the model knew the text better)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.losses: list[float] = []
        self.setMinimumHeight(90)
        self.setToolTip("Loss of each chunk before the model learned it")

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
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "loss per chunk")
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


class AbsorptionPanel(QWidget):
    """Shows one document's Absorption."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("No novel open")
        self.summary.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.eta = QLabel("")
        self.version = QLabel("")
        self.plot = LossPlot()
        layout = QVBoxLayout(self)
        for w in (self.summary, self.bar, self.eta, self.plot, self.version):
            layout.addWidget(w)
        layout.addStretch(1)

    def show_absorption(self, progress: Absorption | None) -> None:
        if progress is None:
            self.summary.setText("Waiting for the engine…")
            self.bar.setValue(0)
            self.eta.setText("")
            self.version.setText("")
            self.plot.set_losses([])
            return
        percent = round(100 * progress.fraction)
        if progress.chunks_total == 0:
            self.summary.setText(
                "Nothing to learn yet: the model learns the novel in chunks of about 750 words, each one "
                "as soon as it is written."
            )
        else:
            learned = f"{progress.chunks_absorbed} of {progress.chunks_total} chunks"
            self.summary.setText(f"The model has learned {learned} ({percent}%)")
        self.bar.setMaximum(max(1, progress.chunks_total))
        self.bar.setValue(progress.chunks_absorbed)
        done = progress.chunks_absorbed >= progress.chunks_total
        self.eta.setText("Up to date" if done else describe_eta(progress.eta_seconds()))
        self.version.setText(
            f"Adapter version {progress.adapter_version}" if progress.adapter_version else "No adapter yet"
        )
        self.plot.set_losses(progress.losses)
