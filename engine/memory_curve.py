"""Time to a useful memory: how soon after opening a novel the adapter helps at the writer's place.

The writer opens a learned-nothing novel and continues at the end. The cursor is put `HELD_OUT` tokens
before the end of the book; the text after it stands for what the writer writes next and is never trained
on (scoring text the adapter was trained on would measure memorising, not help). Chunks before the cursor
are learned in a schedule's order; when a checkpoint has passed, the held-out text is scored with the
adapter and with the base model (window W). The figure is the share of the full gain:
(1 - ratio(t)) / (1 - ratio(all learned)).

Checkpoints are shares of the book's training work (tokens run through the model, `training_tokens`), not
seconds: on a shared 2-core machine the clock says more about the neighbours than about the schedule. A
share becomes minutes at the pace `longform-engine bench` measures alone (`absorb_novel_minutes`): at 10.5
minutes for 130k tokens, 2 minutes is 19% of the work.

Schedules:
- `in-order`: the book from its first chunk (the engine's order until now);
- `place-first`: the `PLACE_TOKENS` before the cursor first, then the book from its start;
- `spread-first`: every `SPREAD`-th chunk across the book first, then the rest in order;
- `place-then-spread`: the place, then the spread pass, then the rest (the engine's order, chunk_map.py);
- `spread-then-place`: the spread pass, then the place, then the rest (the place the adapter's newest text
  when both first passes are done);
- `backwards`: from the cursor back to the book's start (the place first, then ever earlier text);
- `place-spread-backwards`: the place, the spread pass, then the rest from the cursor backwards;
- `backwards-then-place`: backwards, then the place once more, so the text nearest the cursor is again the
  adapter's newest (a backwards pass ends on the book's first chapters); its work goes past 1;
- `place-spread-backwards-then-place`: the place, the spread pass, the rest backwards, the place once more.
Out of text order, a chunk's learning rate is that of the tokens learned so far (`learn_chunk`'s
`lr_position`), as in text order.
"""

from __future__ import annotations

import time

import torch

from engine.absorb import learn_chunk, split_chunks, training_tokens
from engine.chunk_map import PLACE_TOKENS, SPREAD
from engine.evaluate import Score
from engine.training import TempLoraTrainer

ADAPTER = "memory"
HELD_OUT = 4096
CHECKPOINTS = (0.05, 0.1, 0.2, 0.3, 0.5)  # shares of the book's training work


def schedule(name: str, chunks: list[tuple[int, int]], cursor: int) -> list[int]:
    """The order in which a schedule learns the chunks (indices into `chunks`)."""
    everything = list(range(len(chunks)))
    place = [i for i, (start, _) in enumerate(chunks) if start >= cursor - PLACE_TOKENS]
    if name == "backwards-then-place":  # these two learn the place twice
        return everything[::-1] + place
    if name == "place-spread-backwards-then-place":
        return schedule("place-spread-backwards", chunks, cursor) + place
    spread = everything[SPREAD // 2 :: SPREAD]
    first = {
        "in-order": [],
        "place-first": place,
        "spread-first": spread,
        "place-then-spread": place + spread,
        "spread-then-place": spread + place,
        "backwards": [],
        "place-spread-backwards": place + spread,
    }[name]
    rest = everything[::-1] if name.endswith("backwards") else everything
    seen = dict.fromkeys(first)
    return [*seen, *(i for i in rest if i not in seen)]


SCHEDULES = (
    "in-order",
    "place-first",
    "spread-first",
    "place-then-spread",
    "spread-then-place",
    "backwards",
    "place-spread-backwards",
    "backwards-then-place",
    "place-spread-backwards-then-place",
)


def held_out_score(trainer: TempLoraTrainer, tokens: torch.Tensor, adapter: str | None) -> Score:
    cursor = len(tokens) - HELD_OUT
    return Score(*trainer.window_nll(tokens, cursor, len(tokens), trainer.config.window, adapter))


def memory_curve(
    trainer: TempLoraTrainer,
    tokens: torch.Tensor,
    name: str,
    checkpoints: tuple[float, ...] = CHECKPOINTS,
    to_the_end: bool = False,
    log=print,
) -> dict:
    """Absorb `tokens` before the cursor in schedule `name`; the held-out ratio at each checkpoint (and at
    the end, with `to_the_end`, else the run stops at the last checkpoint)."""
    cursor = len(tokens) - HELD_OUT
    chunks = split_chunks(cursor, trainer.config)
    base = held_out_score(trainer, tokens, None).perplexity
    trainer.add_adapter(ADAPTER, trainer.config)
    points, learned_tokens, work, seconds = [], 0, 0, 0.0
    total_work = sum(training_tokens(c, trainer.config) for c in chunks)  # the book learned once
    pending = list(checkpoints)
    order = schedule(name, chunks, cursor)
    try:
        for done, index in enumerate(order, 1):
            began = time.perf_counter()
            learn_chunk(trainer, ADAPTER, tokens, chunks, index, lr_position=learned_tokens)
            seconds += time.perf_counter() - began
            learned_tokens += chunks[index][1] - chunks[index][0]
            work += training_tokens(chunks[index], trainer.config)
            last = done == len(order)
            if (pending and work >= pending[0] * total_work) or (last and to_the_end):
                ratio = held_out_score(trainer, tokens, ADAPTER).perplexity / base
                point = {
                    "work": round(work / total_work, 4),
                    "chunks": done,
                    "ratio": round(ratio, 4),
                    "seconds": round(seconds, 1),
                }
                log({"schedule": name, **point})
                points.append(point)
                while pending and work >= pending[0] * total_work:
                    pending.pop(0)
                if not pending and not to_the_end:
                    break
    finally:
        trainer.remove_adapter(ADAPTER)
    return {
        "schedule": name,
        "tokens": len(tokens),
        "chunks": len(chunks),
        "base_ppl": base,
        "points": points,
    }


def main(argv: list[str] | None = None) -> int:
    """`python -m engine.memory_curve BOOK`: one JSON line per schedule."""
    import argparse
    import json
    import sys
    from pathlib import Path

    from engine.config import TempLoraConfig
    from engine.runtime import LoadedModel

    parser = argparse.ArgumentParser(
        prog="python -m engine.memory_curve", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("book", type=Path, help="the novel (UTF-8 text)")
    parser.add_argument("--schedules", nargs="+", default=list(SCHEDULES), choices=SCHEDULES)
    parser.add_argument(
        "--checkpoints", nargs="+", type=float, default=list(CHECKPOINTS), help="shares of the training work"
    )
    parser.add_argument(
        "--max-chars", type=int, help="use the book's first N characters (to a paragraph end)"
    )
    parser.add_argument("--to-the-end", action="store_true", help="run every schedule until all is learned")
    parser.add_argument("--model", default="default")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    model = LoadedModel(args.model, TempLoraConfig(), threads=args.threads)
    try:
        from engine.revision import opening

        tokens = model.tokens(opening(args.book.read_text(encoding="utf-8"), args.max_chars))
        for name in args.schedules:  # in-order runs to the end: the full gain every share is of
            curve = memory_curve(
                model.trainer,
                tokens,
                name,
                tuple(args.checkpoints),
                to_the_end=name == "in-order" or args.to_the_end,
                log=lambda x: print(x, file=sys.stderr),
            )
            print(json.dumps({"book": args.book.name, "tokens": len(tokens), **curve}), flush=True)
    finally:
        model.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
