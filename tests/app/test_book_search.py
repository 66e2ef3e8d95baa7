"""Find and replace across a novel, without a window: hits by chapter, and replace-all in the library."""

from __future__ import annotations

import pytest

from app.book_search import Query, find_hits, replace_in_novel, replace_in_text, summary
from app.storage import Library


@pytest.fixture
def library():
    library = Library()
    yield library
    library.close()


@pytest.fixture
def novel(library):
    return library.create_novel(
        "Emma",
        [
            ("One", "Emma Woodhouse, handsome, clever, and rich.\n\nEmma had lived nearly twenty-one years."),
            ("Two", "Mr Knightley was a sensible man."),
            ("Three", "Poor Miss Taylor! said Emma. Emmanuel was not there."),
        ],
    )


def test_hits_are_listed_chapter_by_chapter_with_their_context(library, novel):
    hits = find_hits(library.chapters(novel.id), Query("emma"))
    assert [(h.chapter_title, h.match) for h in hits] == [
        ("One", "Emma"),
        ("One", "Emma"),
        ("Three", "Emma"),
        ("Three", "Emma"),  # in "Emmanuel": not whole words
    ]
    assert hits[0].snippet == "Emma Woodhouse, handsome, clever, and rich."  # its paragraph only
    assert hits[1].snippet.startswith("Emma had lived")
    assert summary(hits) == "4 found in 2 chapters"


def test_match_case_and_whole_words(library, novel):
    chapters = library.chapters(novel.id)
    assert len(find_hits(chapters, Query("emma", match_case=True))) == 0
    whole = find_hits(chapters, Query("Emma", whole_words=True))
    assert [h.chapter_title for h in whole] == ["One", "One", "Three"]
    assert len(find_hits(chapters, Query("Taylor!", whole_words=True))) == 1  # punctuation at its end
    assert summary([]) == "Not found"


def test_long_paragraphs_are_cut_around_the_hit():
    from app.storage import Chapter

    text = "word " * 30 + "needle " + "word " * 30
    (hit,) = find_hits([Chapter(1, 1, 0, "One", text)], Query("needle"))
    assert hit.snippet == "…" + "word " * 8 + "needle" + " word" * 8 + "…"  # 40 characters either side


def test_the_context_is_cut_between_words():
    from app.storage import Chapter

    text = "Her father never went beyond the shrubbery, where two divisions of the ground sufficed him."
    (hit,) = find_hits([Chapter(1, 1, 0, "One", text)], Query("divisions"))
    assert hit.snippet == "…went beyond the shrubbery, where two divisions of the ground sufficed him."
    assert hit.chapter_number == 1


def test_the_replacement_is_taken_literally():
    assert replace_in_text(r"cost: $5", Query("$5"), r"\1 \g<0>") == (r"cost: \1 \g<0>", 1)
    assert replace_in_text("a.b", Query("."), "-") == ("a-b", 1)  # not "any character"


def test_replace_in_novel_changes_every_chapter_and_keeps_revisions(library, novel):
    counts = replace_in_novel(library, novel.id, Query("Emma", whole_words=True), "Harriet")
    one, two, three = library.chapters(novel.id)
    assert counts == {one.id: 2, three.id: 1}
    assert (
        one.text
        == "Harriet Woodhouse, handsome, clever, and rich.\n\nHarriet had lived nearly twenty-one years."
    )
    assert three.text == "Poor Miss Taylor! said Harriet. Emmanuel was not there."
    assert two.text == "Mr Knightley was a sensible man." and library.revisions(two.id) == []
    # Each changed chapter can go back: its old text is its newest revision.
    assert library.revisions(one.id)[0].text.startswith("Emma Woodhouse")
    library.restore_revision(library.revisions(three.id)[0].id)
    assert library.chapter(three.id).text == "Poor Miss Taylor! said Emma. Emmanuel was not there."


def test_replace_in_novel_is_one_transaction(library, novel, monkeypatch):
    """A write that fails halfway (here: on the second chapter) leaves every chapter as it was."""
    import sqlite3

    from app.storage import StorageError

    real = library.db.execute
    updates = []

    def failing(sql, params=()):
        if sql.startswith("UPDATE chapters"):
            updates.append(sql)
            if len(updates) == 2:
                raise sqlite3.OperationalError("database or disk is full")
        return real(sql, params)

    monkeypatch.setattr(library.db, "execute", failing)
    with pytest.raises(StorageError, match="disk is full"):
        replace_in_novel(library, novel.id, Query("Emma"), "Harriet")
    monkeypatch.undo()
    assert all("Harriet" not in c.text for c in library.chapters(novel.id))
    assert all(library.revisions(c.id) == [] for c in library.chapters(novel.id))


def test_nothing_to_replace_writes_nothing(library, novel):
    assert replace_in_novel(library, novel.id, Query("Darcy"), "Wickham") == {}
    assert replace_in_novel(library, novel.id, Query(""), "Wickham") == {}
    assert all(library.revisions(c.id) == [] for c in library.chapters(novel.id))
