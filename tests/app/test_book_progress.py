"""The learned part of the book in chapters, words and a percentage, without a window or an engine."""

from __future__ import annotations

import pytest

from app.book_progress import (
    DEFAULT_CHARS_PER_TOKEN,
    DEFAULT_TOKENS_PER_WORD,
    chapter_ends,
    chapter_learning,
    chars_per_token,
    describe_learning,
    learned,
    learned_tokens,
    tokens_per_word,
)
from app.engine_session import Absorption
from app.storage import Chapter, join_chapters
from engine.config import TempLoraConfig


def book(n_chapters: int, words: int = 800) -> list[Chapter]:
    """Chapters of `words` four-letter words each: 4,000 characters of text."""
    return [Chapter(i, 1, i, f"Chapter {i}", " ".join(["word"] * words)) for i in range(1, n_chapters + 1)]


def opened(chapters: list[Chapter], chars_per_token: float = 4.0, **fields) -> Absorption:
    """An Absorption as the engine's open_document answer leaves it, for the text join_chapters sends."""
    text = join_chapters(chapters)
    tokens = round(len(text) / chars_per_token)
    # the layout these tests were written for, sent with the document as the app sends its settings
    layout = TempLoraConfig(chunk_tokens=256)
    chunks = len([1 for k in range(1, 1000) if learned_tokens(k, layout) <= tokens])
    progress = Absorption("d", chunks_total=chunks, tokens=tokens, sent_chars=len(text))
    progress.sent_words = len(text.split())
    progress.settings = {"chunk_tokens": 256, "epochs": 1, "rank": 16, "lr": 0.001}
    for name, value in fields.items():
        setattr(progress, name, value)
    return progress


@pytest.mark.parametrize(
    "config",
    [
        TempLoraConfig(),
        TempLoraConfig(opening_tokens=0),
        TempLoraConfig(chunk_tokens=512, opening_tokens=1024),
    ],
)
def test_learned_tokens_follow_the_engines_chunk_layout(config):
    from engine.absorb import full_size, split_chunks

    for n_tokens in (100, 4096, 5000, 20_000):
        complete = [c for c in split_chunks(n_tokens, config) if full_size(c, config)]
        for k, (_, end) in enumerate(complete, start=1):
            assert learned_tokens(k, config) == end


def test_chapter_ends_are_where_join_chapters_puts_them():
    chapters = [
        Chapter(1, 1, 1, "One", "Emma.\n\n"),
        Chapter(2, 1, 2, "Two", ""),
        Chapter(3, 1, 3, "Three", "Mr K."),
    ]
    text, ends = join_chapters(chapters), chapter_ends(chapters)
    assert ends[-1] == len(text)
    assert [text[:end].rsplit("\n\n", 1)[-1] for end in ends] == ["Emma.", "Two", "Mr K."]


def test_a_book_learned_into_chapter_ten_names_the_chapters_learned():
    chapters = book(12)  # ~1,000 tokens a chapter at 4 characters a token
    # 52 chunks: the opening's 32 of 128 tokens, then 20 of 256: 9,216 tokens, 36,864 characters; chapter 9
    # ends at 36,106 and chapter 10 at 40,119.
    progress = opened(chapters, chunks_absorbed=52)
    assert describe_learning(progress, chapters) == (
        "Learned up to Chapter 9 (9 of 12 chapters, 76% of the book). Learning Chapter 10…"
    )
    state = learned(progress, chapters)
    assert (state.chapters_learned, state.learning, state.percent) == (9, 10, 76)


def test_a_chapter_is_learned_once_the_chunks_up_to_its_last_word_are():
    chapters = book(12)  # chapter 1 ends at 4,010 characters: within the 8th chunk of 128 tokens
    assert describe_learning(opened(chapters, chunks_absorbed=0), chapters) == (
        "Learning Chapter 1… (0% of the book, 12 chapters)."
    )
    assert describe_learning(opened(chapters, chunks_absorbed=7), chapters) == (
        "Learning Chapter 1… (7% of the book, 12 chapters)."
    )
    assert describe_learning(opened(chapters, chunks_absorbed=8), chapters) == (
        "Learned Chapter 1 (1 of 12 chapters, 8% of the book). Learning Chapter 2…"
    )


def test_an_edit_in_chapter_three_of_a_learned_book_says_only_chapter_three_is_learned_again():
    chapters = book(12)
    # As the engine reports it after a sentence typed in chapter 3 (characters 8,020-12,030, tokens
    # 2,005-3,007): one chunk of ~256 tokens there waits; everything before and after stays learned (but
    # the last words of chapter 12, which wait for their chunk).
    progress = opened(chapters, chunks_absorbed=62, learnable_tokens=12_032, unlearned=[(2_304, 2_566)])
    progress.learning, progress.relearning = (2_304, 2_566), True  # the engine: next, the edited chunk
    assert describe_learning(progress, chapters) == (
        "Learned 10 of 12 chapters (97% of the book). Re-learning Chapter 3 after the edit…"
    )
    state = learned(progress, chapters)
    assert (state.chapters_learned, state.learning, state.learned_anywhere) == (
        2,
        3,
        10,
    )  # chapter 12: its last words wait


def test_an_up_to_date_book_says_which_words_wait_for_more_to_be_written():
    chapters = book(12)
    progress = opened(chapters)
    progress.chunks_absorbed = progress.chunks_total
    # 12,036 tokens; 63 complete chunks hold 12,032: the last 4 tokens (3 words at 1.25 tokens a word) wait
    # for the next chunk of 256, 252 tokens (201 words) away.
    assert describe_learning(progress, chapters) == (
        "Learned up to Chapter 11 (11 of 12 chapters, 99% of the book). The last 3 words, at the end of "
        "Chapter 12, are learned once about 200 more are written."
    )


def test_a_new_novel_says_how_much_to_write_before_anything_is_learned():
    chapters = [Chapter(1, 1, 1, "Chapter 1", "It was a dark night.")]
    progress = opened(chapters)
    assert progress.chunks_total == 0
    # Too few words for a ratio of its own: the Austen ratio; the first chunk is 128 tokens, ~99 words.
    assert describe_learning(progress, chapters) == (
        "Nothing to learn yet: the model learns the book a passage at a time, as soon as each is written. "
        "It starts once about 90 more words are written."
    )


def test_ratios_are_the_books_own_once_it_has_enough_words():
    assert (
        tokens_per_word(None) == DEFAULT_TOKENS_PER_WORD and chars_per_token(None) == DEFAULT_CHARS_PER_TOKEN
    )
    small = Absorption("d", tokens=12, sent_chars=40, sent_words=8)
    assert tokens_per_word(small) == DEFAULT_TOKENS_PER_WORD
    big = Absorption("d", tokens=1500, sent_chars=6000, sent_words=1000)
    assert (tokens_per_word(big), chars_per_token(big)) == (1.5, 4.0)


def test_the_writers_place_learned_first_is_not_taken_for_an_edit():
    """Opened with the cursor at the end: the engine learns the last chapters first, then across the book."""
    chapters = book(12)
    learned_at_the_end = [(0, 10_000)]  # chapters 1-10 wait; from token 10,000 (in chapter 11) it is learned
    progress = opened(chapters, chunks_absorbed=8, learnable_tokens=12_032, unlearned=learned_at_the_end)
    progress.learning, progress.relearning = (9_000, 9_256), False  # next: in chapter 9, never learned
    assert (
        describe_learning(progress, chapters)
        == "Learned 1 of 12 chapters (16% of the book). Learning Chapter 9…"
    )


def test_a_short_first_chapter_learned_first_does_not_read_as_the_place_reached():
    """The cursor at the end of a title page when the novel opened: its chunk is learned first, then the
    engine goes to the last chapters, where the writer now is."""
    chapters = [Chapter(0, 1, 0, "Opening", "Persuasion by Jane Austen"), *book(12)]
    progress = opened(chapters, chunks_absorbed=2, learnable_tokens=12_032)
    progress.unlearned, progress.learning = [(128, 10_000), (10_256, 12_032)], (10_256, 10_512)
    assert (
        describe_learning(progress, chapters)
        == "Learned 1 of 13 chapters (3% of the book). Learning Chapter 11…"
    )


def test_the_chapter_learned_again_is_named_as_the_tree_names_it_with_what_the_edit_costs():
    """A book with an "Opening" before Chapter 1: the edited fourth chapter is the tree's "Chapter 3"."""
    chapters = book(12)
    chapters = [Chapter(0, 1, 0, "Opening", chapters[0].text)] + [
        Chapter(c.id, 1, c.position, f"Chapter {c.position - 1}", c.text) for c in chapters[1:]
    ]
    chapters[5] = Chapter(6, 1, 6, "The Ball", chapters[5].text)
    progress = opened(chapters, chunks_absorbed=62, learnable_tokens=12_032, unlearned=[(3_300, 3_556)])
    progress.learning, progress.relearning = (3_300, 3_556), True  # in the fourth chapter
    progress.work_total, progress.work_absorbed = 24_064, 23_552  # two units of work a token
    # No pace yet: no time said.
    assert describe_learning(progress, chapters).endswith("Re-learning Chapter 3 after the edit…")
    # Two chunks learned, 1,024 units of work in 5 s: 256 tokens to learn again, at 2 units each, take 2.5 s.
    progress.stamps = [(0.0, 22_528, 24_064, -1.0), (2.5, 23_040, 24_064, -1.0), (5.0, 23_552, 24_064, -1.0)]
    assert describe_learning(progress, chapters).endswith("Re-learning Chapter 3 after the edit, about 2 s…")
    progress.learning = progress.unlearned[0] = (5_400, 5_656)  # in the sixth chapter, titled
    assert describe_learning(progress, chapters).endswith("Re-learning “The Ball” after the edit, about 2 s…")


def test_a_chapter_is_learned_when_no_unlearned_range_overlaps_its_complete_chunks():
    chapters = book(3, 800)  # each chapter ~1,000 tokens at 4 characters a token
    progress = opened(chapters)
    start, end = [round(e / 4.0) for e in chapter_ends(chapters)][1:3]
    progress.learnable_tokens = end - 100  # the last 100 tokens wait for a complete chunk
    progress.unlearned = [(end - 356, end - 100)]  # the chapter's last complete chunk: not learned yet
    state = chapter_learning(progress, chapters, 3)
    assert not state.learned and 70 < state.percent < 80
    assert state.waiting_words == round(100 / tokens_per_word(progress))

    progress.unlearned = [(0, start - 50)]  # only chapter 2 waits (an edit): chapter 3 is learned
    assert chapter_learning(progress, chapters, 3).learned
    assert not chapter_learning(progress, chapters, 2).learned


def test_a_chapter_shorter_than_a_chunk_at_the_end_is_learned_as_far_as_it_can_be():
    chapters = [*book(2, 800), Chapter(3, 1, 3, "Chapter 3", "Short.")]
    progress = opened(chapters)
    progress.learnable_tokens = round(chapter_ends(chapters)[1] / 4.0) - 30  # ends before chapter 3 starts
    progress.unlearned = [(0, 40)]
    state = chapter_learning(progress, chapters, 3)
    assert state.learned and state.percent == 100 and state.waiting_words > 0


def test_a_learned_chapter_is_100_percent_and_one_not_learned_never_is():
    """100 × span / span can round to 99.999…: a learned chapter read "99%" in the outline's test."""
    chapters = book(3, 800)
    progress = opened(chapters)
    start, end = [round(e / 4.0) for e in chapter_ends(chapters)][1:3]
    for held in range(start + 50, end, 7):  # many spans, so some float rounds below 100
        progress.learnable_tokens, progress.unlearned = held, []
        assert chapter_learning(progress, chapters, 3).percent == 100
        progress.unlearned = [(held - 1, held)]  # one token not learned yet
        state = chapter_learning(progress, chapters, 3)
        assert not state.learned and 90 < state.percent < 100


def test_a_book_that_opens_before_chapter_one_is_told_by_the_trees_names():
    """An "Opening" before Chapter 1 (as an import makes of a title page): three chapters learned are "up to
    Chapter 2", never "chapters 1–3", which a writer reads as Chapter 1 to Chapter 3."""
    opening = Chapter(0, 1, 0, "Opening", " ".join(["word"] * 800))
    chapters = [opening, *book(3)]
    progress = opened(
        chapters, chunks_absorbed=24
    )  # 3,072 tokens: the first three chapters' 12,020 characters
    said = describe_learning(progress, chapters)
    assert said.startswith("Learned up to Chapter 2 (3 of 4 chapters, ") and said.endswith(
        "Learning Chapter 3…"
    )
    progress = opened(chapters, chunks_absorbed=8)
    assert describe_learning(progress, chapters).startswith("Learned “Opening” (1 of 4 chapters, ")


def test_words_that_wait_are_placed_where_they_begin():
    """A short new last chapter: the words that wait for their chunk begin at the end of the one before."""
    chapters = [*book(12), Chapter(13, 1, 13, "Chapter 13", "word word")]
    progress = opened(chapters)
    progress.chunks_absorbed = progress.chunks_total
    said = describe_learning(progress, chapters)
    assert "words, from the end of Chapter 12 on, are learned once" in said, said


def test_a_one_chapter_book_is_not_counted_in_chapters():
    chapters = book(1, words=2000)
    progress = opened(chapters)
    progress.chunks_absorbed = progress.chunks_total
    said = describe_learning(progress, chapters)  # its last words wait: never learned whole
    assert said.startswith("Learned part of Chapter 1 (97% of the book, 1 chapter). The last 60 words")
    assert "1 chapters" not in describe_learning(opened(chapters, chunks_absorbed=0), chapters)
