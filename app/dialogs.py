"""Dialogs; each returns the writer's answer and changes nothing itself."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
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
from app.outline import MAX_WORDS, MIN_WORDS, OutlineChapter, headings, parse_outline
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


def _words_box(words: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(MIN_WORDS, MAX_WORDS)
    box.setSingleStep(100)
    box.setValue(min(MAX_WORDS, max(MIN_WORDS, words)))
    box.setSuffix(" words")
    return box


def _ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class NewChapterDialog(QDialog):
    """Title, beats and a length in words for a chapter the model writes."""

    def __init__(self, parent: QWidget | None, default_title: str, words: int) -> None:
        super().__init__(parent)
        self.setWindowTitle("New chapter with AI")
        self.title = QLineEdit(default_title)
        self.title.setToolTip("A title of your own becomes the subtitle of the book's next chapter number.")
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText(
            "Optional, one a line, in order: what happens.\nEmma arrives late at the ball\n"
            "Mr Knightley asks Harriet to dance"
        )
        self.length = _words_box(words)
        form = QFormLayout(self)
        form.addRow("Title", self.title)
        form.addRow("Beats (one a line)", self.notes)
        form.addRow("Length", self.length)
        form.addRow(_ok_cancel(self))

    @classmethod
    def get_request(cls, parent, default_title: str, words: int) -> tuple[str, str, int] | None:
        """(title, beats one a line, length in words), or None when cancelled."""
        dialog = cls(parent, default_title, words)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.title.text().strip():
            return None
        return dialog.title.text().strip(), dialog.notes.toPlainText().strip(), dialog.length.value()


OUTLINE_EXAMPLE = """# The Ball
Emma arrives late at the ball
Mr Knightley asks Harriet to dance

# (800 words)
Frank Churchill leaves Highbury"""


class OutlineDialog(QDialog):
    """The next chapters, laid out as text (app/outline.py reads it), with what it will write shown under
    it: each chapter's heading, beats and length."""

    def __init__(self, parent: QWidget | None, titles: list[str], words: int) -> None:
        super().__init__(parent)
        self.setWindowTitle("Write chapters from an outline")
        self.titles = titles
        self.resize(620, 520)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(OUTLINE_EXAMPLE)
        self.length = _words_box(words)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        explain = QLabel(
            "A line starting with # begins a chapter: a title of your own after it, or nothing for the "
            "book's next number alone; “(800 words)” at its end sets its length. The lines under it are its "
            "beats, one a line (a beat may end with its own length too). Each chapter is written after the "
            "one before, as a suggestion you accept "
            "(Tab) or reject (Esc); the next is written once the model has learned the one you accepted."
        )
        explain.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(explain)
        form.addRow("Outline", self.text)
        form.addRow("Length of each", self.length)
        form.addRow("Will write", self.preview)
        self.buttons = _ok_cancel(self)
        form.addRow(self.buttons)
        self.text.textChanged.connect(self._show)
        self.length.valueChanged.connect(self._show)
        self._show()

    def outline(self) -> list[OutlineChapter]:
        return parse_outline(self.text.toPlainText(), self.length.value())

    def _show(self) -> None:
        chapters = self.outline()
        rows = [
            f"{n}. {heading} — {len(c.beats)} beat{'s' if len(c.beats) != 1 else ''}, about {c.words} words"
            for n, (heading, c) in enumerate(zip(headings(self.titles, chapters), chapters, strict=True), 1)
        ]
        self.preview.setText("\n".join(rows) or "Nothing yet: type the outline above.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(chapters))

    @classmethod
    def get_outline(cls, parent, titles: list[str], words: int) -> list[OutlineChapter] | None:
        """The chapters to write (None: cancelled); `titles`: the book's chapters up to where they go."""
        dialog = cls(parent, titles, words)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.outline() or None


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
