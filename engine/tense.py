"""The tense (and the person) of a book's narrative, measured with plain rules one can check by hand.

The rule: dialogue is set aside (text within double quotes: people in a past-tense novel speak in the
present); then every subject pronoun (I, we, he, she, it, they) is looked at with the verb after it, one
adverb ("never", "-ly") skipped: "she was", "he walked", "they had", "I could" count as past; "she is", "he
walks", "they have", "I can" as present; anything else ("she, too", "he the") is not counted. The share of
past among the counted is the measure. Regular verbs in the plain form ("they walk") are not told from
other words and are not counted, so the share leans a little to the past; a book and the text written
after it lean alike. How far the share wanders between the chapters of one book (its error) is measured in
docs/BENCHMARKS.md ("Chapters from an outline"). The person is the share of "I" and "we" among the
narrative's subject pronouns.
"""

from __future__ import annotations

import re

from engine.beats import IRREGULAR

SUBJECTS = frozenset({"i", "we", "he", "she", "it", "they"})
THIRD_PERSON = frozenset({"he", "she", "it"})
PAST = frozenset(IRREGULAR.values()) | {"could", "would", "should", "might"}
PRESENT = frozenset(IRREGULAR) - PAST
# fmt: off
ADVERBS = frozenset({
    "never", "always", "then", "still", "only", "also", "now", "just", "often", "soon", "once", "ever",
    "quite", "almost", "afterwards", "sometimes", "perhaps", "thus",
})
NOT_VERBS = frozenset({"as", "his", "this", "us", "yes", "towards", "unless", "across"})  # "-s", not verbs
# fmt: on
_WORDS = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?")


def narrative(text: str) -> str:
    """The text with its dialogue (within double quotes) taken out, paragraph by paragraph: a speech that
    goes on into the next paragraph opens it with a quote again and leaves the first unclosed."""
    kept = []
    for paragraph in re.split(r"\n[ \t]*\n", text.replace("“", '"').replace("”", '"')):
        kept.extend(paragraph.split('"')[::2])  # outside the quotes: the 1st, 3rd, … pieces
    return " ".join(kept)


def verb_tenses(text: str) -> tuple[int, int]:
    """(past, present): the subject-verb pairs of the narrative counted in each tense."""
    words = [w.lower() for w in _WORDS.findall(narrative(text))]
    past = present = 0
    for i, word in enumerate(words[:-1]):
        if word not in SUBJECTS:
            continue
        verb = words[i + 1]
        if (verb in ADVERBS or verb.endswith("ly")) and i + 2 < len(words):
            verb = words[i + 2]
        if verb in PAST or (verb.endswith("ed") and len(verb) > 3):
            past += 1
        elif verb in PRESENT or (
            word in THIRD_PERSON and verb.endswith("s") and not verb.endswith("ss") and verb not in NOT_VERBS
        ):
            present += 1
    return past, present


def past_share(text: str, at_least: int = 5) -> float | None:
    """The share of past-tense verbs in the narrative (None when fewer than `at_least` were counted)."""
    past, present = verb_tenses(text)
    return past / (past + present) if past + present >= at_least else None


def first_person_share(text: str, at_least: int = 5) -> float | None:
    """The share of the narrative's subject pronouns that are "I" or "we" (against "he", "she", "they"):
    near 0 for a story told in the third person (None when fewer than `at_least` were counted)."""
    words = [w.lower() for w in _WORDS.findall(narrative(text))]
    first = sum(w in ("i", "we") for w in words)
    third = sum(w in ("he", "she", "they") for w in words)
    return first / (first + third) if first + third >= at_least else None


def is_past_tense(text: str) -> bool:
    """Is the book told in the past tense (as most novels are; a book too short to tell counts as past)?"""
    share = past_share(text[-200_000:])
    return share is None or share >= 0.5
