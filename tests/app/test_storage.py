"""The library in real SQLite: novels, chapters, revisions, migrations."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from app.storage import MIGRATIONS, Library, StorageError, join_chapters


@pytest.fixture
def library(tmp_path):
    lib = Library(tmp_path / "library.db")
    yield lib
    lib.close()


def test_library_is_created_in_the_data_folder_with_wal(longform_home):
    lib = Library()
    assert lib.path == longform_home / "data" / "library.db"
    assert lib.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (longform_home / "data").stat().st_mode & 0o777 == 0o700
    lib.close()


def test_migrations_apply_once_from_an_empty_database(tmp_path):
    path = tmp_path / "l.db"
    Library(path).close()
    again = Library(path)
    applied = [m.name for m in MIGRATIONS.applied(again.db)]
    assert applied == ["0001_novels_chapters_revisions", "0002_trash", "0003_novel_words"]
    assert {"novels", "chapters", "revisions"} <= set(again.db.table_names())
    again.close()


def test_migration_0002_adds_the_trash_to_a_library_of_the_previous_schema(tmp_path):
    path = tmp_path / "l.db"
    old = sqlite_utils.Database(path)
    MIGRATIONS.apply(old, stop_before="0002_trash")  # a library as the previous version left it
    old.execute("INSERT INTO novels (title, created, updated) VALUES ('Emma', 0, 0)")
    old.execute(
        "INSERT INTO chapters (novel_id, position, title, text, updated) VALUES (1, 0, 'One', 'x', 0)"
    )
    old.execute(
        "INSERT INTO chapters (novel_id, position, title, text, updated) VALUES (1, 1, 'Two', 'y', 0)"
    )
    old.conn.commit()
    assert "deleted_at" not in old["chapters"].columns_dict
    old.close()

    library = Library(path)
    assert "0002_trash" in [m.name for m in MIGRATIONS.applied(library.db)]
    assert [n.title for n in library.novels()] == ["Emma"]
    one, two = library.chapters(1)
    assert (one.text, two.text, one.deleted_at) == ("x", "y", None)
    library.delete_chapter(one.id)
    assert [c.title for c in library.trashed_chapters(1)] == ["One"]
    library.close()


def test_migration_0003_adds_a_dictionary_to_each_novel_of_the_previous_schema(tmp_path):
    path = tmp_path / "l.db"
    old = sqlite_utils.Database(path)
    MIGRATIONS.apply(old, stop_before="0003_novel_words")
    old.execute("INSERT INTO novels (title, created, updated) VALUES ('Persuasion', 0, 0)")
    old.execute("INSERT INTO novels (title, created, updated) VALUES ('Emma', 0, 0)")
    old.conn.commit()
    assert "novel_words" not in old.table_names()
    old.close()

    library = Library(path)
    assert [m.name for m in MIGRATIONS.applied(library.db)][-1] == "0003_novel_words"
    assert library.novel_words(1) == []
    library.add_novel_word(1, "Kellynch")
    library.add_novel_word(1, "Elliot")
    library.add_novel_word(1, "Kellynch")  # twice: kept once
    library.add_novel_word(2, "Hartfield")
    library.close()
    again = Library(path)
    assert again.novel_words(1) == ["Elliot", "Kellynch"] and again.novel_words(2) == ["Hartfield"]
    again.close()


def test_chapters_keep_their_order_through_add_reorder_and_delete(library):
    novel = library.create_novel("Emma", [("One", "a"), ("Two", "b"), ("Three", "c")])
    one, two, three = library.chapters(novel.id)
    inserted = library.add_chapter(novel.id, "One and a half", after=one.id)
    assert [c.title for c in library.chapters(novel.id)] == ["One", "One and a half", "Two", "Three"]
    library.reorder_chapters(novel.id, [three.id, one.id, inserted.id, two.id])
    assert [c.title for c in library.chapters(novel.id)] == ["Three", "One", "One and a half", "Two"]
    library.delete_chapter(one.id)
    assert [c.title for c in library.chapters(novel.id)] == ["Three", "One and a half", "Two"]
    assert [c.position for c in library.chapters(novel.id)] == [0, 1, 2]
    library.rename_chapter(two.id, "Deux")
    assert library.chapter(two.id).title == "Deux"
    with pytest.raises(ValueError):
        library.reorder_chapters(novel.id, [two.id])


def test_saving_keeps_revisions_that_can_be_restored(library):
    novel = library.create_novel("Emma", [("One", "first draft")])
    chapter = library.chapters(novel.id)[0]
    assert library.save_text(chapter.id, "second draft")
    assert not library.save_text(chapter.id, "second draft")  # unchanged: nothing written
    assert [r.text for r in library.revisions(chapter.id)] == ["first draft"]
    library.save_text(chapter.id, "third draft")  # within five minutes of the last revision: none kept
    library.save_text(chapter.id, "fourth draft", keep_revision=True)
    assert [r.text for r in library.revisions(chapter.id)] == ["third draft", "first draft"]
    restored = library.restore_revision(library.revisions(chapter.id)[-1].id)
    assert restored.text == "first draft"
    assert library.revisions(chapter.id)[0].text == "fourth draft"


def test_a_deleted_novel_goes_to_the_trash_and_comes_back_with_its_chapters_and_revisions(library):
    keep = library.create_novel("Keep", [("A", "x")])
    gone = library.create_novel("Gone", [("B", "y"), ("C", "w")])
    library.save_text(library.chapters(gone.id)[0].id, "z")
    library.delete_novel(gone.id)
    assert [n.title for n in library.novels()] == ["Keep"]
    assert library.novel(gone.id) is None
    assert [n.title for n in library.trashed_novels()] == ["Gone"]
    assert library.trashed_novels()[0].deleted_at is not None
    assert library.chapters(keep.id)[0].text == "x"

    assert library.restore_novel(gone.id).title == "Gone"
    assert library.restore_novel(gone.id) is None  # no longer in the trash
    assert library.novels()[0].id == gone.id and not library.trashed_novels()
    b, c = library.chapters(gone.id)
    assert (b.text, c.text) == ("z", "w")
    assert [r.text for r in library.revisions(b.id)] == ["y"]


def test_a_deleted_chapter_goes_to_the_trash_and_back_to_its_place(library):
    novel = library.create_novel("Emma", [("One", "a"), ("Two", "b"), ("Three", "c")])
    two = library.chapters(novel.id)[1]
    library.save_text(two.id, "b, revised")
    library.delete_chapter(two.id)
    assert [c.title for c in library.chapters(novel.id)] == ["One", "Three"]
    assert [c.position for c in library.chapters(novel.id)] == [0, 1]
    assert library.chapter(two.id) is None
    assert "b, revised" not in library.manuscript(novel.id)  # the engine no longer sees it
    assert [(c.title, c.text) for c in library.trashed_chapters(novel.id)] == [("Two", "b, revised")]
    with pytest.raises(ValueError):
        library.save_text(two.id, "written into the trash")

    restored = library.restore_chapter(two.id)
    assert (restored.title, restored.text) == ("Two", "b, revised")
    assert [c.title for c in library.chapters(novel.id)] == ["One", "Two", "Three"]
    assert [c.position for c in library.chapters(novel.id)] == [0, 1, 2]
    assert [r.text for r in library.revisions(two.id)] == ["b"]
    assert library.restore_chapter(two.id) is None and not library.trashed_chapters(novel.id)


def test_a_chapter_restored_after_its_neighbours_went_comes_back_at_the_end(library):
    novel = library.create_novel("Emma", [("One", "a"), ("Two", "b"), ("Three", "c")])
    _, two, three = library.chapters(novel.id)
    library.delete_chapter(three.id)
    library.delete_chapter(two.id)
    library.restore_chapter(three.id)
    assert [c.title for c in library.chapters(novel.id)] == ["One", "Three"]
    library.restore_chapter(two.id)
    assert [c.title for c in library.chapters(novel.id)] == ["One", "Two", "Three"]


def test_manuscript_joins_chapters_and_stops_at_the_cursor(library):
    novel = library.create_novel("Emma", [("One", "Emma Woodhouse."), ("Two", "Mr Knightley came.")])
    chapters = library.chapters(novel.id)
    assert library.manuscript(novel.id) == "One\n\nEmma Woodhouse.\n\nTwo\n\nMr Knightley came."
    assert join_chapters(chapters, (chapters[1].id, 2)) == "One\n\nEmma Woodhouse.\n\nTwo\n\nMr"


def test_unicode_and_nul_survive_a_round_trip(library):
    text = "Ängstlich 😀 שלום e\u0301 \x00 end"
    novel = library.create_novel("Ü", [("Ç", text)])
    assert library.chapters(novel.id)[0].text == text


def test_a_file_that_is_not_a_database_gives_a_clear_message(tmp_path):
    path = tmp_path / "library.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError, match="damaged"):
        Library(path)


def test_write_errors_become_storage_errors(library, monkeypatch):
    novel = library.create_novel("Emma")
    chapter = library.chapters(novel.id)[0]

    def full(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(library.db, "execute", full)
    with pytest.raises(StorageError, match="disk is full"):
        library.rename_chapter(chapter.id, "x")


def test_a_change_of_several_statements_is_one_transaction():
    """A failure half-way through a change leaves the library as it was (no half-written change)."""
    import pytest as _pytest

    from app.storage import Library, StorageError

    library = Library()
    novel = library.create_novel("Emma", [("One", "first"), ("Two", "second")])
    one, two = (c.id for c in library.chapters(novel.id))
    with _pytest.raises(StorageError), library._atomic():
        library.db.execute("UPDATE chapters SET text = 'changed' WHERE id = ?", (one,))
        library.db.execute("INSERT INTO chapters (id) VALUES (?)", (two,))  # a duplicate id: fails
    assert library.chapter(one).text == "first"


def test_remove_empty_chapter_removes_only_a_chapter_with_nothing_in_it():
    library = Library()
    novel = library.create_novel("Emma", [("One", "Emma."), ("Two", "Knightley.")])
    one, _ = library.chapters(novel.id)
    empty = library.add_chapter(novel.id, "Three", after=one.id)
    assert library.remove_empty_chapter(empty.id)
    assert [(c.title, c.position) for c in library.chapters(novel.id)] == [("One", 0), ("Two", 1)]
    assert library.trashed_chapters(novel.id) == []
    assert not library.remove_empty_chapter(one.id)  # it holds text
    emptied = library.add_chapter(novel.id, "Four")
    library.save_text(emptied.id, "Written.")
    library.save_text(emptied.id, "", keep_revision=True)  # emptied, but its text is kept as a revision
    assert not library.remove_empty_chapter(emptied.id)
    assert [c.title for c in library.chapters(novel.id)] == ["One", "Two", "Four"]
