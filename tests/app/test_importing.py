"""Importing .txt and .md manuscripts: decoding, chapter splitting, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.importing import ImportProblem, decode_manuscript, read_manuscript, split_chapters


def test_chapters_split_at_chapter_headings_with_an_opening():
    text = "Persuasion\nby Jane Austen\n\nChapter 1\n\nSir Walter.\n\nCHAPTER II.\n\nAnne.\n"
    assert split_chapters(text) == [
        ("Opening", "Persuasion\nby Jane Austen"),
        ("Chapter 1", "Sir Walter."),
        ("CHAPTER II.", "Anne."),
    ]


def test_markdown_title_names_the_novel_and_h2_headings_are_chapters(tmp_path):
    path = tmp_path / "book.md"
    path.write_text("# The Watsons\n\n## One\n\nThe first winter assembly.\n\n## Two\n\nEmma Watson.\n")
    title, chapters = read_manuscript(path)
    assert title == "The Watsons"
    assert [c[0] for c in chapters] == ["One", "Two"]
    assert chapters[1][1].strip() == "Emma Watson."


def test_text_without_headings_is_one_chapter(tmp_path):
    path = tmp_path / "draft_notes.txt"
    path.write_text("Just some prose.\nMore prose.")
    title, chapters = read_manuscript(path)
    assert title == "draft notes"
    assert chapters == [("Chapter 1", "Just some prose.\nMore prose.")]


def test_thousands_of_headings_become_thousands_of_chapters():
    text = "".join(f"Chapter {i}\n\nText of {i}.\n\n" for i in range(1, 3001))
    chapters = split_chapters(text)
    assert len(chapters) == 3000 and chapters[-1] == ("Chapter 3000", "Text of 3000.")


def test_encodings_are_decoded():
    assert decode_manuscript("café".encode("cp1252")) == "café"
    assert decode_manuscript("\ufeffcafé".encode()) == "café"
    assert decode_manuscript("café 😀".encode("utf-16")) == "café 😀"
    assert decode_manuscript(b"a\r\nb\rc") == "a\nb\nc"


def test_binary_and_unknown_files_are_refused_with_a_message(tmp_path):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ImportProblem, match="binary"):
        read_manuscript(binary)
    with pytest.raises(ImportProblem, match=r"\.txt and \.md"):
        read_manuscript(tmp_path / "novel.docx")
    with pytest.raises(ImportProblem, match="cannot be read"):
        read_manuscript(tmp_path / "missing.txt")


def test_a_single_megabyte_line_imports(tmp_path):
    path = tmp_path / "line.txt"
    path.write_text("word " * 200_000)
    _, chapters = read_manuscript(path)
    assert len(chapters) == 1 and len(chapters[0][1]) == 1_000_000


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80), max_size=20))
@settings(max_examples=200, deadline=None)
def test_splitting_loses_no_words(paragraphs):
    text = "\n".join(paragraphs)
    chapters = split_chapters(text)
    rebuilt = " ".join(f"{title} {body}" for title, body in chapters)
    for word in text.split():
        if not word.startswith("#"):
            assert word in rebuilt
