"""The export dialog: where to write the novel, in which format, and the author's name for its title page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.exporting import DEFAULT_FORMAT, FORMATS
from app.settings import Settings


@dataclass(frozen=True)
class ExportChoice:
    """The file to write (its suffix names the format) and the author's name."""

    path: Path
    author: str


def default_path(title: str, settings: Settings) -> Path:
    """The last folder exported to (else the home folder), the novel's title, the last format used."""
    folder = Path(settings.last_export_folder).expanduser() if settings.last_export_folder else Path.home()
    if not folder.is_dir():
        folder = Path.home()
    suffix = settings.last_export_format if settings.last_export_format in FORMATS else DEFAULT_FORMAT
    name = "".join(ch for ch in title if ch not in '/\\:*?"<>|').strip() or "Untitled"
    return folder / f"{name}{suffix}"


def with_format(path: Path, suffix: str) -> Path:
    """`path` with the suffix of a format: it replaces a format's suffix, else it is added ("Mr. Darcy")."""
    stem = path.name[: -len(path.suffix)] if path.suffix.lower() in FORMATS else path.name
    return path.with_name(stem + suffix)


class ExportDialog(QDialog):
    """Format, file and author; the file's suffix follows the format chosen."""

    def __init__(self, parent: QWidget | None, title: str, settings: Settings) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export the novel")
        start = default_path(title, settings)
        self.format = QComboBox()
        for suffix, label in FORMATS.items():
            self.format.addItem(f"{label} ({suffix})", suffix)
        self.format.setCurrentIndex(list(FORMATS).index(start.suffix))
        self.file = QLineEdit(str(start))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.author = QLineEdit(settings.author)
        self.author.setPlaceholderText("On the title page and in the file's properties")
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("File", file_row)
        form.addRow("Author", self.author)
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok | cancel)
        buttons.button(ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.format.currentIndexChanged.connect(self._format_changed)

    def _format_changed(self) -> None:
        path = Path(self.file.text().strip() or "Untitled")
        self.file.setText(str(with_format(path, self.format.currentData())))

    def _browse(self) -> None:
        suffix = self.format.currentData()
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the novel", self.file.text(), f"{FORMATS[suffix]} (*{suffix})"
        )
        if name:
            self.file.setText(str(with_format(Path(name), suffix)))

    def value(self) -> ExportChoice | None:
        """The choice as it stands, or None when no file is named."""
        text = self.file.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        if path.suffix.lower() not in FORMATS:
            path = with_format(path, self.format.currentData())
        return ExportChoice(path, self.author.text().strip())

    @classmethod
    def get_choice(cls, parent: QWidget | None, title: str, settings: Settings) -> ExportChoice | None:
        """The writer's choice, or None when cancelled."""
        dialog = cls(parent, title, settings)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
