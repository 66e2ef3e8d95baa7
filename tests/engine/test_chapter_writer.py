"""engine/chapter_writer.py's rules on their own: where the model left the prose, and how long each beat's
section is."""

from __future__ import annotations

from engine.chapter_writer import (
    MAX_CHAPTER_TOKENS,
    MIN_SECTION_TOKENS,
    ChapterWriting,
    chapter_beats,
    not_prose,
    section_lengths,
)


def test_a_paragraph_may_end_at_a_sentence_a_dash_an_ellipsis_or_a_letters_first_line():
    for text in [' "But I—"\n\nShe', ' "Well—”\n\nShe', " He waited…\n\nShe", " He waited...\n\nShe",
                 " Dear Sir,\n\nI write", " It rained.\n\nShe", ' "Go!"\n\nShe']:  # fmt: skip
        assert not_prose(text) is None, text
    assert not_prose(" It rained and Miss\n\nShe") == len(" It rained and Miss")
    assert not_prose(" It rained.\n\n1. Item") == len(" It rained.")
    assert not_prose(" It rained.\nChapter 9\n") == len(" It rained.")


def test_a_beat_keeps_its_own_length_when_an_empty_beat_before_it_is_left_out():
    assert chapter_beats(["(200 words)", "Anne walks out", "-", "Mary cries"], "", [260, 0, 10, 65]) == (
        ["Anne walks out", "Mary cries"],
        [0, 65],
    )
    assert chapter_beats([], "Anne walks out (200 words); —") == (["Anne walks out"], [0])


def test_each_section_gets_its_length_at_least_a_few_sentences_and_a_chapter_ends():
    assert section_lengths(300, 3, [100]) == [100, 100, 100]
    assert section_lengths(200, 2, [1, 0]) == [MIN_SECTION_TOKENS, 200 - MIN_SECTION_TOKENS]
    assert sum(section_lengths(10, 100, [8192] * 100)) <= MAX_CHAPTER_TOKENS + 100


class Written:
    """A section's continuation as the generator gives it: pieces, then its text and tokens."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces, self.tokens, self.evaluated = pieces, len(pieces), 0
        self.text = "".join(pieces)

    def __iter__(self):
        return iter(self.pieces)


def test_what_streams_and_what_a_stopped_chapter_keeps_leave_out_a_paragraph_that_was_cut():
    attempts = [[" It", " rained", " and\n\n", "CH.", " THE"], [" It", " snowed."]]
    writing = ChapterWriting(
        lambda prompt, n, attempt: Written(attempts.pop(0)), "Once.", "Chapter 2", ["rain"], 100
    )
    streamed = "".join(writing)
    assert writing.text == "Rain. It snowed."
    assert "CH." not in streamed and "CH." not in writing.partial
    assert streamed.startswith("Rain. It rained")  # shown before the blank line told it was not a paragraph


def test_a_line_just_begun_is_held_back_until_it_is_known_to_be_prose():
    attempts = [[" It", " rained.\n\n", "1.", " Item"], [" It", " snowed."]]
    writing = ChapterWriting(
        lambda prompt, n, attempt: Written(attempts.pop(0)), "Once.", "Chapter 2", ["rain"], 100
    )
    assert "1." not in "".join(writing) and writing.text == "Rain. It rained. It snowed."
