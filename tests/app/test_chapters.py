"""Chapter headings: which lines start a chapter, and what its title becomes."""

from __future__ import annotations

from app.chapters import is_heading, split_chapters


def test_chapter_headings_with_numbers_words_and_numerals():
    for line in [
        "Chapter 1",
        "CHAPTER XII.",
        "Chapter One: The Ball",
        "Chapter Twenty-One",
        "Chapter the First",
    ]:
        assert is_heading(line), line
    for line in ["Chapter and verse were quoted at him.", "chapters", "Chapter", "Chapter 5 " + "x" * 120]:
        assert not is_heading(line), line


def test_a_subtitle_under_a_heading_joins_its_title():
    text = "CHAPTER I.\nDown the Rabbit-Hole\n\nAlice was beginning.\n\nCHAPTER II.\nThe Pool of Tears\n\nOh"
    assert split_chapters(text) == [
        ("CHAPTER I. Down the Rabbit-Hole", "Alice was beginning."),
        ("CHAPTER II. The Pool of Tears", "Oh"),
    ]


def test_a_subtitle_in_capitals_after_a_blank_line_joins_its_title_but_a_first_sentence_does_not():
    assert split_chapters("CHAPTER I\n\nTHE BEGINNING\n\nIt rained.")[0] == (
        "CHAPTER I. THE BEGINNING",
        "It rained.",
    )
    assert split_chapters("Chapter 1\n\nIt rained.\n\nIt stopped.")[0] == (
        "Chapter 1",
        "It rained.\n\nIt stopped.",
    )


def test_a_volume_line_before_a_chapter_goes_into_its_title():
    text = "EMMA\n\nVOLUME I\n\nCHAPTER I\n\nEmma.\n\nVOLUME II\n\nCHAPTER I\n\nMr. Weston."
    assert split_chapters(text) == [
        ("Opening", "EMMA"),
        ("VOLUME I, CHAPTER I", "Emma."),
        ("VOLUME II, CHAPTER I", "Mr. Weston."),
    ]


def test_markdown_headings_take_no_subtitle():
    assert split_chapters("## One\nThe first winter assembly.\n") == [("One", "The first winter assembly.")]
