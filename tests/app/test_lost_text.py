"""Text the writer typed or kept is never written into the wrong chapter, and never dropped.

Each test drives one path that binds the editor to a chapter or unbinds it (closing a novel, deleting a
chapter, restoring a revision or a backup, opening another novel, a suggestion streaming while the chapter
changes), with real widgets offscreen and a real library.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app import main_window
from app.backup import make_backup
from app.main_window import AUTOSAVE_MS, MainWindow
from app.settings import Settings
from app.storage import Library, StorageError
from tests.app.fake_engine import FakeEngine

CHAPTERS = [(f"Chapter {n}", f"The text of chapter {n}.") for n in range(1, 7)]


@pytest.fixture
def window(qtbot):
    library = Library()
    engine = FakeEngine()
    engine.start()
    w = MainWindow(library, Settings(), engine)
    qtbot.addWidget(w)
    novel = library.create_novel("Emma", CHAPTERS)
    w.open_novel(novel.id)
    return w


def type_at_end(w: MainWindow, qtbot, text: str) -> None:
    w.editor.moveCursor(w.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(w.editor, text)


def select(w: MainWindow, row: int) -> None:
    w.tree.setCurrentItem(w.tree.topLevelItem(row))  # the writer clicks the chapter


def stored(w: MainWindow, novel_id: int) -> dict[int, str]:
    return {c.id: c.text for c in w.library.chapters(novel_id)}


def test_typing_after_closing_the_novel_changes_no_chapter(window, qtbot):
    novel = window.novel.id
    select(window, 4)  # chapter 5
    assert window.editor.manuscript_text() == "The text of chapter 5."
    before = stored(window, novel)

    window.close_novel()
    qtbot.keyClicks(window.editor, "ZZZ")
    qtbot.wait(AUTOSAVE_MS + 300)  # autosave would have run
    window.save_now()

    assert stored(window, novel) == before
    assert window.editor.manuscript_text() == ""
    assert window.editor.isReadOnly()
    assert "open" in window.editor.placeholderText().lower()


def test_undo_from_the_edit_menu_with_a_suggestion_showing_keeps_the_text_after_it(window):
    chapter = window.chapter_id
    cursor = window.editor.textCursor()
    cursor.setPosition(len("The text"))  # a suggestion in the middle of the chapter
    window.editor.setTextCursor(cursor)
    window.editor.begin_suggestion()
    window.editor.add_suggestion_text(" (suggested)")
    next(a for a in window.actions() if a.text() == "Undo").trigger()  # Edit → Undo, with the mouse
    assert window.editor.suggestion is None
    assert window.editor.manuscript_text() == "The text of chapter 1."
    window.editor.insertPlainText("!")
    window.save_now()
    assert window.library.chapter(chapter).text.replace("!", "") == "The text of chapter 1."


def test_after_closing_the_novel_the_chapter_menu_changes_no_chapter(window, monkeypatch):
    novel = window.novel.id
    before = stored(window, novel)
    select(window, 4)  # (with the first chapter shown, closing happened to leave none bound)
    window.close_novel()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(main_window.RevisionsDialog, "choose", classmethod(lambda cls, *a: None))
    monkeypatch.setattr(main_window, "ask_name", lambda *a, **k: "Renamed")
    for action in ("Revisions…", "Rename chapter…", "Delete chapter…", "Continue from the cursor"):
        next(a for a in window.actions() if a.text() == action).trigger()
    assert stored(window, novel) == before
    assert [c.title for c in window.library.chapters(novel)] == [title for title, _ in CHAPTERS]


def test_deleting_the_chapter_shown_keeps_its_latest_text_and_typing_goes_to_the_next(window, qtbot):
    novel = window.novel.id
    select(window, 2)
    gone = window.chapter_id
    type_at_end(window, qtbot, " Typed just before.")
    window.delete_chapter(gone, confirm=False)
    assert window.library.trashed_chapters(novel)[0].text == "The text of chapter 3. Typed just before."
    assert window.editor.manuscript_text() == "The text of chapter 4."  # the one that took its place
    type_at_end(window, qtbot, " More.")
    window.save_now()
    texts = [c.text for c in window.library.chapters(novel)]
    assert texts[2] == "The text of chapter 4. More."
    assert texts[:2] == ["The text of chapter 1.", "The text of chapter 2."]


def test_a_suggestion_streaming_when_the_chapter_changes_never_reaches_the_next_chapter(window):
    engine = window.client
    select(window, 0)
    window.continue_text()
    asked = engine.streaming[-1]
    engine.stream(" The first")
    select(window, 1)
    engine.stream(" and the last words.")  # the engine had not read the cancel yet
    engine.finish()
    assert {"type": "cancel", "target": asked} == {k: v for k, v in engine.requests[-1].items() if k != "id"}
    assert window.editor.document_text() == "The text of chapter 2."
    assert window.continue_action.isEnabled()  # not waiting on the cancelled request
    window.save_now()
    assert [c.text for c in window.library.chapters(window.novel.id)] == [text for _, text in CHAPTERS]


def test_restoring_a_revision_while_a_suggestion_streams_shows_the_revision_alone(window, monkeypatch):
    engine = window.client
    chapter = window.chapter_id
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    window.editor.insertPlainText(" Second draft.")
    window.save_now(keep_revision=True)
    window.continue_text()
    engine.stream(" Suggested")
    first = window.library.revisions(chapter)[0]
    monkeypatch.setattr(main_window.RevisionsDialog, "choose", classmethod(lambda cls, *a: first.id))
    window.show_revisions()
    engine.stream(" words.")
    engine.finish()
    assert window.editor.document_text() == "The text of chapter 1." == window.library.chapter(chapter).text
    assert window.library.revisions(chapter)[0].text == "The text of chapter 1. Second draft."
    window.editor.insertPlainText(" Third.")
    window.save_now()
    assert window.library.chapter(chapter).text == "The text of chapter 1. Third."


def test_opening_another_novel_saves_the_chapter_shown_into_its_own_novel(window, qtbot):
    emma = window.novel.id
    select(window, 3)
    type_at_end(window, qtbot, " Unsaved.")
    other = window.library.create_novel("Persuasion", [("I", "Sir Walter Elliot.")])
    window.open_novel(other.id)
    assert window.library.chapters(emma)[3].text == "The text of chapter 4. Unsaved."
    assert window.editor.manuscript_text() == "Sir Walter Elliot."
    type_at_end(window, qtbot, " Of Kellynch Hall.")
    window.save_now()
    assert window.library.chapters(other.id)[0].text == "Sir Walter Elliot. Of Kellynch Hall."
    assert [c.text for c in window.library.chapters(emma)][:3] == [t for _, t in CHAPTERS][:3]


def test_importing_saves_the_chapter_shown_first(window, qtbot, tmp_path):
    emma = window.novel.id
    type_at_end(window, qtbot, " Before the import.")
    source = tmp_path / "watsons.md"
    source.write_text("# The Watsons\n\n## One\n\nThe first winter assembly.\n")
    novel = window.import_manuscript(source)
    assert window.novel == novel
    assert window.library.chapters(emma)[0].text == "The text of chapter 1. Before the import."
    assert window.chapter_id == window.library.chapters(novel.id)[0].id


def test_a_chapter_that_cannot_be_saved_stays_in_the_editor(window, qtbot, monkeypatch):
    chapter = window.chapter_id
    type_at_end(window, qtbot, " Written on a full disk.")

    def full(*_a, **_k):
        raise StorageError("The disk is full: your last changes could not be saved.")

    monkeypatch.setattr(window.library, "save_text", full)
    for leave in (
        lambda: select(window, 1),
        window.close_novel,
        lambda: window.delete_chapter(chapter, False),
    ):
        leave()
        assert window.chapter_id == chapter and window.tree.current_chapter() == chapter
        assert window.editor.manuscript_text() == "The text of chapter 1. Written on a full disk."
    monkeypatch.undo()  # space is freed
    select(window, 1)
    assert window.library.chapter(chapter).text == "The text of chapter 1. Written on a full disk."


def test_the_engine_restarting_while_a_suggestion_streams_keeps_it_in_its_chapter(window):
    engine = window.client
    select(window, 1)
    window.continue_text()
    engine.stream(" So far.")
    engine.crash()
    assert engine.requests[-1]["type"] == "open_document"  # re-opened with the text as it is now
    assert window.editor.document_text() == "The text of chapter 2. So far."
    window.accept_suggestion()
    assert window.library.chapters(window.novel.id)[1].text == "The text of chapter 2. So far."
    assert window.library.chapters(window.novel.id)[0].text == "The text of chapter 1."


def test_a_failed_restore_from_backup_reopens_the_novel_it_closed(window, qtbot, monkeypatch):
    select(window, 2)
    type_at_end(window, qtbot, " Kept.")
    damaged = window.library.path.parent / "backups" / "library-damaged.db"
    damaged.parent.mkdir(exist_ok=True)
    damaged.write_bytes(b"not a database" * 100)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    assert not window.restore_from_backup(damaged)
    assert window.novel is not None and not window.editor.isReadOnly()
    assert window.library.chapters(window.novel.id)[2].text == "The text of chapter 3. Kept."
    type_at_end(window, qtbot, " After.")
    window.save_now()
    assert window.library.chapter(window.chapter_id).text.endswith(" After.")


def test_restoring_a_backup_saves_the_chapter_shown_into_the_library_it_leaves(window, qtbot):
    backup = make_backup(window.library.path, "manual")
    type_at_end(window, qtbot, " Typed after the backup.")
    assert window.restore_from_backup(backup)
    assert window.editor.manuscript_text() == "The text of chapter 1."
    kept = Library(next(window.library.path.parent.glob("library.db.damaged-*")))
    assert kept.chapters(kept.novels()[0].id)[0].text == "The text of chapter 1. Typed after the backup."
    kept.close()


def test_replace_all_with_a_suggestion_showing_keeps_the_text_after_it(window):
    cursor = window.editor.textCursor()
    cursor.setPosition(len("The text"))
    window.editor.setTextCursor(cursor)
    window.editor.begin_suggestion()
    window.editor.add_suggestion_text(" (suggested)")
    window.find_bar.find_text.setText("The")
    window.find_bar.replace_text.setText("All the")
    assert window.find_bar.replace_all() == 1
    window.save_now()
    assert window.library.chapter(window.chapter_id).text == "All the text of chapter 1."


def test_pasting_with_a_suggestion_showing_keeps_the_text_after_it(window):
    cursor = window.editor.textCursor()
    cursor.setPosition(len("The text of"))
    window.editor.setTextCursor(cursor)
    window.editor.begin_suggestion()
    window.editor.add_suggestion_text(" (suggested)")
    cursor.setPosition(len("The "))  # the writer clicks before the suggestion
    window.editor.setTextCursor(cursor)
    QApplication.clipboard().setText("pasted ")
    window.editor.paste()  # Edit → Paste, or the context menu
    window.save_now()
    assert window.library.chapter(window.chapter_id).text == "The pasted text of chapter 1."


def test_with_no_novel_open_find_and_replace_changes_nothing(window):
    window.close_novel()
    window.find_bar.find_text.setText("a")
    assert window.find_bar.replace_all() == 0
    window.find_bar.replace()
    assert window.editor.document_text() == ""


def test_a_new_chapter_with_ai_goes_after_the_current_chapter_and_its_text_into_it_alone(window):
    engine = window.client
    select(window, 1)
    window.new_chapter_with_ai(("Finale", "", 100))
    assert (
        window.tree.topLevelItem(2).text(0) == "Chapter 3. Finale"
        and window.tree.current_chapter() == window.chapter_id
    )
    engine.stream("The end came.")
    engine.finish()
    window.accept_suggestion()
    chapters = window.library.chapters(window.novel.id)
    texts = [text for _, text in CHAPTERS]
    assert [c.text for c in chapters] == [*texts[:2], "The end came.", *texts[2:]]


def test_another_alternative_asked_in_one_chapter_leaves_a_suggestion_in_the_next_alone(window, qtbot):
    engine = window.client
    window.continue_text()
    engine.stream(" One way.")
    window.suggestions.another()  # Ctrl+R while it streams: cancelled, asked again once it has ended
    select(window, 1)
    engine.finish()
    window.continue_text()
    asked = engine.streaming[-1]
    engine.stream(" Mr Knightley's way.")
    qtbot.wait(300)  # the first chapter's retry would have run
    assert asked not in engine.cancelled
    assert window.editor.document_text() == "The text of chapter 2. Mr Knightley's way."


def test_quitting_when_the_chapter_cannot_be_saved_asks_first(window, qtbot, monkeypatch):
    type_at_end(window, qtbot, " Only in the editor.")

    def full(*_a, **_k):
        raise StorageError("The disk is full: your last changes could not be saved.")

    monkeypatch.setattr(window.library, "save_text", full)
    asked = []
    monkeypatch.setattr(main_window, "ask_quit_unsaved", lambda _parent: asked.append(1) or False)
    window.show()
    window.close()
    assert asked and window.isVisible() and window.novel is not None  # the writer said "don't quit"
    assert window.editor.manuscript_text().endswith("Only in the editor.")
    monkeypatch.undo()
    window.close()
    assert not window.isVisible()
    reopened = Library(window.library.path)
    assert reopened.chapters(reopened.novels()[0].id)[0].text.endswith("Only in the editor.")
    reopened.close()
