"""Where a sentence ends (suggestions stop there)."""

from __future__ import annotations

from engine.sentences import cut_to_sentence, ends_sentence


def test_full_stops_question_and_exclamation_marks_end_sentences():
    assert ends_sentence("She left.")
    assert ends_sentence("Did she?")
    assert ends_sentence('"Go!"')
    assert ends_sentence("as he said.’")


def test_titles_initials_and_ellipses_do_not():
    assert not ends_sentence("She spoke to Mr.")
    assert not ends_sentence("Mrs.")
    assert not ends_sentence("signed J.")
    assert not ends_sentence("and then...")
    assert not ends_sentence("half a wo")
    assert not ends_sentence("a comma,")


def test_cut_to_sentence_keeps_the_last_whole_sentence():
    assert cut_to_sentence("One. Two, and th") == "One."
    assert cut_to_sentence('He said "yes." And then') == 'He said "yes."'
    assert cut_to_sentence("Mr. Darcy bowed. Eliza") == "Mr. Darcy bowed."
    assert cut_to_sentence("no end here") == ""
