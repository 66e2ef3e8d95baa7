"""Dialogs; each returns the writer's answer and changes nothing itself."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.actions import help_rows
from app.book_progress import DEFAULT_TOKENS_PER_WORD
from app.settings import RANGES, THEMES, Settings, problems
from app.storage import Revision
from engine.model_names import installed_models

SHORTCUTS = help_rows()  # (what, keys) for the F1 help, from the table that builds the menus


def ask_name(parent: QWidget, title: str, label: str, current: str = "") -> str | None:
    """A non-empty name, or None when cancelled."""
    name, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, current)
    name = name.strip()
    return name if ok and name else None


def choose_backup(parent: QWidget, found: list[Path]) -> Path | None:
    """One of the library's backups (newest first) to restore, once the writer has confirmed."""
    if not found:
        QMessageBox.information(parent, "Restore from backup", "There is no backup yet.")
        return None
    names = [p.name for p in found]
    name, ok = QInputDialog.getItem(parent, "Restore from backup", "Backup (newest first):", names, 0, False)
    if not ok:
        return None
    answer = QMessageBox.question(
        parent,
        "Restore from backup",
        f"Replace the whole library with {name}? The current library is kept as a file beside it.",
    )
    return found[names.index(name)] if answer == QMessageBox.StandardButton.Yes else None


def ask_quit_unsaved(parent: QWidget) -> bool:
    """Whether to quit although the chapter in the editor could not be saved."""
    answer = QMessageBox.warning(
        parent,
        "Quit without saving?",
        "The chapter in the editor could not be saved, so what you typed since the last save is only in "
        "the editor. Quit anyway and lose it?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class NewChapterDialog(QDialog):
    """Title, notes or outline, and a length for a chapter the model writes."""

    def __init__(self, parent: QWidget | None, default_title: str, max_tokens: int) -> None:
        super().__init__(parent)
        self.setWindowTitle("New chapter with AI")
        self.title = QLineEdit(default_title)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Optional: what happens in this chapter, who is in it, its mood…")
        self.length = QSpinBox()
        self.length.setRange(50, 8192)
        self.length.setSingleStep(100)
        self.length.setValue(max_tokens)
        self.length.setSuffix(" tokens")
        form = QFormLayout(self)
        form.addRow("Title", self.title)
        form.addRow("Notes", self.notes)
        form.addRow("Length", self.length)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @classmethod
    def get_request(cls, parent, default_title: str, max_tokens: int) -> tuple[str, str, int] | None:
        dialog = cls(parent, default_title, max_tokens)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.title.text().strip():
            return None
        return dialog.title.text().strip(), dialog.notes.toPlainText().strip(), dialog.length.value()


ENGINE_PLACES = ("this computer", "another computer over SSH")
REMOTE_HINT = (
    "Over SSH the engine runs there with your own SSH key (no password is asked or stored); Longform must "
    "be installed there, and a model file is a path on that computer."
)
# Creativity is the sampling temperature, in the writer's words.
CREATIVITY = "Low: the likeliest words, steady and plain. High: more surprising, at times odd."


class SettingsDialog(QDialog):
    """Every setting, checked before it is returned; the engineering ones on the "Advanced" tab."""

    def __init__(
        self, parent: QWidget | None, settings: Settings, tokens_per_word: float = DEFAULT_TOKENS_PER_WORD
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.original = settings
        self.tokens_per_word = tokens_per_word
        self.spins: dict[str, QSpinBox | QDoubleSpinBox] = {}
        writing, advanced = QWidget(), QWidget()
        form = QFormLayout(writing)
        self._add_spin(form, "suggestion_words", "Suggestion length").setSuffix(" words")
        self._add_spin(form, "temperature", "Creativity")
        form.addRow(self._hint(CREATIVITY))
        goal = self._add_spin(form, "word_goal", "Session word goal")
        goal.setSuffix(" words")
        goal.setSpecialValueText("none")  # 0: no goal
        goal.setSingleStep(100)
        self.theme = QComboBox()
        self.theme.addItems(list(THEMES))
        self.theme.setCurrentText(settings.theme)
        form.addRow("Theme", self.theme)
        self.tabs = QTabWidget()
        self.tabs.addTab(writing, "Writing")
        self.tabs.addTab(advanced, "Advanced")
        self._advanced(QFormLayout(advanced))
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #c0392b")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.tabs, self.problem, buttons):
            layout.addWidget(widget)

    def _advanced(self, form: QFormLayout) -> None:
        """Where the engine runs, the model, sampling and Temp-LoRA settings, in the engine's own words."""
        self._engine_place(form)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItems(installed_models())
        self.model.setCurrentText(self.original.model)
        browse = QPushButton("Choose a GGUF file…")
        browse.clicked.connect(self._browse)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(browse)
        form.addRow("Model", model_row)
        self._add_spin(form, "top_p", "Top-p")
        self._add_spin(form, "window", "Window (tokens)")
        chunk = self._add_spin(form, "chunk_tokens", "Chunk size (tokens)")
        self.chunk_words = self._hint("")
        chunk.valueChanged.connect(self._show_chunk_words)
        self._show_chunk_words(chunk.value())
        form.addRow(self.chunk_words)
        self._add_spin(form, "epochs", "Epochs per chunk")
        self._add_spin(form, "rank", "LoRA rank")
        self._add_spin(form, "lr", "Learning rate")
        self._add_spin(form, "threads", "Threads (0: all cores)")

    def _engine_place(self, form: QFormLayout) -> None:
        """The "Run the engine on" row: this computer, or another one over SSH (user@host)."""
        self.place = QComboBox()
        self.place.addItems(ENGINE_PLACES)
        self.host = QLineEdit(self.original.engine_host)
        self.host.setPlaceholderText("user@host")
        self.place.currentIndexChanged.connect(lambda index: self.host.setEnabled(index == 1))
        self.place.setCurrentIndex(1 if self.original.engine_host else 0)
        self.host.setEnabled(bool(self.original.engine_host))
        row = QHBoxLayout()
        row.addWidget(self.place)
        row.addWidget(self.host, 1)
        form.addRow("Run the engine on", row)
        form.addRow(self._hint(REMOTE_HINT))

    def _add_spin(self, form: QFormLayout, name: str, label: str) -> QSpinBox | QDoubleSpinBox:
        low, high = RANGES[name]
        if isinstance(low, int) and isinstance(high, int):
            spin = QSpinBox()
        else:
            spin = QDoubleSpinBox()
            spin.setDecimals(6 if name == "lr" else 2)
            spin.setSingleStep(1e-4 if name == "lr" else 0.05)
        spin.setRange(low, high)
        spin.setValue(getattr(self.original, name))
        self.spins[name] = spin
        form.addRow(label, spin)
        return spin

    @staticmethod
    def _hint(text: str) -> QLabel:
        hint = QLabel(text)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid)")
        return hint

    def _show_chunk_words(self, tokens: int) -> None:
        words = round(tokens / self.tokens_per_word)
        self.chunk_words.setText(f"The model learns the book in passages of about {words} words.")

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a model", str(Path.home()), "GGUF models (*.gguf)"
        )
        if path:
            self.model.setCurrentText(path)

    def value(self) -> Settings:
        values = {name: spin.value() for name, spin in self.spins.items()}
        host = self.host.text().strip() if self.place.currentIndex() == 1 else ""
        return replace(
            self.original,
            model=self.model.currentText().strip(),
            theme=self.theme.currentText(),
            engine_host=host,
            **values,
        )

    def _check(self) -> None:
        found = problems(self.value())
        if self.place.currentIndex() == 1 and not self.host.text().strip():
            found["engine_host"] = "Write the other computer as user@host (or a host of your ssh config)."
        if found:
            self.problem.setText("\n".join(found.values()))
            return
        self.accept()

    @classmethod
    def get_settings(
        cls, parent, settings: Settings, tokens_per_word: float = DEFAULT_TOKENS_PER_WORD
    ) -> Settings | None:
        """The settings the writer chose (the open book's tokens per word turns tokens into words)."""
        dialog = cls(parent, settings, tokens_per_word)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


class PickWithPreview(QDialog):
    """A list of earlier texts beside a preview of the one selected; the writer picks one to restore."""

    def __init__(
        self, parent: QWidget | None, title: str, button: str, items: list[tuple[str, object]], preview
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(720, 480)
        self.list = QListWidget()
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        for label, value in items:
            item = QListWidgetItem(label)
            item.setData(256, value)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(
            lambda item, _: self.preview.setPlainText(preview(item.data(256)) if item else "")
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        restore = buttons.addButton(button, QDialogButtonBox.ButtonRole.AcceptRole)
        restore.setEnabled(bool(items))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.preview, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        if items:
            self.list.setCurrentRow(0)


class RevisionsDialog(PickWithPreview):
    """A chapter's earlier texts; the writer picks one to restore."""

    def __init__(self, parent: QWidget | None, revisions: list[Revision]) -> None:
        items = [
            (
                f"{datetime.datetime.fromtimestamp(r.created).strftime('%Y-%m-%d %H:%M:%S')} — "
                f"{len(r.text.split())} words",
                r,
            )
            for r in revisions
        ]
        super().__init__(parent, "Chapter revisions", "Restore this revision", items, lambda r: r.text)

    @classmethod
    def choose(cls, parent, revisions: list[Revision]) -> int | None:
        dialog = cls(parent, revisions)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.list.currentItem() is None:
            return None
        return dialog.list.currentItem().data(256).id


class HelpDialog(QDialog):
    """The keyboard shortcuts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Longform — keyboard shortcuts")
        rows = "".join(f"<tr><td>{action}</td><td><b>{keys}</b></td></tr>" for action, keys in SHORTCUTS)
        label = QLabel(
            "<p>Longform continues your novel with a small local model that learns your whole book "
            "as you write (a temporary adapter, deleted when you close the novel).</p>"
            f"<table cellspacing=6>{rows}</table>"
        )
        label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(buttons)
