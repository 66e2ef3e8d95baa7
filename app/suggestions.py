"""The AI's suggestions: a `continue` or `generate_chapter` request, its tokens streaming into the editor,
and the alternatives the writer asked for (Ctrl+R) and cycles through (Alt+Left/Right).

A suggestion is only ever shown; it becomes manuscript text when the writer accepts it (the window then
saves it, and the engine learns it with the next update). A rejected one is never sent anywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.editor import ChapterEditor
from app.engine_client import EngineClient
from engine.protocol import Error, ErrorCode, Generated, Token, is_done

HINT = "Tab accepts, Esc rejects, Ctrl+R another, Alt+←/→ cycles"


class Suggestions(QObject):
    """One suggestion at a time, with its alternatives."""

    changed = Signal()  # a request started or ended: the AI actions' state may change
    message = Signal(str)  # for the status bar
    accepted = Signal()  # the suggestion is manuscript text now: save it

    def __init__(self, editor: ChapterEditor, client: EngineClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor, self.client = editor, client
        self.generation: str | None = None  # id of the request streaming now
        self.request: tuple[str, dict] | None = None  # (type, fields) of the last request, for Ctrl+R
        self.seed = 0
        self.alternatives: list[str] = []
        self.index = 0
        editor.suggestion_accepted.connect(self._accepted)
        editor.suggestion_rejected.connect(self._rejected)
        editor.alternative_cycled.connect(self.cycle)
        client.event.connect(self._event)

    @property
    def showing(self) -> bool:
        return self.editor.suggestion is not None

    def ask(self, kind: str, fields: dict) -> None:
        """A new suggestion at the cursor: `continue` or `generate_chapter` with its fields (no seed)."""
        if self.generation is not None:
            return
        self.accept()  # a suggestion still showing is kept, as if Tab had been pressed
        self.alternatives, self.index = [], 0
        self.request = (kind, fields)
        self._send()

    def _send(self) -> None:
        kind, fields = self.request
        self.seed += 1
        self.editor.begin_suggestion()
        self.generation = self.client.send(kind, **fields, seed=self.seed)
        self.changed.emit()

    def _event(self, event) -> None:
        if self.generation is None or event.id != self.generation:
            return
        if isinstance(event, Token):
            self.editor.add_suggestion_text(event.text)
            return
        if not (isinstance(event, Error) or is_done(event)):
            return
        self.generation = None
        if isinstance(event, Error) and event.code != ErrorCode.CANCELLED:
            self.message.emit(f"The suggestion failed: {event.message}")
        if self.showing:
            if isinstance(event, Generated) and event.text != self.editor.suggestion.text:
                self.editor.replace_suggestion(event.text)  # the engine cut it back to its last sentence end
            elif self._stopped_chapter(event):
                self.editor.replace_suggestion(event.text)  # without a paragraph the engine cut from it
            text = self.editor.suggestion.text
            if text:
                self.alternatives.append(text)
                self.index = len(self.alternatives) - 1
                self.message.emit(f"Suggestion {self.index + 1} of {len(self.alternatives)} — {HINT}")
            elif not self.alternatives:
                self.editor.discard_suggestion()
        self.changed.emit()

    def _stopped_chapter(self, event) -> bool:
        """A chapter stopped with text other than what streamed (its engine cut a paragraph it streamed)."""
        return (
            isinstance(event, Error)
            and event.code == ErrorCode.CANCELLED
            and event.request == "generate_chapter"
            and event.text is not None
            and event.text != self.editor.suggestion.text
        )

    def stop(self) -> None:
        """Cancel the request streaming now; what came so far stays as the suggestion."""
        if self.generation is not None:
            self.client.send("cancel", target=self.generation)

    def drop(self) -> None:
        """The chapter leaves the editor: its suggestion goes, and a request still streaming for it is
        cancelled and forgotten at once, so none of its text can reach the chapter shown next."""
        self.editor.discard_suggestion()
        if self.generation is not None:
            self.client.send("cancel", target=self.generation)
            self.generation = None  # its late tokens and its `done` no longer match: ignored
        self.request, self.alternatives, self.index = None, [], 0
        self.changed.emit()

    def accept(self) -> None:
        if self.showing:
            self.editor.accept_suggestion()
            self._accepted()

    def reject(self) -> None:
        if self.showing:
            self.editor.discard_suggestion()
            self._rejected()

    def _accepted(self, *_) -> None:
        self.stop()
        self.alternatives = []
        self.accepted.emit()
        self.changed.emit()

    def _rejected(self) -> None:
        self.stop()
        self.alternatives = []
        self.changed.emit()

    def another(self, request: tuple[str, dict] | None = None) -> None:
        """Ctrl+R: keep this suggestion among the alternatives and ask for another, from the same point."""
        if not self.showing or self.request is None or (request is not None and request is not self.request):
            return  # a retry for a request that has gone since: another chapter may show a suggestion now
        if self.generation is not None:
            self.stop()
            request = self.request
            QTimer.singleShot(100, lambda: self.another(request))  # once the cancelled request has ended
            return
        self.editor.discard_suggestion()
        self.index = len(self.alternatives)
        self._send()

    def cycle(self, step: int) -> None:
        """Show the previous (-1) or next (+1) alternative."""
        if self.generation is not None or len(self.alternatives) < 2 or not self.showing:
            return
        self.index = (self.index + step) % len(self.alternatives)
        self.editor.replace_suggestion(self.alternatives[self.index])
        self.message.emit(f"Suggestion {self.index + 1} of {len(self.alternatives)}")
