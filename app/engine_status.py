"""What the window says about the engine: its state in the status bar, and the box shown when it fails."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from app.settings import save_settings

ENGINE_UPDATE_MS = 4000  # the engine hears of a change at most this long after it
STATE_WORDS = {
    "starting": "Engine: starting…",
    "idle": "Engine: idle",
    "absorbing": "Engine: absorbing the novel",
    "generating": "Engine: writing…",
    "restarting": "Engine: restarting…",
    "stopped": "Engine: stopped",
    "error": "Engine: error",
}


def engine_words(state: str, host: str = "") -> str:
    """The status bar's words for the engine's state, saying where it runs when that is not here."""
    words = STATE_WORDS.get(state, state)
    return words.replace("Engine:", f"Engine on {host}:", 1) if host else words


class EngineFailedBox(QMessageBox):
    """Why the engine cannot run, and the two ways on: the default model (or, when the engine runs on
    another computer, this computer), or Settings (open, not modal)."""

    def __init__(
        self,
        parent: QWidget | None,
        message: str,
        use_default: Callable[[], None],
        open_settings: Callable[[], None],
        host: str = "",
    ) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("The engine cannot run")
        self.setText(message)
        if host:
            self.setInformativeText(
                f"Your novels are safe; writing works without the engine. Fix what is said above on {host}, "
                "choose another computer in Settings, or run the engine on this computer."
            )
            default = self.addButton("Run the engine on this computer", QMessageBox.ButtonRole.AcceptRole)
        else:
            self.setInformativeText(
                "Your novels are safe; writing works without the engine. If the model file is missing or "
                "damaged, choose another model in Settings, or use the embedded default model."
            )
            default = self.addButton("Use the default model", QMessageBox.ButtonRole.AcceptRole)
        settings = self.addButton("Open Settings…", QMessageBox.ButtonRole.ActionRole)
        self.addButton(QMessageBox.StandardButton.Close)
        chosen = {default: use_default, settings: open_settings}
        self.buttonClicked.connect(lambda button: chosen.get(button, lambda: None)())
        self.open()


class EngineStatus:
    """A part of MainWindow (a mixin): starting the engine, its state in the status bar, what the writer can
    do when it cannot run, and sending it the novel's text when the session says it changed."""

    def start_engine(self) -> None:
        settings = self.settings
        self.client.start(settings.model, settings.threads, settings.window, settings.engine_host)

    def _engine_state(self, state: str) -> None:
        self.engine_label.setText(engine_words(state, self.client.host))
        self._update_ai_actions()

    def _engine_failed(self, message: str) -> None:
        host = self.client.host
        self.engine_label.setText(engine_words("error", host))
        way_on = self._run_engine_here if host else self._use_default_model
        self.engine_failure_box = EngineFailedBox(self, message, way_on, self.edit_settings, host)

    def _use_default_model(self) -> None:
        self.settings.model = "default"
        save_settings(self.settings)
        self.start_engine()

    def _run_engine_here(self) -> None:
        self.settings.engine_host = ""
        save_settings(self.settings)
        self.client.restarts = []
        self.start_engine()

    def _engine_update_soon(self) -> None:
        """Send the engine the new text within ENGINE_UPDATE_MS of the first unsent change (not restarted by
        later changes, so a writer who keeps typing still has their text absorbed)."""
        if not self.engine_timer.isActive():
            self.engine_timer.start()

    def _send_update(self) -> None:
        if self.session.engine_doc is not None:
            self.client.update_document(self.session.engine_doc)
