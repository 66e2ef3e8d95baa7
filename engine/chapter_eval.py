"""`longform-engine chapters BOOK OUTLINE.json`: an outline's chapters written after a book, measured.

The paper's own setting: the model writes a chapter, the adapter learns it, the next chapter is written by a
model that remembers it. The book (its first `max_tokens`, cut back to a chapter's end) is absorbed; then
for each chapter of the outline, in order, it is written with the engine's ChapterWriting three ways from the
same seed: each beat opening its section ("opening", what the app does), each beat as a bracketed note
before its section ("note"), and with no beats at all ("none", the control). Per chapter and way:

- `beats_followed`: the mean over beats of the share of the beat's content words (engine/beats.py) found in
  the text the model wrote for it: its section without the opening sentence ("opening"), its section
  ("note"), or the whole chapter ("none": a generous control, it gets the whole chapter for every beat);
- `book_name_share`: of the names it uses, the share that are the book's (engine/recall.py's measure);
- `past_share`: the tense measure (engine/tense.py) against the book's own and its spread over chapters;
- `first_person_share`: the person (engine/tense.py), "I" and "we" among the narrative's subject pronouns;
- `words`, `seconds`, `sections_end_at_sentences`;
and for the chapter that is kept (the "opening" one, as the app keeps what the writer accepts): its
perplexity under the adapter trained up to the chapter before, against the base model. That chapter is then
appended to the book under its heading and learned before the next is written.

Prints one JSON object (with `--json`) or a table.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import tempfile
import time
from pathlib import Path

from engine.absorb import full_size, learn_chunk, split_chunks
from engine.beats import followed
from engine.chapter_writer import STEERS, ChapterWriting
from engine.errors import UserError
from engine.generate import Sampling
from engine.headings import chapter_titles, next_heading
from engine.recall import book_names, generated_names
from engine.runtime import LoadedModel
from engine.sentences import ends_sentence
from engine.tense import first_person_share, past_share

ADAPTER = "chapters"


def read_outline(path: Path) -> list[dict]:
    """[{"title": str, "beats": [str], "words": int}, …] from an outline file (a list, or {"chapters": …})."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"cannot read the outline {path}: {e}") from e
    chapters = data.get("chapters") if isinstance(data, dict) else data
    if not isinstance(chapters, list) or not all(isinstance(c, dict) and c.get("beats") for c in chapters):
        raise UserError(f"{path}: an outline is a list of chapters, each with a title and its beats")
    return chapters


def book_opening(text: str, tokens_wanted: int, tokens_per_char: float) -> str:
    """The book's first `tokens_wanted` tokens or so, cut back to the end of its last whole chapter."""
    end = int(tokens_wanted / tokens_per_char)
    headings = [m.start() for m in re.finditer(r"^[ \t]*(?i:chapter)[ \t]+\S+[ \t]*$", text, re.M)]
    cut = max((h for h in headings if 0 < h <= end), default=end)
    return text[:cut].rstrip()


class Book:
    """The book as the adapter has learned it so far."""

    def __init__(self, model: LoadedModel, text: str) -> None:
        self.model, self.text = model, text
        self.tokens = model.tokens(text)
        self.learned = 0  # chunks learned, in order from the first
        model.trainer.add_adapter(ADAPTER, model.config)

    def learn(self) -> float:
        """Learn every chunk not learned yet (a short last chunk again once it has grown); seconds taken."""
        began = time.perf_counter()
        chunks = split_chunks(len(self.tokens), self.model.config)
        first = self.learned
        if first and not full_size(chunks[first - 1], self.model.config):
            first -= 1
        for index in range(first, len(chunks)):
            learn_chunk(self.model.trainer, ADAPTER, self.tokens, chunks, index)
        self.learned = len(chunks)
        return time.perf_counter() - began

    def add(self, heading: str, chapter: str) -> tuple[int, int]:
        """Append a chapter under its heading; the token span of its text."""
        start = len(self.model.tokens(f"{self.text}\n\n{heading}\n\n"))
        self.text = f"{self.text}\n\n{heading}\n\n{chapter}"
        self.tokens = self.model.tokens(self.text)
        return start, len(self.tokens)

    def perplexities(self, span: tuple[int, int]) -> dict:
        """The span's perplexity with the adapter as it is and with the base model, at the window."""
        trainer, window = self.model.trainer, self.model.config.window
        scores = {}
        for name, adapter in (("base", None), ("temp_lora", ADAPTER)):
            nll, count = trainer.window_nll(self.tokens, *span, window, adapter=adapter)
            scores[name] = round(math.exp(nll / count), 3)
        scores["ratio"] = round(scores["temp_lora"] / scores["base"], 4)
        return scores


def tense_of(text: str) -> dict:
    """The book's past-tense share and how far it wanders between its chapters (the detector's error)."""
    parts = [p for p in re.split(r"^[ \t]*(?i:chapter)[ \t]+\S+[ \t]*$", text, flags=re.M) if len(p) > 3000]
    shares = [s for s in map(past_share, parts) if s is not None]
    return {
        "past_share": round(past_share(text) or 0.0, 3),
        "first_person_share": round(first_person_share(text) or 0.0, 3),
        "chapters_min": round(min(shares), 3) if shares else None,
        "chapters_sd": round(statistics.pstdev(shares), 3) if len(shares) > 1 else None,
    }


def measure(writing: ChapterWriting, beats: list[str], steer: str, names: set[str], seconds: float) -> dict:
    text = writing.text
    if steer == "none":
        wrote = [text] * len(beats)
    else:
        wrote = [s.removeprefix(lead) for s, lead in zip(writing.sections, writing.openings, strict=False)]
    shares = [followed(b, w) for b, w in zip(beats, wrote, strict=False)]
    found = generated_names(text)
    return {
        "beats_followed": round(sum(shares) / len(beats), 3),
        "per_beat": [round(s, 2) for s in shares],
        "book_name_share": round(sum(n in names for n in found) / len(found), 3) if found else None,
        "past_share": None if (p := past_share(text)) is None else round(p, 3),
        "first_person_share": None if (p := first_person_share(text)) is None else round(p, 3),
        "words": len(text.split()),
        "seconds": round(seconds, 1),
        "sections_end_at_sentences": all(ends_sentence(s) for s in writing.sections),
    }


def write_outline(
    model: LoadedModel, text: str, outline: list[dict], seed: int = 1, steers: tuple[str, ...] = STEERS
) -> dict:
    """Absorb `text`, then write and learn the outline's chapters in order (see the module's doc)."""
    gen = model.generator
    book = Book(model, text)
    result = {"book_tokens": len(book.tokens), "book_tense": tense_of(text), "chapters": []}
    result["absorb_seconds"] = round(book.learn(), 1)
    titles = chapter_titles(text)
    tokens_per_word = len(book.tokens) / max(1, len(text.split()))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chapters.gguf"
        for number, chapter in enumerate(outline):
            heading = next_heading(titles, chapter.get("title", ""))
            beats = list(chapter["beats"])
            max_tokens = int(chapter.get("words", 450) * tokens_per_word)
            gen.set_adapter(model.export(ADAPTER, path))
            names = book_names(book.text)
            report = {"heading": heading, "beats": beats}
            kept = None
            for steer in steers:

                def section(prompt, tokens, attempt, chapter_seed=seed + 7919 * number):
                    sampling = Sampling(temperature=0.8, top_p=0.95, seed=chapter_seed + attempt)
                    return gen.stream(prompt, tokens, sampling)

                writing = ChapterWriting(section, book.text, heading, beats, max_tokens, steer=steer)
                began = time.perf_counter()
                for _ in writing:
                    pass
                report[steer] = measure(writing, beats, steer, names, time.perf_counter() - began)
                if steer == steers[0]:
                    kept = writing
            report["text"] = kept.text
            span = book.add(heading, kept.text)
            report["perplexity"] = book.perplexities(span)  # under the adapter of the chapters before
            report["learn_seconds"] = round(book.learn(), 1)
            titles.append(heading)
            result["chapters"].append(report)
    gen.set_adapter(None)
    model.trainer.remove_adapter(ADAPTER)
    return result


def print_table(result: dict, steers: tuple[str, ...] = STEERS) -> None:
    tense = result["book_tense"]
    print(
        f"book: {result['book_tokens']} tokens absorbed in {result['absorb_seconds']} s; past-tense share "
        f"{tense['past_share']} (chapters sd {tense['chapters_sd']}, min {tense['chapters_min']})"
    )
    print(
        f"{'chapter':<28} {'steer':<8} {'beats':>6} {'names':>6} {'past':>6} {'words':>6} {'s':>6} ppl ratio"
    )
    for c in result["chapters"]:
        for steer in steers:
            r = c[steer]
            ratio = c["perplexity"]["ratio"] if steer == steers[0] else ""
            print(
                f"{c['heading'][:28]:<28} {steer:<8} {r['beats_followed']:>6} {r['book_name_share']!s:>6} "
                f"{r['past_share']!s:>6} {r['words']:>6} {r['seconds']:>6} {ratio}"
            )
