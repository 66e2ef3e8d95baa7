"""The library in real SQLite: novels, chapters, revisions, migrations."""

from __future__ import annotations

import sqlite3

import pytest

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
    assert applied == ["0001_novels_chapters_revisions"]
    assert {"novels", "chapters", "revisions"} <= set(again.db.table_names())
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


def test_deleting_a_novel_deletes_its_chapters_and_revisions(library):
    keep = library.create_novel("Keep", [("A", "x")])
    gone = library.create_novel("Gone", [("B", "y")])
    library.save_text(library.chapters(gone.id)[0].id, "z")
    library.delete_novel(gone.id)
    assert [n.title for n in library.novels()] == ["Keep"]
    assert library.db.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] == 0
    assert library.chapters(keep.id)[0].text == "x"


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
