"""The commands that change chapters other than by typing: delete and restore a chapter, reorder the
tree, and Find / Replace in the whole novel.

A part of MainWindow (a mixin, so the tree's signals and the tests call them on the window): the chapter
shown is let go of (saved) before the library changes under it, and shown again after.
"""

from __future__ import annotations

from app import trash
from app.search_panel import select_match


class ChapterMenu:
    """Chapter changes outside the editor, for the main window."""

    def _show_tree(self, shown: int | None) -> None:
        self.tree.show_chapters(self.session.chapters(), shown)

    def delete_chapter(self, chapter_id: int | None, confirm: bool = True) -> None:
        """Move a chapter to the trash (Chapter → Restore deleted chapter… brings it back)."""
        chapter = self.session.chapter(chapter_id)
        if chapter is None:
            return
        words = self.session.words_in(chapter)
        if confirm and not trash.confirm_delete(self, "chapter", chapter.title, words):
            return
        if chapter.id == self.chapter_id and not self._unbind():  # the trash keeps its latest text
            return
        self._storage(lambda: self.session.delete_chapter(chapter))
        if self.chapter_id is not None:  # another chapter was deleted: the one shown stays
            self._show_tree(self.chapter_id)
        elif shown := self.session.in_place_of(chapter):
            self._show_tree(shown.id)
            self._bind(shown)
        if self.library.chapter(chapter.id) is None:
            self.statusBar().showMessage(trash.deleted_message("chapter", chapter.title), 10000)

    def restore_deleted_chapter(self, chapter_id: int | None = None) -> None:
        """Bring one of the open novel's deleted chapters back from the trash, and show it."""
        if self.novel is None:
            return
        if chapter_id is None:
            entries = trash.chapter_entries(self.library.trashed_chapters(self.novel.id))
            chapter_id = trash.TrashDialog.choose(self, "chapter", entries)
        chapter = self._storage(lambda: self.session.restore_chapter(chapter_id)) if chapter_id else None
        if chapter is not None:
            self._show_tree(self.chapter_id)
            self.show_chapter(chapter.id)

    def find_in_novel(self) -> None:
        self.search_dock.show()
        self.search_panel.open(self.editor.textCursor().selectedText())

    def show_hit(self, hit, query) -> None:
        """Open the chapter of a hit listed in Find in novel, with the match selected."""
        self.show_chapter(hit.chapter_id)
        if self.chapter_id == hit.chapter_id:
            select_match(self.editor, query, hit.start)

    def replace_in_novel(self, query, replacement: str) -> None:
        """Replace all in novel: the chapter shown is saved and let go first, and shown again after."""
        shown = self.chapter_id
        if self.novel is None or not self._unbind():
            return
        counts = self._storage(lambda: self.session.replace_all(query, replacement))
        self._show_tree(shown)
        self._bind(self.library.chapter(shown) if shown else None)
        self.search_panel.show_replaced(counts or {})

    def reorder_chapters(self, ids: list[int]) -> None:
        if self.novel is not None:
            self._storage(lambda: self.session.reorder_chapters(ids))
