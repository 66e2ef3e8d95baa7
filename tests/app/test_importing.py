"""Importing .txt, .md and .docx manuscripts: decoding, Project Gutenberg files, paragraphs, chapters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.importing import ImportProblem, read_manuscript, split_chapters, title_from_file_name
from app.main_window import MainWindow
from app.settings import Settings
from app.storage import Library
from tests.conftest import CORPUS

DATA = Path(__file__).resolve().parents[1] / "data"


def paragraphs_of(chapters: list[tuple[str, str]]) -> list[str]:
    return [p for _, text in chapters for p in text.split("\n\n") if p.strip()]


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


def test_markdown_escapes_and_hard_breaks_are_read(tmp_path):
    path = tmp_path / "book.md"
    path.write_text(
        "## \\#1 Fan\n\n\\- not a list, 5 \\* 3, \\`x\\`, *so* __very__ &amp; C:\\\\\n\nTyger\\\nTyger\n"
    )
    _, chapters = read_manuscript(path)
    assert chapters == [("#1 Fan", "- not a list, 5 \\* 3, `x`, *so* **very** & C:\\\n\nTyger\nTyger")]


def test_text_without_headings_is_one_chapter(tmp_path):
    path = tmp_path / "draft_notes.txt"
    path.write_text("Just some prose.\nMore prose.")
    title, chapters = read_manuscript(path)
    assert title == "Draft Notes"
    assert chapters == [("Chapter 1", "Just some prose.\nMore prose.")]


def test_a_title_from_the_file_name_reads_as_a_title():
    assert title_from_file_name("the_long-road_of  the_year") == "The Long Road of the Year"
    assert title_from_file_name("McCarthy draft 3") == "McCarthy draft 3"  # capitalised: as written
    assert title_from_file_name(" _ ") == "Untitled"


def test_thousands_of_headings_become_thousands_of_chapters():
    text = "".join(f"Chapter {i}\n\nText of {i}.\n\n" for i in range(1, 3001))
    chapters = split_chapters(text)
    assert len(chapters) == 3000 and chapters[-1] == ("Chapter 3000", "Text of 3000.")


def test_binary_and_unknown_files_are_refused_with_a_message(tmp_path):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ImportProblem, match="binary"):
        read_manuscript(binary)
    with pytest.raises(ImportProblem, match=r"\.txt, \.md and \.docx"):
        read_manuscript(tmp_path / "novel.pdf")
    with pytest.raises(ImportProblem, match="cannot be read"):
        read_manuscript(tmp_path / "missing.txt")
    not_word = tmp_path / "novel.docx"
    not_word.write_text("I am not a zip file")
    with pytest.raises(ImportProblem, match="not a Word document"):
        read_manuscript(not_word)


def test_a_single_megabyte_line_imports(tmp_path):
    path = tmp_path / "line.txt"
    path.write_text("word " * 200_000)
    _, chapters = read_manuscript(path)
    assert len(chapters) == 1 and chapters[0][1].split() == ["word"] * 200_000


def test_a_project_gutenberg_file_leaves_out_its_header_licence_and_wrapping():
    manuscript = read_manuscript(DATA / "gutenberg_sample.txt")
    assert manuscript.title == "Alice's Adventures in Wonderland"
    assert manuscript.notes == ["Left out the Project Gutenberg header and licence."]
    assert [title for title, _ in manuscript.chapters] == [
        "Opening",
        "CHAPTER I. Down the Rabbit-Hole",
        "CHAPTER II. The Pool of Tears",
    ]
    everything = "\n".join(f"{title}\n{text}" for title, text in manuscript.chapters)
    assert "Gutenberg" not in everything and "Produced by" not in everything and "LICENSE" not in everything
    assert not re.search(r"[\x00-\x08\x0b-\x1f]", everything)  # the ^Z at the end, and the CRs
    paragraphs = paragraphs_of(manuscript.chapters)
    assert paragraphs[2].startswith(
        "Alice was beginning to get very tired of sitting by her sister on the bank,"
    )
    assert paragraphs[2].endswith("“without pictures or conversations?”")
    assert "the Rabbit actually _took a watch out of its waistcoat-pocket_, and looked" in paragraphs[4]
    stanzas = [p for p in paragraphs if "\n" in p]
    assert stanzas == [
        "How doth the little crocodile\nImprove his shining tail,\nAnd pour the waters of the Nile\n"
        "On every golden scale!",
        "How cheerfully he seems to grin,\nHow neatly spread his claws,\nAnd welcome little fishes in\n"
        "With gently smiling jaws!",
    ]
    assert not any(p.startswith((" ", "\t")) for p in paragraphs)


def test_poems_between_paragraphs_keep_their_lines():
    _, chapters = read_manuscript(DATA / "verse_in_prose.txt")
    paragraphs = paragraphs_of(chapters)
    assert (
        "Tyger Tyger, burning bright,\nIn the forests of the night;\nWhat immortal hand or eye,"
        in paragraphs[1]
    )
    assert paragraphs[5] == (
        "Because I could not stop for Death –\nHe kindly stopped for me –\n"
        "The Carriage held but just Ourselves –\nAnd Immortality."
    )
    assert len(paragraphs) == 8  # four of prose, four stanzas
    prose = [paragraphs[i] for i in (0, 3, 4, 7)]
    assert all("\n" not in p and len(p) > 100 for p in prose)


# Chapters per novel (its own headings, plus the "Opening" with the title page), and the paragraphs that
# keep line breaks: verse, and a letter's date or signature set on lines of their own. Every other
# paragraph of the six novels is one line.
AUSTEN = {
    "emma.txt": (55, ["My first doth", "My first displays", "But ah! united, what", "Thy ready wit",
                      "My first displays", "Another view", "But ah! united, (_court", "Kitty, a fair",
                      "'Full many", '"Yours ever,', "WINDSOR-JULY.", '"For when a lady']),
    "mansfieldpark.txt": (48, ["Blest leaf!", "Blest Knight!", "[End volume one"]),
    "northangerabbey.txt": (31, ['"Many a flower', '"It is a delightful', '"Trifles light',
                                 '"The poor beetle', '"like Patience']),
    "persuasion.txt": (24, []),
    "prideprejudice.txt": (61, []),
    "sensesensibility.txt": (50, ['"Bond Street', '"I am, dear Madam', '"Your sincere well-wisher']),
}  # fmt: skip


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the Austen corpus is not beside the checkout")
@pytest.mark.parametrize("name", sorted(AUSTEN))
def test_austen_novels_import_a_paragraph_per_paragraph(name):
    source = (CORPUS / name).read_text(encoding="utf-8")
    chapters_expected, kept = AUSTEN[name]
    _, chapters = read_manuscript(CORPUS / name)
    assert len(chapters) == chapters_expected + 1 and chapters[0][0] == "Opening"
    paragraphs = paragraphs_of(chapters)
    with_breaks = [p for p in paragraphs if "\n" in p]
    assert [p for p in with_breaks if not any(p.startswith(start) for start in kept)] == []
    assert len(with_breaks) == len(kept)
    # Nothing merged or split: every block of the source is a paragraph or a heading (or Emma's volumes).
    blocks = [b for b in re.split(r"\n[ \t]*\n", source) if b.strip()]
    volumes = len(re.findall(r"^VOLUME [IV]+$", source, re.M))
    assert len(paragraphs) + chapters_expected + volumes == len(blocks)
    assert not any(p != p.strip() or "  \n" in p for p in paragraphs)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the Austen corpus is not beside the checkout")
def test_austen_verse_and_letters_read_as_in_the_book():
    _, emma = read_manuscript(CORPUS / "emma.txt")
    charade = (
        "My first doth affliction denote,\nWhich my second is destin'd to feel\n"
        "And my whole is the best antidote\nThat affliction to soften and heal.--"
    )
    assert charade in paragraphs_of(emma)
    _, sense = read_manuscript(CORPUS / "sensesensibility.txt")
    letter = (
        '"I have just had the honour of receiving your letter, for which I beg to return my sincere '
        "acknowledgments.  I am much concerned"
    )
    assert any(p.startswith(letter) for p in paragraphs_of(sense))


def test_the_window_says_what_the_import_left_out(qtbot):
    window = MainWindow(Library(), Settings())
    qtbot.addWidget(window)
    novel = window.import_manuscript(DATA / "gutenberg_sample.txt")
    assert novel.title == "Alice's Adventures in Wonderland"
    message = window.statusBar().currentMessage()
    assert "3 chapters" in message and "Left out the Project Gutenberg header and licence." in message
    assert window.editor.manuscript_text() == "Alice's Adventures in Wonderland\n\nby Lewis Carroll"


def test_docx_paragraphs_headings_and_italics_are_imported(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("The Watsons", style="Title")
    document.add_paragraph("by Jane Austen", style="Subtitle")
    document.add_heading("The Assembly", level=1)
    p = document.add_paragraph("The first winter assembly in the town of D. was to be held on ")
    p.add_run("Tuesday").italic = True
    p.add_run(", October the ")
    p.add_run("13").bold = True
    p.add_run("th. ")
    p.add_run("It was").italic = True  # Word splits runs anywhere; one formatting, one span
    p.add_run(" generally").italic = True
    p.add_run(" expected. 5 * 3.")
    verse = document.add_paragraph("First line")
    verse.add_run().add_break()
    verse.add_run("second line")
    document.add_paragraph("")
    document.add_heading("Emma Watson", level=2)
    document.add_paragraph("Emma was the youngest.")
    document.add_paragraph("Chapter 3")
    document.add_paragraph("Mr. Howard.")
    path = tmp_path / "watsons.docx"
    document.save(str(path))
    title, chapters = read_manuscript(path)
    assert title == "The Watsons"
    assert chapters == [
        (
            "The Assembly",
            "The first winter assembly in the town of D. was to be held on *Tuesday*, October the **13**th. "
            "*It was generally* expected. 5 \\* 3.\n\nFirst line\nsecond line",
        ),
        ("Emma Watson", "Emma was the youngest."),
        ("Chapter 3", "Mr. Howard."),
    ]


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80), max_size=20))
@settings(max_examples=200, deadline=None)
def test_splitting_loses_no_words(paragraphs):
    text = "\n".join(paragraphs)
    chapters = split_chapters(text)
    rebuilt = " ".join(f"{title} {body}" for title, body in chapters)
    for word in text.split():
        if not word.startswith("#"):
            assert word in rebuilt
