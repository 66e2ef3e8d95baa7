"""A chapter's beats, its heading in the book's style, and the tense detector: plain rules, checked here."""

from __future__ import annotations

import re

import pytest

from engine.beats import beat_length, followed, opening, split_beats
from engine.headings import next_heading
from engine.tense import first_person_share, is_past_tense, past_share
from tests.conftest import CORPUS


@pytest.mark.parametrize(
    ("titles", "title", "heading"),
    [
        (["CHAPTER XI.", "CHAPTER XII."], "", "CHAPTER XIII."),
        (
            ["CHAPTER I. Down the Rabbit-Hole", "CHAPTER XII. Alice's Evidence"],
            "The Pig",
            "CHAPTER XIII. The Pig",
        ),
        (["Chapter 23"], "", "Chapter 24"),
        (
            ["CHAPTER II", "CHAPTER III. The Wedding Breakfast"],
            "",
            "CHAPTER IV",
        ),  # its "." was the subtitle's
        (["CHAPTER I.", "CHAPTER II. The Ball"], "", "CHAPTER III."),
        (["Chapter 23"], "The Ball", "Chapter 24. The Ball"),
        (["Chapter Twelve: The Ball"], "", "Chapter Thirteen"),
        (["Chapter Twelve: The Ball"], "Tea", "Chapter Thirteen: Tea"),
        (["CHAPTER TWENTY-ONE"], "", "CHAPTER TWENTY-TWO"),
        (["Chapter the Twelfth"], "", "Chapter the Thirteenth"),
        (
            ["CHAPTER XII"],
            "Chapter 14",
            "CHAPTER XIII",
        ),  # the app's "Chapter 14" gives way to the book's style
        (["VOLUME II, Chapter 1"], "", "VOLUME II, Chapter 2"),
        (["Chapter 3", "An interlude"], "", "Chapter 4"),  # counts on from the last numbered one
        (["Opening", "The Ball"], "The Storm", "The Storm"),  # a book that does not number its chapters
        (["Opening"], "", "Chapter 2"),
        (["CHAPTER I", "CHAPTER II"], "CHAPTER III. The Ball", "CHAPTER III. The Ball"),  # the subtitle kept
        (["Chapter 1"], "A chapter I loved", "Chapter 2. A chapter I loved"),  # not a heading: a title
        (["Chapter 1", "Cut from chapter 2"], "", "Chapter 2"),
        (["Chapter Ninety-Nine"], "", "Chapter 100"),  # past the words it writes: digits
        (["Chapter 3 - The Ball"], "Dinner", "Chapter 4 - Dinner"),
    ],
)
def test_the_next_heading_counts_on_in_the_books_style(titles, title, heading):
    assert next_heading(titles, title) == heading


def test_notes_split_into_beats_one_a_line_or_at_semicolons():
    notes = "- the Duchess scolds Alice; the baby turns into a pig\n\n2) they have tea\n• "
    assert split_beats(notes) == ["the Duchess scolds Alice", "the baby turns into a pig", "they have tea"]


def test_a_beat_opens_its_section_in_the_books_tense():
    book = {"scolded"}
    assert opening("the Duchess scolds Alice", True, book) == "The Duchess scolded Alice."
    assert opening("the baby turns into a pig again", True, book) == "The baby turned into a pig again."
    assert opening("Anne meets Wentworth; he is grave", True, book) == "Anne met Wentworth; he was grave."
    assert opening("Elizabeth marries Darcy", True, book) == "Elizabeth married Darcy."
    assert opening("Mary complains that she is ill", True, book) == "Mary complained that she was ill."
    assert opening("Anne's letters arrive", True, book) == "Anne's letters arrive."  # no verb it can tell
    assert opening("the Admiral comes to see Kellynch", True, book) == "The Admiral came to see Kellynch."
    assert opening("she will not go", True, book) == "She would not go."  # "go" after "not" stays
    assert (
        opening("the Duchess scolds Alice", False, book) == "The Duchess scolds Alice."
    )  # a present-tense book
    assert opening("Is she there?", True, book) == "Was she there?"  # the beat's own end is kept


def test_only_a_word_where_a_verb_stands_is_put_in_the_past():
    book = {"dressed", "wished", "lived", "ordered", "nodded", "hid"}  # every novel writes these
    for beat, sentence in [
        ("Emma buys new dresses", "Emma bought new dresses."),
        ("Anne ignores her father's wishes", "Anne ignored her father's wishes."),
        ("Anne fears for their lives", "Anne feared for their lives."),
        ("Lady Russell gives orders", "Lady Russell gave orders."),
        ("Anne hears the news", "Anne heard the news."),
        ("Elizabeth reads his letters", "Elizabeth read his letters."),
        ("Anne bursts into tears", "Anne burst into tears."),
        ("Darcy nods", "Darcy nodded."),
        ("the rain stops", "The rain stopped."),
        ("Anne and Mary go to Bath", "Anne and Mary went to Bath."),
    ]:
        assert opening(beat, True, book) == sentence


def test_a_section_follows_its_beat_by_the_share_of_the_beats_words_it_holds():
    beat = "the Duchess scolds Alice"
    assert followed(beat, "The Duchess had scolded her, and Alice's eyes were wet.") == 1.0
    assert followed(beat, "Alice went home.") == pytest.approx(1 / 3)
    assert followed(beat, "Nobody came.") == 0.0
    assert followed("the", "anything") == 1.0  # no content words: nothing to miss


def test_the_tense_detector_tells_past_from_present_narrative_and_sets_dialogue_aside():
    past = 'She walked to the door. He was tired, and she had never loved him. "I am here," she said.'
    present = 'She walks to the door. He is tired, and she has never loved him. "I was here," she says.'
    assert past_share(past * 2) == 1.0 and past_share(present * 2) == 0.0
    assert is_past_tense(past * 2) and not is_past_tense(present * 2)
    assert past_share("She was.") is None  # too few verbs to tell
    told_by_her = "I walked to the door. We were tired, and I had never loved him. " * 2
    assert first_person_share(told_by_her) == 1.0 and first_person_share(past * 2) == 0.0


def test_austens_narrative_reads_as_past_and_her_dialogue_as_mostly_present():
    text = (CORPUS / "persuasion.txt").read_text()
    assert past_share(text) > 0.95
    paragraphs = re.split(r"\n\s*\n", text)
    dialogue = " ".join(piece for p in paragraphs for piece in p.split('"')[1::2])
    assert past_share(dialogue) < 0.6


def test_a_beat_may_end_with_its_own_length_in_words():
    assert beat_length("Anne walks out (200 words)") == ("Anne walks out", 200)
    assert beat_length("Anne walks out") == ("Anne walks out", None)
