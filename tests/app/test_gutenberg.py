"""Project Gutenberg's header and licence, in the file styles of several decades."""

from __future__ import annotations

from app.gutenberg import unwrap

OLD_STYLE = """The Project Gutenberg EBook of Pride and Prejudice, by Jane Austen

Title: Pride and Prejudice

Author: Jane Austen

*** START OF THIS PROJECT GUTENBERG EBOOK PRIDE AND PREJUDICE ***




Produced by Anonymous Volunteers



PRIDE AND PREJUDICE

It is a truth universally acknowledged.



End of the Project Gutenberg EBook of Pride and Prejudice, by Jane Austen

*** END OF THIS PROJECT GUTENBERG EBOOK PRIDE AND PREJUDICE ***

***** This file should be named 1342.txt or 1342.zip *****
"""


def test_an_older_file_loses_header_credit_and_licence_and_names_the_book():
    book = unwrap(OLD_STYLE)
    assert book.text == "PRIDE AND PREJUDICE\n\nIt is a truth universally acknowledged."
    assert book.title == "Pride and Prejudice"
    assert book.note() == "Left out the Project Gutenberg header and licence."


def test_a_start_marker_wrapped_onto_two_lines_is_left_out_whole():
    text = (
        "Title: A Very Long Title\n\n*** START OF THE PROJECT GUTENBERG EBOOK A VERY LONG TITLE THAT\n"
        "GOES ON ***\n\nCHAPTER I\n\nText.\n"
    )
    assert unwrap(text).text == "CHAPTER I\n\nText."


def test_text_without_markers_comes_back_unchanged():
    text = "A manuscript that mentions the Project Gutenberg licence in passing.\n\nChapter 1\n\nText."
    book = unwrap(text)
    assert book.text == text and book.title is None and book.note() is None
