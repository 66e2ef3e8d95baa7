"""How often a suggestion repeats itself: the share of its word 4-grams that already occurred in it.

Continuations of the base model (no adapter: the sampler is what is measured) from places spread over a
folder of novels, once with the sampling Longform used before DRY (repeat penalty 1.1 over the last 64
tokens) and once with today's defaults (engine/generate.py `Sampling`), same places, same seeds. Sampling
changes no model probability, so perplexity is untouched by construction.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from engine.generate import Generator, Sampling

BEFORE_DRY = Sampling(dry_multiplier=0.0, penalty_last_n=64, repeat_penalty=1.1)
_WORD = re.compile(r"[\w'’]+")


def default_corpus() -> Path | None:
    """The development corpus beside the repository, when it is there."""
    folder = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "austen"
    return folder if folder.is_dir() else None


def repeated_4grams(text: str) -> tuple[int, int]:
    """(4-grams that occurred earlier in the text, all 4-grams), over lower-cased words."""
    words = [w.lower() for w in _WORD.findall(text)]
    grams = [tuple(words[i : i + 4]) for i in range(len(words) - 3)]
    return len(grams) - len(set(grams)), len(grams)


def places(corpus: Path, count: int, chars: int = 6000) -> list[str]:
    """`count` prompts: the text before evenly spread points of each novel in the folder."""
    books = sorted(corpus.glob("*.txt"))
    per_book = -(-count // len(books))
    prompts = []
    for book in books:
        text = book.read_text(encoding="utf-8")
        for i in range(per_book):
            end = len(text) * (i + 1) // (per_book + 1)
            prompts.append(text[max(0, end - chars) : end])
    return prompts[:count]


def repetition(
    corpus: Path, count: int = 50, tokens: int = 120, threads: int | None = None, model: str = "default"
) -> dict:
    """`repeated_4gram_share` with today's sampling and before DRY, over `count` continuations."""
    from engine.models import inspect_model, resolve_model
    from engine.untie import generation_model_path

    gen = Generator(generation_model_path(inspect_model(resolve_model(model))), threads=threads)
    totals = {"before": [0, 0], "now": [0, 0]}
    try:
        for i, prompt in enumerate(places(corpus, count)):
            for name, sampling in (("before", BEFORE_DRY), ("now", Sampling())):
                text = gen.continue_text(prompt, tokens, replace(sampling, seed=i))
                repeated, grams = repeated_4grams(text)
                totals[name][0] += repeated
                totals[name][1] += grams
    finally:
        gen.close()
    return {
        "repeated_4gram_share": totals["now"][0] / max(1, totals["now"][1]),
        "repeated_4gram_share_before_dry": totals["before"][0] / max(1, totals["before"][1]),
        "repetition_continuations": count,
    }
