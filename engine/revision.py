"""A revision session, measured: what re-learning after edits costs and what it gives back.

The writer has a learned book and revises it: 30 sentences rewritten, spread over the book, and 3
paragraphs inserted. Each rule of engine/chunk_map.py then re-learns what it says must be learned, starting
from the same adapter, and the revised book is scored with the adapter (window W, no training while
scoring): the whole book, its middle 16k tokens and its last 16k. Those were trained on, so they measure how
well the adapter holds the book; the book's last `HELD_OUT` tokens are never trained on and stand for the
writer's next pages, scored after the revised book (what a continuation gets). The rules:
- `from-edit`: every chunk from the first changed token on (the engine's rule before chunk maps);
- `changed`: only the chunks the edits touched;
- `changed-and-context`: those and the chunks whose training context holds an edit;
- `none`: nothing re-learned (the adapter as it was).
The new sentences and paragraphs come from a second text (another novel), so they are new to the adapter.
"""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass

import torch

from engine.absorb import learn_chunk
from engine.chunk_map import ChunkMap, Relearn
from engine.evaluate import Score
from engine.training import TempLoraTrainer

ADAPTER = "revision"
SPAN_TOKENS = 16_384
HELD_OUT = 4096
SENTENCE = re.compile(r"[^.!?]*[.!?]+[\"']?\s+")


def opening(book: str, max_chars: int | None) -> str:
    """The book's first `max_chars` characters, to the end of a paragraph (all of it without a limit)."""
    if not max_chars or max_chars >= len(book):
        return book
    return book[: book.rfind("\n\n", 0, max_chars)]


def sentences(text: str) -> list[str]:
    """The text's sentences of 8 to 60 words, as they stand (wrapped lines flattened to spaces)."""
    found = (" ".join(m.group().split()) + " " for m in SENTENCE.finditer(text))
    return [s for s in found if 8 <= len(s.split()) <= 60]


def paragraphs(text: str) -> list[str]:
    """The text's prose paragraphs of 60 to 200 words."""
    found = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return [p for p in found if 60 <= len(p.split()) <= 200 and not p.isupper()]


def revise(book: str, donor: str, n_sentences: int = 30, n_paragraphs: int = 3) -> str:
    """`book` with `n_sentences` sentences replaced by the donor's, evenly spread, and `n_paragraphs` of the
    donor's paragraphs inserted at the quarter points; the same every time."""
    new_sentences, new_paragraphs = sentences(donor), paragraphs(donor)
    edits = []  # (start, end, replacement) in the book's characters
    for i in range(n_sentences):
        at = int(len(book) * (i + 0.5) / n_sentences)
        match = SENTENCE.search(book, book.find(". ", at) + 2)
        if match:
            edits.append((match.start(), match.end(), new_sentences[(7 * i) % len(new_sentences)]))
    for i in range(n_paragraphs):
        at = book.find("\n\n", int(len(book) * (i + 1) / (n_paragraphs + 1)))
        edits.append((at, at, "\n\n" + new_paragraphs[(11 * i) % len(new_paragraphs)]))
    for start, end, replacement in sorted(edits, reverse=True):
        book = book[:start] + replacement + book[end:]
    return book


@dataclass
class RuleResult:
    rule: str
    chunks_relearned: int
    relearn_seconds: float
    whole: Score
    middle: Score
    last: Score
    held_out: Score

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "chunks_relearned": self.chunks_relearned,
            "relearn_seconds": round(self.relearn_seconds, 1),
            "whole_ppl": self.whole.perplexity,
            "middle_16k_ppl": self.middle.perplexity,
            "last_16k_ppl": self.last.perplexity,
            "held_out_ppl": self.held_out.perplexity,
        }


def learn_all(trainer: TempLoraTrainer, tokens: torch.Tensor, chunks: ChunkMap, rate: str = "known") -> int:
    """Learn every complete chunk not learned yet, in text order; returns how many. `rate`: the learning
    rate of the chunk's place in the text ("place"), or of what the adapter knows ("known": the tokens
    learned so far; the engine's rule). In text order the two are the same."""
    count = 0
    while (chunk := chunks.next_to_learn()) is not None:
        spans = chunks.spans()
        known = None if rate == "place" else chunks.learned_tokens()
        learn_chunk(trainer, ADAPTER, tokens, spans, spans.index(chunk.span), lr_position=known)
        chunk.learned = True
        count += 1
    return count


def score(
    trainer: TempLoraTrainer, tokens: torch.Tensor, adapter: str | None
) -> tuple[Score, Score, Score, Score]:
    """Whole learned text, its middle span and last span, and the held-out end, at window W."""
    window, n = trainer.config.window, len(tokens) - HELD_OUT
    middle = (n - SPAN_TOKENS) // 2

    def span(start: int, end: int) -> Score:
        return Score(*trainer.window_nll(tokens, max(1, start), end, window, adapter))

    head, mid, tail = span(1, middle), span(middle, middle + SPAN_TOKENS), span(middle + SPAN_TOKENS, n)
    whole = Score(head.nll + mid.nll + tail.nll, head.tokens + mid.tokens + tail.tokens)
    last = tail if n - (middle + SPAN_TOKENS) == SPAN_TOKENS else span(n - SPAN_TOKENS, n)
    return whole, mid, last, span(n, n + HELD_OUT)


def revision_session(
    trainer: TempLoraTrainer,
    old: torch.Tensor,
    new: torch.Tensor,
    rules: list[Relearn],
    log=print,
    rate: str = "known",
) -> dict:
    """Absorb `old` whole but its held-out end, then for each rule, from that same adapter: re-learn after the
    revision to `new` (whose last `HELD_OUT` tokens are the same text) and score `new`. Returns the base
    model's scores and each rule's."""
    trainer.add_adapter(ADAPTER, trainer.config)
    old = old[:-HELD_OUT]
    try:
        began = time.perf_counter()
        learned = ChunkMap(trainer.config, len(old))
        learn_all(trainer, old, learned)
        absorbed_seconds = time.perf_counter() - began
        log(f"absorbed {len(old)} tokens in {absorbed_seconds:.0f} s")
        adapter = trainer.adapters[ADAPTER]
        params = [p for _, p in trainer._adapter_parameters(adapter.peft_name)]
        saved = [p.detach().clone() for p in params], copy.deepcopy(adapter.optimizer.state_dict())
        base = score(trainer, new, None)
        results = []
        for rule in rules:
            with torch.no_grad():
                for p, value in zip(params, saved[0], strict=True):
                    p.copy_(value)
            adapter.optimizer.load_state_dict(copy.deepcopy(saved[1]))
            chunks = copy.deepcopy(learned)
            chunks.edit(old, new[:-HELD_OUT], rule)
            began = time.perf_counter()
            count = learn_all(trainer, new[:-HELD_OUT], chunks, rate)
            seconds = time.perf_counter() - began
            result = RuleResult(rule.value, count, seconds, *score(trainer, new, ADAPTER))
            log(result.to_dict())
            results.append(result)
    finally:
        trainer.remove_adapter(ADAPTER)
    return {
        "tokens_before": len(old),
        "tokens_after": len(new),
        "absorb_seconds": round(absorbed_seconds, 1),
        "relearn_rate": rate,
        "base": {
            "whole_ppl": base[0].perplexity,
            "middle_16k_ppl": base[1].perplexity,
            "last_16k_ppl": base[2].perplexity,
            "held_out_ppl": base[3].perplexity,
        },
        "rules": [r.to_dict() for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    """`python -m engine.revision BOOK DONOR`: the revision session over BOOK, one JSON object."""
    import argparse
    import json
    import sys
    from pathlib import Path

    from engine.config import TempLoraConfig
    from engine.runtime import LoadedModel

    parser = argparse.ArgumentParser(prog="python -m engine.revision", description=__doc__.split("\n\n")[0])
    parser.add_argument("book", type=Path, help="the learned book (UTF-8 text)")
    parser.add_argument("donor", type=Path, help="a second text the new sentences and paragraphs come from")
    parser.add_argument(
        "--rules", nargs="+", default=[r.value for r in Relearn], choices=[r.value for r in Relearn]
    )
    parser.add_argument(
        "--max-chars", type=int, help="use the book's first N characters (to a paragraph end)"
    )
    parser.add_argument("--model", default="default")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    book = opening(args.book.read_text(encoding="utf-8"), args.max_chars)
    # The revision stays clear of the book's end, which is held out (about 4.3 characters a token).
    cut = book.rfind("\n\n", 0, len(book) - 5 * HELD_OUT)
    revised = revise(book[:cut], args.donor.read_text(encoding="utf-8")) + book[cut:]
    model = LoadedModel(args.model, TempLoraConfig(), threads=args.threads)
    try:
        old, new = model.tokens(book), model.tokens(revised)
        rules = [Relearn(r) for r in args.rules]
        result = revision_session(model.trainer, old, new, rules, log=lambda x: print(x, file=sys.stderr))
    finally:
        model.close()
    print(json.dumps({"book": args.book.name, "donor": args.donor.name, **result}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
