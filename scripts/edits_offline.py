"""Revision sessions, time-to-memory curves and whole-novel perplexity where llama.cpp is not installed.

Both measure perplexities only, so they can run on any machine with torch (a GPU makes a whole novel take
minutes instead of hours): `prepare` tokenizes the texts here with the engine's own tokenizer (llama.cpp)
and writes them to one file; `run` loads that file and the GGUF model into torch alone and prints one JSON
line per measurement (engine/revision.py, engine/memory_curve.py).

    python scripts/edits_offline.py prepare BOOK DONOR CURVE_BOOK -o tokens.pt
    python scripts/edits_offline.py run tokens.pt --model path/to/model.gguf

    python scripts/edits_offline.py prepare-books BOOK... -o books.pt
    python scripts/edits_offline.py run books.pt --model M.gguf --parts whole --set frozen_context=1

`whole` runs the paper's protocol over each book (engine/evaluate.py, as `longform-engine eval BOOK`);
`--set NAME=VALUE` changes a Temp-LoRA setting (engine/config.py) for every part.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def prepare(args: argparse.Namespace) -> None:
    import torch

    from engine.config import TempLoraConfig
    from engine.revision import HELD_OUT, revise
    from engine.runtime import LoadedModel

    model = LoadedModel(args.model, TempLoraConfig(), threads=2)
    book = args.book.read_text(encoding="utf-8")
    cut = book.rfind("\n\n", 0, len(book) - 5 * HELD_OUT)  # as `python -m engine.revision` does
    revised = revise(book[:cut], args.donor.read_text(encoding="utf-8")) + book[cut:]
    torch.save(
        {
            "book": args.book.name,
            "old": model.tokens(book),
            "new": model.tokens(revised),
            "curve_book": args.curve_book.name,
            "curve": model.tokens(args.curve_book.read_text(encoding="utf-8")),
        },
        args.output,
    )
    model.close()


def prepare_books(args: argparse.Namespace) -> None:
    import torch

    from engine.config import TempLoraConfig
    from engine.runtime import LoadedModel

    model = LoadedModel(args.model, TempLoraConfig(), threads=2)
    books = {book.name: model.tokens(book.read_text(encoding="utf-8")) for book in args.books}
    torch.save({"books": books}, args.output)
    model.close()


def settings(pairs: list[str]) -> dict:
    """NAME=VALUE pairs as TempLoraConfig values, each parsed as its field's type."""
    from dataclasses import fields

    from engine.config import TempLoraConfig

    kinds = {f.name: type(f.default) for f in fields(TempLoraConfig)}
    values = {}
    for pair in pairs:
        name, _, text = pair.partition("=")
        kind = kinds[name]
        values[name] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
    return values


def run(args: argparse.Namespace) -> None:
    import torch

    from engine.chunk_map import Relearn
    from engine.config import TempLoraConfig
    from engine.memory_curve import CHECKPOINTS, SCHEDULES, memory_curve
    from engine.models import inspect_model
    from engine.revision import revision_session
    from engine.torch_model import load_torch_model
    from engine.training import TempLoraTrainer

    data = torch.load(args.tokens)
    changes = settings(args.set or [])
    trainer = TempLoraTrainer(load_torch_model(inspect_model(args.model)), TempLoraConfig(**changes))
    device = {"device": str(trainer.device), "bf16": trainer.bf16, "settings": changes}
    if "whole" in args.parts:
        from engine.evaluate import evaluate

        for book, tokens in data["books"].items():
            if args.books and book not in args.books:
                continue
            report = evaluate(trainer, tokens)
            total = {w: report.total(w).perplexity for w in ("base", "temp_lora")}
            line = {"book": book, **device, "tokens": len(tokens), "ratio": round(report.ratio(), 4)}
            print(json.dumps({**line, **total, "seconds": round(report.seconds, 1)}), flush=True)
    if "revision" in args.parts:
        rules = [Relearn(r) for r in args.rules] if args.rules else list(Relearn)
        result = revision_session(
            trainer, data["old"], data["new"], rules, log=lambda x: None, rate=args.rate
        )
        print(json.dumps({"book": data["book"], **device, **result}), flush=True)
    if "curve" in args.parts:
        for name in args.schedules or SCHEDULES:
            curve = memory_curve(
                trainer,
                data["curve"],
                name,
                tuple(args.checkpoints or CHECKPOINTS),
                to_the_end=name == "in-order" or args.to_the_end,
                log=lambda x: print(json.dumps(x), file=sys.stderr, flush=True),
            )
            print(json.dumps({"book": data["curve_book"], **device, **curve}), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="tokenize the texts (needs llama.cpp)")
    p.add_argument("book", type=Path, help="the book of the revision session")
    p.add_argument("donor", type=Path, help="where the revision's new sentences come from")
    p.add_argument("curve_book", type=Path, help="the book of the time-to-memory curves")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--model", default="default", help="whose tokens: a model's name or GGUF path")
    b = sub.add_parser("prepare-books", help="tokenize whole books for `--parts whole` (needs llama.cpp)")
    b.add_argument("books", type=Path, nargs="+")
    b.add_argument("-o", "--output", type=Path, required=True)
    b.add_argument("--model", default="default", help="whose tokens: a model's name or GGUF path")
    r = sub.add_parser("run", help="measure (torch alone)")
    r.add_argument("tokens", type=Path)
    r.add_argument("--model", type=Path, required=True, help="the GGUF model file")
    parts = ["revision", "curve", "whole"]
    r.add_argument("--parts", nargs="+", default=parts[:2], choices=parts)
    r.add_argument("--schedules", nargs="+", help="the curves' schedules (default: all)")
    r.add_argument("--checkpoints", nargs="+", type=float, help="the curves' shares of the work")
    r.add_argument("--to-the-end", action="store_true", help="run every curve until all is learned")
    r.add_argument("--rules", nargs="+", help="the revision's re-learning rules (default: all)")
    r.add_argument("--books", nargs="+", help="with --parts whole: only these (file names)")
    r.add_argument("--set", nargs="+", metavar="NAME=VALUE", help="Temp-LoRA settings (engine/config.py)")
    r.add_argument("--rate", default="known", choices=["known", "place"], help="re-learning's learning rate")
    args = parser.parse_args(argv)
    {"prepare": prepare, "prepare-books": prepare_books, "run": run}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
