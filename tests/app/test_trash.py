"""The trash: deleting a chapter or a novel can be undone, through the menus, with real widgets and SQLite."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from app import trash
from app.main_window import MainWindow
from app.settings import Settings
from app.storage import Library, StorageError

CHAPTERS = [("One", "Emma Woodhouse, handsome."), ("Two", "Mr Knightley."), ("Three", "Harriet Smith.")]


@pytest.fixture
def window(qtbot):
    library = Library()
    w = MainWindow(library, Settings())
    qtbot.addWidget(w)
    novel = library.create_novel("Emma", CHAPTERS)
    w.open_novel(novel.id)
    return w


@pytest.fixture
def answers(monkeypatch):
    """The writer says Yes to every question and picks the first entry of the trash; what was asked and
    listed is kept."""
    asked: dict[str, list] = {"questions": [], "listed": [], "told": []}

    def question(_parent, title, text, *a, **k):
        asked["questions"].append((title, text))
        return QMessageBox.StandardButton.Yes

    def exec_(dialog):
        asked["listed"].append(
            [
                (dialog.list.item(i).text(), dialog.list.item(i).data(256).preview)
                for i in range(dialog.list.count())
            ]
        )
        dialog.list.setCurrentRow(0)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: asked["told"].append(text))
    monkeypatch.setattr(trash.TrashDialog, "exec", exec_)
    return asked


def trigger(w: MainWindow, text: str) -> None:
    next(a for a in w.actions() if a.text() == text).trigger()


def tree_titles(w: MainWindow) -> list[str]:
    return [w.tree.topLevelItem(i).text(0) for i in range(w.tree.topLevelItemCount())]


def test_a_deleted_chapter_is_restored_to_its_place_from_the_chapter_menu(window, answers):
    window.tree.setCurrentItem(window.tree.topLevelItem(1))
    window.editor.insertPlainText(" He smiled.")  # not saved yet: the trash must keep it
    trigger(window, "Delete chapter…")
    title, text = answers["questions"][-1]
    assert title == "Delete chapter" and "“Two” (4 words)" in text
    assert "cannot be undone" not in text and "Chapter → Restore deleted chapter…" in text
    assert tree_titles(window) == ["One", "Three"]
    assert window.editor.manuscript_text() == "Harriet Smith."
    assert "Restore deleted chapter" in window.statusBar().currentMessage()

    trigger(window, "Restore deleted chapter…")
    [listed] = answers["listed"]
    assert listed[0][0].startswith("Two — 4 words — deleted ")
    assert listed[0][1] == "Mr Knightley. He smiled."
    assert tree_titles(window) == ["One", "Two", "Three"]
    assert window.editor.manuscript_text() == "Mr Knightley. He smiled."
    assert window.tree.current_chapter() == window.chapter_id
    assert [c.title for c in window.library.chapters(window.novel.id)] == ["One", "Two", "Three"]


def test_deleting_the_last_chapter_leaves_an_empty_one_and_the_deleted_one_restorable(window, answers):
    for _ in range(3):
        trigger(window, "Delete chapter…")
    assert tree_titles(window) == ["Chapter 1"] and window.editor.manuscript_text() == ""
    assert not window.editor.isReadOnly()
    assert len(window.library.trashed_chapters(window.novel.id)) == 3
    trigger(window, "Restore deleted chapter…")
    assert window.editor.manuscript_text() == "Harriet Smith."  # the last one deleted comes first


def test_a_deleted_novel_is_restored_from_the_novel_menu(window, answers):
    novel = window.novel.id
    window.editor.insertPlainText(" Unsaved.")
    trigger(window, "Delete novel…")
    title, text = answers["questions"][-1]
    assert title == "Delete novel" and "“Emma” (8 words)" in text
    assert "Novel → Restore deleted novel…" in text
    assert window.novel is None and window.library.novels() == []
    assert window.editor.isReadOnly() and "Novel menu" in window.editor.placeholderText()
    assert tree_titles(window) == [] and window.windowTitle() == "Longform"

    trigger(window, "Restore deleted novel…")
    [listed] = answers["listed"]
    assert listed[0][0].startswith("Emma — 3 chapters, 8 words — deleted ")
    assert listed[0][1].startswith("One\n\nEmma Woodhouse, handsome. Unsaved.")
    assert window.novel.id == novel and tree_titles(window) == ["One", "Two", "Three"]
    assert window.editor.manuscript_text() == "Emma Woodhouse, handsome. Unsaved."
    assert not window.editor.isReadOnly()


def test_saying_no_deletes_nothing(window, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    trigger(window, "Delete chapter…")
    trigger(window, "Delete novel…")
    assert window.novel is not None and tree_titles(window) == ["One", "Two", "Three"]
    assert not window.library.trashed_chapters(window.novel.id) and not window.library.trashed_novels()


def test_an_empty_trash_says_so(window, answers):
    trigger(window, "Restore deleted chapter…")
    trigger(window, "Restore deleted novel…")
    assert answers["told"] == ["The trash holds no deleted chapter.", "The trash holds no deleted novel."]
    assert answers["listed"] == []


def test_the_trash_dialog_lists_and_previews_what_it_holds(qtbot):
    library = Library()
    novel = library.create_novel("Emma", CHAPTERS)
    for chapter in library.chapters(novel.id)[:2]:
        library.delete_chapter(chapter.id)
    dialog = trash.TrashDialog(None, "chapter", trash.chapter_entries(library.trashed_chapters(novel.id)))
    qtbot.addWidget(dialog)
    labels = [dialog.list.item(i).text().split(" — deleted")[0] for i in range(dialog.list.count())]
    assert labels == ["Two — 2 words", "One — 3 words"]  # the most recently deleted first
    assert dialog.preview.toPlainText() == "Mr Knightley."
    dialog.list.setCurrentRow(1)
    assert dialog.preview.toPlainText() == "Emma Woodhouse, handsome."
    assert dialog.chosen() == library.trashed_chapters(novel.id)[1].id
    library.close()


def test_a_delete_that_cannot_be_written_leaves_the_chapter_shown_and_says_why(window, answers, monkeypatch):
    def full(*_a, **_k):
        raise StorageError("The disk is full: your last changes could not be saved.")

    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    monkeypatch.setattr(window.library, "delete_chapter", full)
    shown = window.chapter_id
    trigger(window, "Delete chapter…")
    assert warned and "disk is full" in warned[0]
    assert window.chapter_id == shown and tree_titles(window) == ["One", "Two", "Three"]
    assert window.editor.manuscript_text() == "Emma Woodhouse, handsome." and not window.editor.isReadOnly()
    assert "trash" not in window.statusBar().currentMessage()
