"""How much of the book the model has learned, in the writer's units: chapters, words and a percentage.

The engine counts tokens and chunks (docs/PROTOCOL.md); the app knows the manuscript it sent. The bridge is
the book's own ratios: the engine's `open_document` answer says how many tokens the text had, and the app
knows that text's characters and words. With them a chunk count becomes a place in the manuscript, and the
place a chapter (by the chapters' character offsets in `join_chapters`' text).

The engine says where the learnable text ends and which token ranges before it are not learned yet (an edit
in chapter 3 leaves a gap there while the chapters after it stay learned); from an engine that does not say,
the learned part is the first `chunks_absorbed` complete chunks, whose tokens follow from the chunk layout.
Tokens become
characters at the book's average characters per token, which assumes the density is even through the book:
a chapter boundary within a few dozen tokens of the learned point may be counted on the wrong side of it.
The ratio comes from the text the document was opened with, not from each later update.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from app.engine_session import Absorption
from app.storage import Chapter, join_chapters
from engine.config import TempLoraConfig

# Measured once with the embedded model's tokenizer (SmolLM2-135M) over the six Austen novels in
# ../shared/corpus/austen, hard-wrapped lines re-joined: 927,508 tokens, 717,537 words, 4,025,022 characters
# (per book 1.26-1.32 tokens a word, 4.26-4.41 characters a token). Used only until a book gives its own:
#   python -c "import re, llama_cpp, pathlib, engine.models as m
#   llm = llama_cpp.Llama(str(m.default_model_path()), vocab_only=True, verbose=False)
#   books = sorted(pathlib.Path('../shared/corpus/austen').glob('*.txt'))
#   ts = [re.sub(r'(?<!\n)\n(?!\n)', ' ', p.read_text(encoding='utf-8')) for p in books]
#   t = sum(len(llm.tokenize(s.encode(), add_bos=False, special=False)) for s in ts)
#   print(t / sum(len(s.split()) for s in ts), sum(map(len, ts)) / t)"   # 1.2926 4.3396
DEFAULT_TOKENS_PER_WORD = 1.29
DEFAULT_CHARS_PER_TOKEN = 4.34
# Below this many words (a new novel: a title and a line) a few names would skew a book's own ratios.
MIN_WORDS_FOR_RATIO = 200


def tokens_per_word(progress: Absorption | None) -> float:
    """The open book's tokens per word as the engine counted them; the measured default without one."""
    if progress is None or progress.tokens <= 0 or progress.sent_words < MIN_WORDS_FOR_RATIO:
        return DEFAULT_TOKENS_PER_WORD
    return progress.tokens / progress.sent_words


def chars_per_token(progress: Absorption | None) -> float:
    """The open book's characters per token; the measured default without one."""
    if progress is None or progress.tokens <= 0 or progress.sent_words < MIN_WORDS_FOR_RATIO:
        return DEFAULT_CHARS_PER_TOKEN
    return progress.sent_chars / progress.tokens


def words_to_tokens(words: int, per_word: float) -> int:
    """A length in words as the tokens the engine counts."""
    return max(1, round(words * per_word))


def chunk_config(progress: Absorption) -> TempLoraConfig:
    """The chunk layout the document was opened with (the engine's defaults for what was not sent)."""
    known = {f.name for f in fields(TempLoraConfig)}
    try:
        return TempLoraConfig(**{k: v for k, v in progress.settings.items() if k in known})
    except (TypeError, ValueError):
        return TempLoraConfig()


def learned_tokens(chunks: int, config: TempLoraConfig) -> int:
    """Tokens in the first `chunks` complete chunks: the opening's small ones, then Δ each, as
    engine.absorb.split_chunks lays them out (a test holds the two together)."""
    in_opening = config.opening_tokens // config.opening_chunk_tokens
    if chunks <= in_opening:
        return chunks * config.opening_chunk_tokens
    return config.opening_tokens + (chunks - in_opening) * config.chunk_tokens


def next_chunk_tokens(chunks: int, config: TempLoraConfig) -> int:
    """The size of the chunk after the first `chunks`."""
    in_opening = config.opening_tokens // config.opening_chunk_tokens
    return config.opening_chunk_tokens if chunks < in_opening else config.chunk_tokens


def chapter_ends(chapters: list[Chapter]) -> list[int]:
    """Where each chapter ends in `join_chapters(chapters)`, in characters."""
    ends, at = [], 0
    for i, chapter in enumerate(chapters):
        at += (2 if i else 0) + len(join_chapters([chapter]))  # parts are joined by a blank line
        ends.append(at)
    return ends


@dataclass(frozen=True)
class Learned:
    """What the model knows of the book, in the writer's units."""

    chapters: int  # chapters in the book
    chapters_learned: int  # chapters 1 to this one are learned to their last word
    learning: int | None  # the chapter being learned now (1-based); None when nothing waits for the engine
    learned_anywhere: int  # chapters learned to their last word, wherever they are (an edit leaves gaps)
    relearning: bool  # the text being learned was learned before the writer changed it (the engine says)
    percent: int  # of the book's text
    waiting_words: int  # words at the end that wait for their chunk to be complete before they are learned
    words_to_next: int  # words still to write before they are
    learning_gap_tokens: int = 0  # tokens not learned in the chapter being learned (an edit's cost)
    waiting_from: int = 0  # the chapter (1-based) where the waiting words begin: a short last chapter's
    # words can wait with the end of the one before it


def learned(progress: Absorption, chapters: list[Chapter]) -> Learned:
    """The learned part of the book as chapters, a percentage and the words still waiting."""
    per_token, per_word, config = chars_per_token(progress), tokens_per_word(progress), chunk_config(progress)
    ends = chapter_ends(chapters)
    total_tokens = ends[-1] / per_token if ends else progress.tokens
    complete, gaps = learnable_and_gaps(progress, config)
    done = complete - sum(b - a for a, b in gaps)
    starts = [0, *ends[:-1]]
    is_learned = [
        end <= complete * per_token
        and not any(a * per_token < end and b * per_token > start for a, b in gaps)
        for start, end in zip(starts, ends, strict=True)
    ]
    chapters_learned = next((i for i, known in enumerate(is_learned) if not known), len(ends))
    learning, gap_tokens = None, 0
    if gaps and ends:  # where the engine said it learns next (the writer's place first), else the first gap
        at = progress.learning[0] if progress.learning else gaps[0][0]
        learning = 1 + sum(1 for end in ends[:-1] if end <= at * per_token)
        start, end = starts[learning - 1] / per_token, ends[learning - 1] / per_token
        gap_tokens = round(sum(max(0.0, min(b, end) - max(a, start)) for a, b in gaps))
    waiting = max(0.0, total_tokens - complete)
    to_next = max(0.0, next_chunk_tokens(progress.chunks_total, config) - waiting)
    percent = min(100, int(100 * done / total_tokens)) if total_tokens > 0 else 0
    return Learned(
        len(ends),
        chapters_learned,
        learning,
        sum(is_learned),
        bool(gaps) and progress.relearning,
        percent,
        round(waiting / per_word),
        round(to_next / per_word),
        gap_tokens,
        1 + sum(1 for end in ends[:-1] if end <= complete * per_token),
    )


@dataclass(frozen=True)
class ChapterLearning:
    """How far the model has learned one chapter."""

    learned: bool  # every complete chunk holding part of the chapter is learned
    percent: int  # of the chapter's part that complete chunks hold (100 when they hold none of it)
    waiting_words: int  # words at its end that no complete chunk holds yet: learned once more text follows


def chapter_learning(progress: Absorption, chapters: list[Chapter], number: int) -> ChapterLearning:
    """How far chapter `number` (1-based, of `chapters` as the engine was last sent them) is learned.

    The engine learns complete chunks only: the end of the book, shorter than a chunk, waits for more text
    (and the next chapter's prompt holds it in the window W ≥ Δ anyway). So a chapter counts as learned
    when no range not learned yet overlaps its part before `learnable_tokens`; its part after is reported
    as waiting, not as missing. A chapter wholly in that tail is learned as far as it can be: 100%.
    Tokens are placed at the book's characters per token (see the module's note on that estimate).
    """
    per_token, per_word = chars_per_token(progress), tokens_per_word(progress)
    ends = chapter_ends(chapters)
    start = (ends[number - 2] + 2 if number > 1 else 0) / per_token  # the blank line between belongs before
    end = ends[number - 1] / per_token
    complete, gaps = learnable_and_gaps(progress, chunk_config(progress))
    held = min(end, complete)
    span = max(0.0, held - start)
    missing = sum(max(0.0, min(b, held) - max(a, start)) for a, b in gaps)
    # Learned is 100% exactly (100 * span / span can round to 99.999…), and 100% only when learned.
    percent = 100 if span <= 0 or missing <= 0 else min(99, int(100 * (span - missing) / span))
    waiting = max(0.0, end - max(start, complete))
    return ChapterLearning(missing <= 0, percent, round(waiting / per_word))


def learnable_and_gaps(progress: Absorption, config: TempLoraConfig) -> tuple[int, list[tuple[int, int]]]:
    """Where the learnable text ends, in tokens, and the ranges before it not learned yet."""
    if progress.learnable_tokens is not None and progress.unlearned is not None:
        return progress.learnable_tokens, progress.unlearned
    complete = learned_tokens(progress.chunks_total, config)
    done = learned_tokens(min(progress.chunks_absorbed, progress.chunks_total), config)
    return complete, [(done, complete)] if done < complete else []


def chapter_name(chapters: list[Chapter], number: int) -> str:
    """A chapter as the tree shows it: its own title ("Chapter 23", "CHAPTER XII", "“The Ball”"), so that a
    book with an "Opening" before chapter 1 is not told "chapter 24" for the tree's "Chapter 23"."""
    title = chapters[number - 1].title.strip() if 0 < number <= len(chapters) else ""
    if not title:
        return f"chapter {number}"
    if re.match(r"(?i)(chapter|part|book|prologue|epilogue|interlude)\b", title):
        return title
    return f"“{title}”"


def relearn_seconds(progress: Absorption, state: Learned) -> float | None:
    """About how long the engine takes to learn the chapter it is learning again after an edit: its
    unlearned tokens at the book's work per token (a chunk's work counts its context and epochs too), at
    the engine's recent pace. None while the pace is unknown."""
    pace = progress.seconds_per_work()
    learnable = progress.learnable_tokens or 0
    if pace is None or learnable <= 0 or progress.work_total <= 0 or not state.learning_gap_tokens:
        return None
    return state.learning_gap_tokens * progress.work_total / learnable * pace


def describe_seconds(seconds: float) -> str:
    """A short duration as the writer reads it ("about 10 s", "about 3 min")."""
    if seconds < 10:
        return f"about {max(1, round(seconds))} s"
    if seconds < 60:
        return f"about {round(seconds / 5) * 5} s"
    return f"about {round(seconds / 60)} min"


def about(words: int) -> str:
    """A rounded count for a figure that is an estimate."""
    return f"{round(words, -1) if words >= 50 else words:,}"


def chapters_count(n: int) -> str:
    return "1 chapter" if n == 1 else f"{n} chapters"


def describe_learning(progress: Absorption, chapters: list[Chapter]) -> str:
    """The panel's summary, e.g. "Learned up to Chapter 9 (9 of 12 chapters, 74% of the book). Learning
    Chapter 10…"."""
    state = learned(progress, chapters)
    n, of = state.chapters_learned, state.chapters
    if progress.chunks_total == 0:
        return (
            f"Nothing to learn yet: the model learns the book a passage at a time, as soon as each is "
            f"written. It starts once about {about(state.words_to_next)} more words are written."
        )
    if not of:
        said = f"Learned {state.percent}% of the book."
    elif state.learning and state.relearning:  # the writer changed a chapter the model had learned
        cost = relearn_seconds(progress, state)
        return (
            f"Learned {state.learned_anywhere} of {of} chapters ({state.percent}% of the book). "
            f"Re-learning {chapter_name(chapters, state.learning)} after the edit"
            + (f", {describe_seconds(cost)}…" if cost is not None else "…")
        )
    elif state.learned_anywhere > n or (state.learning or 0) > n + 1:
        # Learned out of order: the writer's place first, then across the book. "Learned “Opening”" said
        # while the engine learns chapter 23 reads as if it had stalled on the title page.
        said = f"Learned {state.learned_anywhere} of {of} chapters ({state.percent}% of the book)."
        return said + (f" Learning {chapter_name(chapters, state.learning)}…" if state.learning else "")
    elif n == 0:
        doing = (
            f"Learning {chapter_name(chapters, state.learning)}"
            if state.learning
            else f"Learned part of {chapter_name(chapters, 1)}"
        )
        said = f"{doing}{'…' if state.learning else ''} ({state.percent}% of the book, {chapters_count(of)})."
    elif n == of and of > 1:
        said = f"Learned all {of} chapters ({state.percent}% of the book)."
    else:  # by the tree's names: in a book that opens with an "Opening", the 3rd chapter is "Chapter 2"
        learned_said = chapter_name(chapters, 1) if n == 1 else f"up to {chapter_name(chapters, n)}"
        count = f"{n} of {of} chapters, " if of > 1 else ""
        said = f"Learned {learned_said} ({count}{state.percent}% of the book)."
    if state.learning and n:
        said += f" Learning {chapter_name(chapters, state.learning)}…"
    elif state.learning is None and state.waiting_words:
        where = (
            f"at the end of {chapter_name(chapters, of)}"
            if state.waiting_from >= of
            else f"from the end of {chapter_name(chapters, state.waiting_from)} on"
        )
        said += (
            f" The last {about(state.waiting_words)} words, {where}, are learned once about "
            f"{about(state.words_to_next)} more are written."
        )
    return said
