"""The AI menu's commands: continue from the cursor, a new chapter written by the model (or the chapters of
an outline, one after another), accept or reject the suggestion; and undo / redo, which take a suggestion
away first.

A part of MainWindow (a mixin, so the window's actions and the tests call them on the window); the
suggestion itself, streamed and shown, is app/suggestions.py's, the outline's order app/outline_queue.py's.
"""

from __future__ import annotations

from app.book_progress import tokens_per_word, words_to_tokens
from app.dialogs import NewChapterDialog, OutlineDialog
from app.outline import OutlineChapter
from app.settings import MAX_TOKENS
from app.storage import Chapter, join_chapters
from engine.beats import beat_length, split_beats
from engine.headings import next_heading

CHAPTER_WORDS = 600  # the dialogs' first length: a short chapter, about 40 s of writing on 2 cores


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
            ("chapter_ai", ready and idle and not suggesting and not self.outline.running),
            ("accept", suggesting),
            ("reject", suggesting),
            ("another", suggesting and ready),
            ("stop", not idle or self.outline.running),
            ("outline", ready and idle and not suggesting and not self.outline.running),
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

    def stop_ai(self) -> None:
        """Stop: the generation streaming now stops where it is, and an outline writes no further chapter."""
        self.suggestions.stop()
        self.outline.stop()

    def new_chapter_with_ai(self, request: tuple[str, str, int] | None = None) -> None:
        """A dialog takes the title, beats and length in words; the chapter, headed in the book's style,
        goes after the chapter shown and streams in as a suggestion."""
        if self.novel is None or self.suggestions.generation is not None or self.outline.running:
            return
        if request is None:
            titles = [c.title for c in self.session.chapters_before(self.chapter_id)]
            request = NewChapterDialog.get_request(self, next_heading(titles), CHAPTER_WORDS)
            if request is None:
                return
        title, notes, words = request
        # One chapter is an outline of one: its suggestion is followed the same way (a chapter added for
        # it and left empty is removed again).
        self.outline.start([OutlineChapter(title, split_beats(notes), words)], self.chapter_id)
        self._update_ai_actions()

    def write_outline(self, outline: list[OutlineChapter] | None = None) -> None:
        """AI → Write chapters from an outline…: the chapters one after another after the chapter shown,
        each learned by the model before the next is written (app/outline_queue.py)."""
        if self.novel is None or self.suggestions.generation is not None or self.outline.running:
            return
        if outline is None:
            titles = [c.title for c in self.session.chapters_before(self.chapter_id)]
            outline = OutlineDialog.get_outline(self, titles, CHAPTER_WORDS)
            if not outline:
                return
        self.outline.start(outline, self.chapter_id)
        self._update_ai_actions()

    # -- what the outline queue asks of the window (app/outline_queue.ChapterWriter) -----------------------
    def write_chapter(self, title: str, beats: list[str], words: int, after: int | None) -> int | None:
        """A chapter after chapter `after`, headed as the book heads its chapters (the writer's title as
        its subtitle), shown and written by the model as a suggestion; its id (None: nothing asked)."""
        if self.novel is None or self.suggestions.generation is not None:
            return None
        before = self.session.chapters_before(after)  # the editor's chapter as it is now
        heading = next_heading([c.title for c in before], title)
        chapter = self.add_chapter(heading, after=before[-1].id if before else None)
        if chapter is None or chapter.id != self.chapter_id:
            return None
        self.client.update_document(self.session.engine_doc)  # the engine's document has the new chapter
        per_word = self._tokens_per_word()
        written = [(text, n) for text, n in map(beat_length, beats) if text]  # a length alone is no beat
        beats, lengths = [t for t, _ in written], [n for _, n in written]
        fields = {
            "doc": self.session.engine_doc,
            "title": heading,
            "beats": beats,
            "beat_tokens": [words_to_tokens(n, per_word) if n else 0 for n in lengths],
            "text": join_chapters(before),  # the manuscript before the new chapter
            **self._sampling(),
            "max_tokens": min(MAX_TOKENS, words_to_tokens(words, per_word)),
        }
        self.suggestions.ask("generate_chapter", fields)
        if self.suggestions.generation is None:  # no engine to ask: the chapter goes again
            self.suggestions.drop()
            self.remove_empty_chapter(chapter.id, before[-1].id if before else None)
            return None
        return chapter.id

    def remove_empty_chapter(self, chapter_id: int, back_to: int | None) -> None:
        """Remove a chapter added for a suggestion that was not kept, if it holds nothing yet; the editor
        goes back to chapter `back_to` if it showed it."""
        chapter = self.session.chapter(chapter_id)
        if chapter is None or (chapter.id == self.chapter_id and self.editor.manuscript_text()):
            return
        shown = self.chapter_id
        if shown == chapter.id and not self._unbind():
            return
        removed = self._storage(lambda: self.session.remove_empty_chapter(chapter))
        if shown == chapter.id:
            place = self.session.chapter(back_to) or self.session.in_place_of(chapter)
            self._show_tree(place.id if place else None)
            self._bind(place)
        else:
            self._show_tree(self.chapter_id)
        if removed:
            self.statusBar().showMessage(f"The empty chapter “{chapter.title}” was removed.", 8000)

    def shown_chapter(self) -> int | None:
        return self.chapter_id

    def stored_chapters(self) -> list[Chapter]:
        return self.session.chapters()

    def engine_document(self) -> str | None:
        return self.session.engine_doc
