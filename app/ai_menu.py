"""The AI menu's commands: continue from the cursor, a new chapter written by the model, accept or reject
the suggestion; and undo / redo, which take a suggestion away first.

A part of MainWindow (a mixin, so the window's actions and the tests call them on the window); the
suggestion itself, streamed and shown, is app/suggestions.py's.
"""

from __future__ import annotations

from app.book_progress import tokens_per_word
from app.dialogs import NewChapterDialog


class AiMenu:
    """The AI menu of the main window."""

    def _update_ai_actions(self) -> None:
        ready = (
            self.novel is not None
            and self.chapter_id is not None
            and self.client.state not in ("stopped", "error", "restarting", "starting")
        )
        suggesting = self.editor.suggestion is not None
        idle = self.suggestions.generation is None
        for name, enabled in (
            ("continue", ready and idle),
            ("chapter_ai", ready and idle and not suggesting),
            ("accept", suggesting),
            ("reject", suggesting),
            ("another", suggesting and ready),
            ("stop", not idle),
        ):
            self.action[name].setEnabled(enabled)

    def _tokens_per_word(self) -> float:
        """The open book's tokens per word (words are the writer's unit; the engine counts tokens)."""
        doc = self.session.engine_doc
        return tokens_per_word(self.client.session.documents.get(doc) if doc else None)

    def _sampling(self) -> dict:
        return {
            "max_tokens": self.settings.suggestion_tokens(self._tokens_per_word()),
            "temperature": self.settings.temperature,
            "top_p": self.settings.top_p,
        }

    def continue_text(self) -> None:
        """Ctrl+Enter: the engine continues from the cursor; the text streams in as a suggestion."""
        if self.novel is None or self.chapter_id is None:
            return
        self.suggestions.accept()  # before the prompt is taken: an accepted suggestion is part of it
        prompt = self.session.manuscript(upto_cursor=True)
        self.suggestions.ask("continue", {"doc": self.session.engine_doc, "text": prompt, **self._sampling()})

    def undo(self) -> None:
        """Edit → Undo: a suggestion showing goes first (as Ctrl+Z in the editor does), so undo never
        takes back text under it."""
        self.reject_suggestion()
        self.editor.undo()

    def redo(self) -> None:
        self.reject_suggestion()
        self.editor.redo()

    def accept_suggestion(self) -> None:
        self.suggestions.accept()

    def reject_suggestion(self) -> None:
        self.suggestions.reject()

    def new_chapter_with_ai(self, request: tuple[str, str, int] | None = None) -> None:
        """A dialog takes the title, notes and length; the chapter streams into a new chapter."""
        if self.novel is None or self.suggestions.generation is not None:
            return
        if request is None:
            default = f"Chapter {len(self.tree.chapter_ids()) + 1}"
            request = NewChapterDialog.get_request(
                self, default, max(self.settings.suggestion_tokens(self._tokens_per_word()), 800)
            )
            if request is None:
                return
        chapter = self.add_chapter(request[0], at_end=True)
        if chapter is None or chapter.id != self.chapter_id:
            return
        self.client.update_document(self.session.engine_doc)
        title, notes, length = request
        fields = {"doc": self.session.engine_doc, "title": title, "notes": notes, **self._sampling()}
        self.suggestions.ask("generate_chapter", {**fields, "max_tokens": length})
