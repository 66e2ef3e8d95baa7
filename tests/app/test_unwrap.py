"""Re-joining hard-wrapped plain text: wrapped prose becomes paragraphs, verse and placed lines stay."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.unwrap import rejoin, strip_control, wrap_width

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)
PARAGRAPH = st.lists(WORD, min_size=1, max_size=120).map(" ".join)
STANZA = st.lists(
    st.lists(WORD, min_size=1, max_size=5).map(lambda words: " ".join(words).capitalize()[:40].strip()),
    min_size=2,
    max_size=6,
).map("\n".join)


@given(
    st.lists(PARAGRAPH, min_size=2, max_size=12), st.integers(66, 100), st.sampled_from(["", "  ", "    "])
)
@pytest.mark.slow
@settings(max_examples=200, deadline=None)
def test_wrapped_paragraphs_come_back_whole(paragraphs, width, indent):
    wrapped = "\n\n".join(textwrap.fill(p, width, initial_indent=indent) for p in paragraphs)
    if wrap_width(wrapped) is not None:  # else too few wrapped lines to tell; nothing is joined
        assert rejoin(wrapped) == "\n\n".join(paragraphs)
    assert "".join(rejoin(wrapped).split()) == "".join(wrapped.split())


@given(st.lists(PARAGRAPH, min_size=2, max_size=12), st.integers(66, 100))
@settings(max_examples=100, deadline=None)
def test_paragraphs_marked_only_by_an_indented_first_line_come_apart(paragraphs, width):
    wrapped = "\n".join(textwrap.fill(p, width, initial_indent="    ") for p in paragraphs)
    if wrap_width(wrapped) is not None and "\na" in wrapped:  # a line not indented: a paragraph's second
        assert rejoin(wrapped) == "\n\n".join(paragraphs)


LONG_PARAGRAPH = st.lists(WORD, min_size=60, max_size=120).map(" ".join)


@pytest.mark.slow
@given(st.lists(LONG_PARAGRAPH, min_size=3, max_size=6), st.lists(STANZA, max_size=3))
@settings(max_examples=100, deadline=None)
def test_short_capitalised_lines_between_prose_keep_their_breaks(paragraphs, stanzas):
    blocks = [textwrap.fill(p, 72) for p in paragraphs]
    for i, stanza in enumerate(stanzas):
        blocks.insert(2 * i + 1, stanza)
    result = rejoin("\n\n".join(blocks)).split("\n\n")
    for stanza in stanzas:
        assert stanza in result
    for paragraph in paragraphs:
        assert paragraph in result


def test_text_typed_a_paragraph_a_line_is_not_taken_for_wrapped():
    lines = [
        "She came in.",
        "“Where have you been all this time, and why did nobody tell me that you were coming back today?”",
        "He did not answer her at once; he took off his coat, hung it on the peg behind the door.",
        "“Out,” he said at last.",
    ] * 5
    assert wrap_width("\n".join(lines)) is None
    assert rejoin("\n".join(lines)) == "\n".join(lines)


def test_hyphens_and_dashes_at_a_line_end_join_without_a_space():
    text = "\n".join(
        [
            "It was the custom of the house that every guest should dine at six on the",
            "first evening, and Mr. Elliot, who was never late, came down a little before",
            "the hour, looking the very picture of a well-bred, good-humoured, easy-",
            "tempered man; but Anne--who knew him better than anyone--thought otherwise--",
            "and said so to nobody, least of all to her father or to her sister Elizabeth.",
        ]
    )
    assert wrap_width(text) is not None
    assert rejoin(text) == (
        "It was the custom of the house that every guest should dine at six on the first evening, and "
        "Mr. Elliot, who was never late, came down a little before the hour, looking the very picture of a "
        "well-bred, good-humoured, easy-tempered man; but Anne--who knew him better than anyone--thought "
        "otherwise--and said so to nobody, least of all to her father or to her sister Elizabeth."
    )


def test_a_date_and_a_signature_set_far_in_stay_on_their_own_lines():
    prose = textwrap.fill("word " * 120, 70)
    letter = "                                   WINDSOR-JULY.\nMY DEAR MADAM,"
    signature = (
        '"I am, dear Madam,\n          "Your most obedient\n                                "F. C. W."'
    )
    result = rejoin(f"{prose}\n\n{letter}\n\n{prose}\n\n{signature}").split("\n\n")
    assert result[1] == "WINDSOR-JULY.\nMY DEAR MADAM,"
    assert result[3] == '"I am, dear Madam,\n"Your most obedient\n"F. C. W."'


def test_markdown_hard_breaks_are_kept_and_their_markers_removed():
    prose = textwrap.fill("word " * 60, 70)
    text = f"{prose}\n\nFirst line\\\nsecond line  \nthird line\n\n{prose}"
    assert rejoin(text, markdown=True).split("\n\n")[1] == "First line\nsecond line\nthird line"
    assert rejoin("a line ending in a backslash\\", markdown=False) == "a line ending in a backslash\\"


def test_control_characters_go_but_tabs_and_newlines_stay():
    assert (
        strip_control("Tab\there.\nNUL\x00 bell\x07 escape\x1b end\x1a") == "Tab\there.\nNUL bell escape end"
    )
    assert strip_control("Page one.\x0cPage two.") == "Page one.\n\nPage two."
