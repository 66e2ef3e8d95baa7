"""`longform-engine chapters`: an outline's chapters written after a book, each learned before the next."""

from __future__ import annotations

import json

import pytest

from engine.chapter_eval import read_outline, write_outline
from engine.errors import UserError
from engine.sentences import ends_sentence

OUTLINE = [
    {"title": "", "words": 60, "beats": ["Anne walks to Kellynch", "Sir Walter looks in the mirror"]},
    {"title": "The Letter", "words": 40, "beats": ["Elizabeth reads a letter"]},
]


@pytest.mark.slow
def test_an_outline_is_written_chapter_by_chapter_in_the_books_style_and_learned(loaded_model, sample_text):
    book = sample_text[:6000]
    result = write_outline(loaded_model, book, OUTLINE, steers=("opening", "none"))
    first, second = result["chapters"]
    assert (first["heading"], second["heading"]) == ("Chapter 2", "Chapter 3. The Letter")
    assert first["text"].startswith("Anne walked to Kellynch.")  # the beat opens its section, in the past
    assert "\n\nSir Walter looked in the mirror." in first["text"]
    assert all(ends_sentence(s) for s in first["text"].split("\n\n"))
    assert first["opening"]["sections_end_at_sentences"] and second["opening"]["sections_end_at_sentences"]
    assert 0 <= first["none"]["beats_followed"] <= 1 and 0 <= first["opening"]["beats_followed"] <= 1
    assert first["opening"]["past_share"] in (None, 1.0) or first["opening"]["past_share"] > 0.5  # few verbs
    assert first["perplexity"]["base"] > 1 and first["learn_seconds"] > 0  # each chapter is learned
    assert result["book_tense"]["past_share"] > 0.9


def test_an_outline_that_is_not_one_is_refused_in_a_sentence(tmp_path):
    path = tmp_path / "outline.json"
    path.write_text(json.dumps({"chapters": [{"title": "No beats"}]}))
    with pytest.raises(UserError, match="each with a title and its beats"):
        read_outline(path)
    path.write_text("{")
    with pytest.raises(UserError, match="cannot read the outline"):
        read_outline(path)
