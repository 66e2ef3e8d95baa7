"""The spell check without Qt: what a word is, which words are known, what is suggested."""

from __future__ import annotations

from app.spelling import SpellCheck, words


def unknown(check: SpellCheck, text: str) -> list[str]:
    return [text[start:end] for start, end in check.unknown(text)]


def test_numbers_and_markers_are_not_words_and_hyphenated_words_are_checked_part_by_part():
    text = "On the 3rd of May, 1814, a well-known *man* said **no** to _her_."
    assert [w for _, _, w in words(text)] == [
        "On", "the", "of", "May", "a", "well", "known", "man", "said", "no", "to", "her",
    ]  # fmt: skip


def test_misspelt_words_are_unknown_and_known_ones_are_not():
    assert unknown(SpellCheck(), "Teh captain recieved a letter on Thursday.") == ["Teh", "recieved"]


def test_contractions_and_possessives_of_known_words_are_known():
    check = SpellCheck()
    assert unknown(check, "Don't say o’clock; it wasn't Elliot's, nor the captains' fault.") == []
    assert unknown(check, "She dont know.") == ["dont"]
    assert unknown(check, "'Tis said, 'Who?'") == ["Tis"]  # quotes are not part of the word


def test_a_novel_word_is_known_in_every_capitalisation_and_with_a_possessive():
    check = SpellCheck()
    assert unknown(check, "Kellynch Hall") == ["Kellynch"]
    check.set_novel_words(["Kellynch"])
    assert unknown(check, "Kellynch, KELLYNCH and Kellynch's lawn") == []
    check.set_novel_words(["Musgrove"])
    assert unknown(check, "the Musgroves and the Musgroves' house, but not Musgrovess") == ["Musgrovess"]
    check.set_novel_words([])
    assert unknown(check, "Kellynch") == ["Kellynch"]


def test_an_ignored_word_is_known_until_the_app_closes():
    check = SpellCheck()
    check.ignore("Uppercross")
    assert unknown(check, "Uppercross Cottage") == []
    assert unknown(SpellCheck(), "Uppercross") == ["Uppercross"]


def test_suggestions_are_the_likeliest_words_in_the_word_s_own_capitals():
    check = SpellCheck()
    assert check.suggestions("recieve")[0] == "receive"
    assert check.suggestions("Thier")[0] == "Their"
    assert check.suggestions("TEH")[0] == "THE"
    assert check.suggestions("xqzvbnm") == []


def test_british_spellings_are_known_but_misspelt_british_words_are_not():
    text = "Her favourite neighbours realised the honour of the theatre's colour; they travelled. Offence!"
    assert unknown(SpellCheck(), text) == []
    assert unknown(SpellCheck(), "The neighbuors' favuor") == ["neighbuors'", "favuor"]


def test_the_book_s_own_names_are_known_and_a_misspelt_name_is_not():
    check = SpellCheck()
    book = (
        "Sir Walter Elliot, of Kellynch Hall. Kellynch was let; the Crofts came to Kellynch. "
        "Anne saw Wentworth; Wentworth bowed; Captain Wentworth left. The Musgroves' Uppercross. "
        "Sellinger once."
    )
    check.set_novel_words([], book)
    assert unknown(check, "At Kellynch, Wentworth's letter; the Kellynchs.") == []  # possessive, plural
    assert unknown(check, "Kelynch and Uppercross and Sellinger.") == ["Kelynch", "Uppercross", "Sellinger"]
    check.set_novel_words([], book + " Then kellynch, lower case.")  # not always capitalised: not a name
    assert unknown(check, "Kellynch") == ["Kellynch"]
    check.set_novel_words([])  # the novel closed
    assert unknown(check, "Kellynch") == ["Kellynch"]
