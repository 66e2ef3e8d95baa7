"""The outline queue: the next chapters written one after another, each learned before the next is asked
for, so that chapter N+1 is written by a model whose adapter has learned chapter N (Temp-Lora's own way of
writing a long text).

Each chapter streams in as an ordinary suggestion (app/suggestions.py: Tab, Esc, Ctrl+R, Alt+←/→), in a
chapter of its own after the previous one. Nothing goes on without the writer: only when the writer
accepts is the engine sent the new text; the queue then waits for the engine's answer to that update and
for its absorption events to show the chapter learned (app/book_progress.chapter_learning), and only then
asks for the next chapter. A chapter whose suggestion goes without being accepted (Esc, another chapter
opened, a failed generation) ends the queue, and its chapter is removed if it is still empty.

Stop (the writer's, the novel closing, the engine restarting) writes no further chapter; a suggestion
showing stays for the writer to keep or reject, and the accepted chapters are manuscript text already.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from app.book_progress import chapter_learning
from app.engine_client import EngineClient
from app.outline import OutlineChapter
from app.storage import Chapter
from app.suggestions import HINT, Suggestions
from engine.protocol import Absorption, DocumentUpdated, Error, ErrorCode

log = logging.getLogger(__name__)


class ChapterWriter(Protocol):
    """What the queue asks of the window."""

    def write_chapter(self, title: str, beats: list[str], words: int, after: int | None) -> int | None:
        """Add a chapter after chapter `after`, show it and ask for it as a suggestion; its id (None: not
        asked)."""

    def remove_empty_chapter(self, chapter_id: int, back_to: int | None) -> None:
        """Remove a chapter added for a suggestion, if it is still empty; show `back_to` if it showed."""

    def shown_chapter(self) -> int | None: ...

    def stored_chapters(self) -> list[Chapter]: ...

    def engine_document(self) -> str | None: ...


class OutlineQueue(QObject):
    """Writes an outline's chapters in order, one suggestion at a time."""

    changed = Signal(str)  # where the queue stands, for the status bar ("": not running)
    message = Signal(str)  # said once: finished, stopped and why

    def __init__(
        self, writer: ChapterWriter, suggestions: Suggestions, client: EngineClient, parent=None
    ) -> None:
        super().__init__(parent)
        self.writer, self.suggestions, self.client = writer, suggestions, client
        self.outline: list[OutlineChapter] = []
        self.index = 0  # the chapter of the outline being written or waited for
        self.written: list[int] = []  # ids of the chapters accepted so far
        self.chapter: int | None = None  # the chapter whose suggestion is showing or streaming
        self.after: int | None = None  # the chapter the next one goes after
        # idle, asking (a chapter is being added and asked for), writing (a suggestion to accept),
        # updating (the engine is sent the accepted text), learning (waiting for the engine to learn it),
        # ready (the writer's own suggestion is in the way)
        self.state = "idle"
        self.update_id: str | None = None
        self.last = False  # stopped: the chapter being written is the last
        suggestions.accepted.connect(self._accepted)
        suggestions.changed.connect(self._suggestions_changed)
        client.event.connect(self._event)
        client.state_changed.connect(self._engine_state)

    @property
    def running(self) -> bool:
        return self.state != "idle"

    def start(self, outline: list[OutlineChapter], after: int | None) -> None:
        """Write `outline`'s chapters, the first after chapter `after`."""
        if self.running or not outline:
            return
        self.outline, self.index, self.written, self.after, self.last = list(outline), 0, [], after, False
        self._write_next()

    def stop(self, why: str = "Outline stopped.") -> None:
        """No further chapter is written. A suggestion showing or streaming stays (the writer keeps or
        rejects it; the window's Stop stops the streaming)."""
        if not self.running:
            return
        if self.state == "writing" and (self.suggestions.generation is not None or self.suggestions.showing):
            self.last = True  # its chapter is still followed: rejected, it is removed if empty
            self._say(f"{why} Chapter {self.index + 1} stays as a suggestion: {HINT}.")
            self._status()
            return
        self._finish(why)

    def abandon(self) -> None:
        """The novel closes: stop, and remove the chapter of a suggestion not accepted if it is empty."""
        if not self.running:
            return
        chapter, writing = self.chapter, self.state == "writing"
        self.state = "idle"  # first: dropping the suggestion must not read as the writer leaving it
        self.suggestions.drop()
        if writing and chapter is not None:
            self.writer.remove_empty_chapter(chapter, self.after)
        self._finish("Outline stopped: the novel was closed.")

    # -- the steps -----------------------------------------------------------------------------------------
    def _write_next(self) -> None:
        if self.suggestions.generation is not None or self.suggestions.showing:
            self.state = "ready"  # the writer's own suggestion first; `_suggestions_changed` comes back
            self._status()
            return
        item = self.outline[self.index]
        self.state = "asking"  # the editor lets go of its chapter meanwhile: not the writer leaving one
        self.chapter = self.writer.write_chapter(item.title, item.beats, item.words, self.after)
        self.state = "writing"
        if self.chapter is None:
            self._finish("Outline stopped: the chapter could not be asked for (is the engine running?).")
            return
        self._status()

    def _accepted(self) -> None:
        if self.state != "writing" or self.writer.shown_chapter() != self.chapter:
            return
        self.written.append(self.chapter)
        self.after, self.chapter = self.chapter, None
        if self.last or self.index + 1 >= len(self.outline):
            self._finish(self._done_words())
            return
        self.index += 1
        doc = self.writer.engine_document()
        self.state, self.update_id = "updating", None
        self.update_id = self.client.update_document(doc) if doc else None
        if self.update_id is None:
            self._finish("Outline stopped: the engine is not running.")
            return
        self._status()
        if self.update_id not in self.client.session.pending:  # answered at once
            self.state = "learning"
            self._check_learned()

    def _suggestions_changed(self) -> None:
        if self.state == "ready":
            self._write_next()
        elif self.state == "writing" and self.suggestions.generation is None and not self.suggestions.showing:
            # Rejected, left for another chapter, or the generation failed: the chapter was not accepted.
            chapter, after, self.chapter = self.chapter, self.after, None
            self.state = "idle"
            if chapter is not None:  # once the window is done with what it does now (opening a chapter)
                QTimer.singleShot(0, lambda: self.writer.remove_empty_chapter(chapter, after))
            if len(self.outline) == 1:
                self._finish("The new chapter was not kept.")
            else:
                self._finish(f"Outline stopped: chapter {self.index + 1} was not kept.")

    def _event(self, event) -> None:
        if self.state not in ("updating", "learning"):
            return
        doc = self.writer.engine_document()
        if isinstance(event, Error) and event.code == ErrorCode.ABSORPTION_FAILED and event.doc == doc:
            self._finish(f"Outline stopped: the model could not learn the chapter ({event.message}).")
            return
        if self.state == "updating":
            if isinstance(event, DocumentUpdated) and event.id == self.update_id:
                self.state = "learning"  # from now on the engine's progress includes the accepted text
            elif isinstance(event, Error) and event.id == self.update_id:
                self._finish(f"Outline stopped: the engine was not sent the chapter ({event.message}).")
                return
            else:
                return
        if isinstance(event, Absorption | DocumentUpdated) and event.doc == doc:
            self._check_learned()

    def _check_learned(self) -> None:
        if self.after not in [c.id for c in self.writer.stored_chapters()]:
            self._finish(f"Outline stopped: chapter {self.index} is no longer in the book.")
            return
        state = self._learning()
        if state is None:
            return
        if state.learned:
            self._write_next()
        else:
            self._status(state.percent)

    def _learning(self):
        doc = self.writer.engine_document()
        progress = self.client.session.documents.get(doc) if doc else None
        chapters = self.writer.stored_chapters()
        ids = [c.id for c in chapters]
        if progress is None or self.after not in ids:
            return None
        return chapter_learning(progress, chapters, ids.index(self.after) + 1)

    def _engine_state(self, state: str) -> None:
        if self.running and state in ("restarting", "stopped", "error"):
            self.stop("Outline stopped: the engine stopped.")

    # -- what the writer reads -----------------------------------------------------------------------------
    def _finish(self, said: str) -> None:
        self.state, self.chapter, self.update_id = "idle", None, None
        self._say(said)
        self.changed.emit("")

    def _say(self, text: str) -> None:
        log.info("%s", text)
        self.message.emit(text)

    def _done_words(self) -> str:
        n = len(self.written)
        if len(self.outline) == 1:
            return "The new chapter is in the book now."
        if n == len(self.outline):
            return f"Outline done: {n} chapter{'s' if n != 1 else ''} written."
        return f"Outline stopped after {n} of {len(self.outline)} chapters."

    def _accepted_title(self) -> str:
        """The last accepted chapter as the tree names it ("“CHAPTER III. The Ball”"), so the writer does not
        take the outline's "chapter 1" for the book's "CHAPTER I"."""
        chapter = next(
            (c for c in self.writer.stored_chapters() if self.written and c.id == self.written[-1]), None
        )
        return f"“{chapter.title}”" if chapter else "the chapter before"

    def _status(self, percent: int | None = None) -> None:
        n, of = self.index + 1, len(self.outline)
        if of == 1:
            writing = self.state == "writing"
            self.changed.emit("New chapter: Tab accepts it, Esc rejects it" if writing else "")
            return
        if self.state == "writing" and self.last:
            said = f"Outline stopped: chapter {n} of {of} stays as a suggestion"
        elif self.state == "writing":
            said = f"Outline: chapter {n} of {of} — Tab keeps it, Esc stops the outline"
        elif self.state == "ready":
            said = f"Outline: chapter {n} of {of} waits for the suggestion showing to be kept or rejected"
        else:
            learned = f" ({percent}%)" if percent is not None else "…"
            said = (
                f"Outline: chapter {n} of {of}, waiting for {self._accepted_title()} to be learned{learned}"
            )
        self.changed.emit(said)
