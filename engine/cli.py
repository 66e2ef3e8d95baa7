"""`longform-engine`: the engine's command line (continue a text, evaluate Temp-LoRA, benchmark).

The contract other tools rely on: `continue` prints only the continuation on stdout; `eval --json` prints
exactly one JSON object; bad input prints one line on stderr and exits non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from dataclasses import fields
from pathlib import Path

from engine import __version__
from engine.config import TempLoraConfig
from engine.errors import UserError
from engine.model_names import DEFAULT_MODEL
from engine.text_files import read_text

log = logging.getLogger("engine")
EXIT_BAD_INPUT = 2


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a text file (the manuscript: UTF-8, UTF-16 or Windows-1252)")
    p.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help="'default' (embedded SmolLM2-135M), 'gemma3-270m', or a GGUF path",
    )
    _add_config_options(p, only=("window",))
    p.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what the engine does on stderr")


def _module_names(text: str) -> tuple[str, ...] | None:
    return tuple(text.split(",")) if text else None


def _add_config_options(
    p: argparse.ArgumentParser, only: tuple[str, ...] = (), skip: tuple[str, ...] = ()
) -> None:
    """An option for each TempLoraConfig field that names a flag, with the field's help and default. An
    option not given stays None, so the config keeps its default (config_from_args)."""
    for f in fields(TempLoraConfig):
        flag = f.metadata.get("flag")
        if not flag or (only and f.name not in only) or f.name in skip:
            continue
        text, default = f.metadata["help"], f.default
        if isinstance(default, bool):  # the flag switches the field away from its default
            switch = "turn off" if default else "turn on"
            p.add_argument(
                flag, dest=f.name, action="store_const", const=not default, help=f"{switch}: {text}"
            )
            continue
        if isinstance(default, tuple):
            kind, shown = _module_names, ",".join(default)
        else:
            kind, shown = type(default), f"{default:g}" if isinstance(default, float) else default
        metavar = flag.removeprefix("--").replace("-", "_").upper()
        p.add_argument(flag, dest=f.name, type=kind, metavar=metavar, help=f"{text}; default {shown}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(prog="longform-engine", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"longform-engine {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("continue", help="absorb FILE, then print a continuation of it")
    _add_model_options(c)
    c.add_argument("--tokens", type=int, default=200, help="tokens to generate (default 200)")
    c.add_argument("--seed", type=int, help="sampling seed (default: random)")
    c.add_argument("--temperature", type=float, default=0.8)
    c.add_argument("--top-p", type=float, default=0.95)
    c.add_argument("--no-adapter", action="store_true", help="continue with the base model only")

    e = sub.add_parser("eval", help="perplexity of FILE: base vs Temp-LoRA, chunk by chunk (test-then-train)")
    _add_model_options(e)
    _add_config_options(e, skip=("window",))
    e.add_argument("--max-tokens", type=int, help="use only the first N tokens of the file")
    e.add_argument("--long-window", type=int, help="also score with the base model at this window")
    e.add_argument(
        "--long-every", type=int, default=1, help="score the long window on every Nth chunk only (default 1)"
    )
    e.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    e.add_argument(
        "--revision",
        type=Path,
        metavar="DONOR",
        help="instead: the revision session (engine/revision.py), new sentences taken from DONOR",
    )
    e.add_argument(
        "--memory-curve",
        action="store_true",
        help="instead: the held-out gain at the writer's place per schedule (engine/memory_curve.py)",
    )
    e.add_argument("--max-chars", type=int, help="with --revision or --memory-curve: the first N characters")

    rc = sub.add_parser(
        "recall", help="do continuations after absorbing FILE use its own names? base vs Temp-LoRA"
    )
    _add_model_options(rc)
    rc.add_argument("--max-tokens", type=int, default=32768, help="absorb the first N tokens (default 32768)")
    rc.add_argument(
        "--probes", type=int, default=4, help="points where continuations are sampled (default 4)"
    )
    rc.add_argument("--samples", type=int, default=3, help="continuations per point and model (default 3)")
    rc.add_argument("--gen-tokens", type=int, default=120, help="tokens per continuation (default 120)")
    rc.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    ch = sub.add_parser(
        "chapters", help="write OUTLINE's chapters after FILE, each learned before the next, and measure them"
    )
    _add_model_options(ch)
    ch.add_argument("outline", type=Path, help='a JSON list of {"title", "beats": [...], "words"}')
    ch.add_argument(
        "--max-tokens", type=int, default=16384, help="absorb about the first N tokens (default 16384)"
    )
    ch.add_argument("--seed", type=int, default=1, help="sampling seed (default 1)")
    ch.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    s = sub.add_parser("serve", help="serve the desktop app: JSON lines on stdin/stdout (docs/PROTOCOL.md)")
    s.add_argument("--model", default=DEFAULT_MODEL)
    s.add_argument("--threads", type=int)
    s.add_argument("--window", type=int, default=1024, help="generation window W in tokens (default 1024)")
    s.add_argument("-v", "--verbose", action="store_true")

    r = sub.add_parser("check-export", help="check that llama.cpp sees an exported adapter as torch does")
    r.add_argument("--model", default=DEFAULT_MODEL)
    r.add_argument("--text", help="a UTF-8 text to train on (default: a built-in sample)")
    r.add_argument("-v", "--verbose", action="store_true")

    b = sub.add_parser("bench", help="measure training, export, swap and generation speed on this machine")
    b.add_argument("--model", default=DEFAULT_MODEL)
    b.add_argument("--threads", type=int)
    b.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    b.add_argument(
        "--writer",
        action="store_true",
        help="only what the writer feels: time to the first word, decoding, repetition (a few minutes)",
    )
    b.add_argument(
        "--edits",
        action="store_true",
        help="only what an edit costs: a sentence typed in a learned 30k-token text, re-learned (minutes)",
    )
    b.add_argument(
        "--corpus",
        type=Path,
        help="a folder of novels (.txt) for the repetition measure (default: ../shared/corpus/austen)",
    )
    b.add_argument("-v", "--verbose", action="store_true")
    return parser


def config_from_args(args: argparse.Namespace) -> TempLoraConfig:
    """The defaults, with whatever options were given."""
    given = {f.name: getattr(args, f.name, None) for f in fields(TempLoraConfig) if f.metadata.get("flag")}
    return TempLoraConfig().replace(**given)


def _quiet_libraries(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    if not verbose:
        warnings.filterwarnings("ignore")
        import os

        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TQDM_DISABLE", "1")


def cmd_continue(args: argparse.Namespace) -> int:
    """Absorb the file, then stream its continuation to stdout."""
    import random

    from engine.absorb import absorb
    from engine.generate import Sampling
    from engine.progress import ChunkProgress
    from engine.runtime import LoadedModel
    from engine.store import AdapterStore

    text = read_text(args.file)
    config = config_from_args(args)
    store = AdapterStore()
    model = LoadedModel(args.model, config, threads=args.threads)
    try:
        if not args.no_adapter:
            tokens = model.tokens(text)
            model.trainer.add_adapter("cli")
            bar = ChunkProgress("absorbing")
            absorb(
                model.trainer, "cli", tokens, on_chunk=lambda r, n: bar.update(r.index + 1, n, loss=r.loss)
            )
            model.generator.set_adapter(model.export("cli", store.path_for("cli")))
        seed = args.seed if args.seed is not None else random.randrange(2**31)
        sampling = Sampling(temperature=args.temperature, top_p=args.top_p, seed=seed)
        for piece in model.generator.stream(text, args.tokens, sampling):
            sys.stdout.write(piece)
            sys.stdout.flush()
        sys.stdout.write("\n")
    finally:
        model.close()
        store.close()
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Run the paper's protocol and report perplexities."""
    from engine.eval_report import eval_json, print_eval_table
    from engine.evaluate import evaluate
    from engine.progress import ChunkProgress
    from engine.runtime import LoadedModel

    if args.revision or args.memory_curve:  # both run with the engine's defaults (JSON lines on stdout)
        from engine import memory_curve, revision

        shared = [f"--model={args.model}", *([f"--threads={args.threads}"] if args.threads else [])]
        shared += [f"--max-chars={args.max_chars}"] if args.max_chars else []
        if args.revision:
            return revision.main([args.file, str(args.revision), *shared])
        return memory_curve.main([args.file, *shared])
    if args.long_every < 1:
        raise UserError("--long-every must be 1 or more")
    text = read_text(args.file)
    config = config_from_args(args)
    model = LoadedModel(args.model, config, threads=args.threads)
    try:
        tokens = model.tokens(text)
        if args.max_tokens:
            tokens = tokens[: args.max_tokens]
        if len(tokens) < 2:
            raise UserError(f"{args.file} is too short to evaluate ({len(tokens)} token)")
        bar = ChunkProgress("evaluating")

        def show(c, n):
            bar.update(c.index + 1, n, base=c.base.perplexity, temp_lora=c.temp_lora.perplexity)

        report = evaluate(
            model.trainer, tokens, long_window=args.long_window, long_every=args.long_every, on_chunk=show
        )
        result = eval_json(report, config, model, len(tokens))
    finally:
        model.close()
    if args.json:
        print(json.dumps(result))
    else:
        print_eval_table(result)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure this machine (engine/bench.py)."""
    from engine.bench import run_bench, run_edit_bench, run_writer_bench

    if args.edits:
        result = run_edit_bench(args.model, threads=args.threads)
    elif args.writer:
        result = run_writer_bench(args.model, threads=args.threads, corpus=args.corpus)
    else:
        result = run_bench(args.model, threads=args.threads, corpus=args.corpus)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


def cmd_recall(args: argparse.Namespace) -> int:
    """Report the recall measure (engine/recall.py)."""
    from engine.recall import measure_recall
    from engine.runtime import LoadedModel

    text = read_text(args.file)
    model = LoadedModel(args.model, config_from_args(args), threads=args.threads)
    try:
        tokens = model.tokens(text)[: args.max_tokens]
        if len(tokens) < 2 * model.config.chunk_tokens:
            raise UserError(f"{args.file} is too short for the recall measure ({len(tokens)} tokens)")
        result = measure_recall(model, tokens, args.probes, args.samples, args.gen_tokens)
    finally:
        model.close()
    if args.json:
        print(json.dumps(result))
    else:
        for name in ("base", "temp_lora"):
            r = result[name]
            print(
                f"{name:>9}: {r['generated_names']} names generated, {r['book_name_share']} of them the "
                f"book's, {r['recalled_names']} recalled from beyond the window"
            )
    return 0


def cmd_chapters(args: argparse.Namespace) -> int:
    """Write an outline's chapters after a book and measure them (engine/chapter_eval.py)."""
    from engine.chapter_eval import book_opening, print_table, read_outline, write_outline
    from engine.runtime import LoadedModel

    outline = read_outline(args.outline)
    text = read_text(args.file)
    model = LoadedModel(args.model, config_from_args(args), threads=args.threads)
    try:
        sample = text[:20000]
        text = book_opening(text, args.max_tokens, len(model.tokens(sample)) / max(1, len(sample)))
        result = write_outline(model, text, outline, seed=args.seed)
    finally:
        model.close()
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the protocol until shutdown or end of input."""
    from engine.serve import run_server

    return run_server(args.model, args.threads, TempLoraConfig(window=args.window))


def cmd_check_export(args: argparse.Namespace) -> int:
    """Print the round-trip agreement for this model; exit 1 when it is below 0.99."""
    from engine.bench import bench_text
    from engine.roundtrip import logit_change_agreement
    from engine.runtime import LoadedModel

    text = read_text(args.text) if args.text else bench_text()
    model = LoadedModel(args.model, TempLoraConfig())
    try:
        result = logit_change_agreement(model, model.tokens(text))
    finally:
        model.close()
    print(json.dumps(result))
    return 0 if result["correlation"] >= 0.99 else 1


COMMANDS = {
    "continue": cmd_continue,
    "eval": cmd_eval,
    "bench": cmd_bench,
    "check-export": cmd_check_export,
    "serve": cmd_serve,
    "recall": cmd_recall,
    "chapters": cmd_chapters,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of `longform-engine`."""
    args = build_parser().parse_args(argv)
    # Before torch loads oneDNN: its bf16 products (an AMX CPU) keep a compiled primitive, with its buffers,
    # for each shape, up to 1,024 of them. Training comes in a bounded set of shapes (engine/training.py
    # `in_shape`), and 64 primitives hold a step's working set: a 512 + 256 step took 1.00 s with 64 and
    # 0.97-1.01 s with 1,024, but 2.5 s with 8 (each step compiled anew); 150 steps of random sizes grew a
    # process by 0.14 GB with 64, 90 steps by 0.4 GB with 1,024.
    import os

    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "64")
    _quiet_libraries(getattr(args, "verbose", False))
    try:
        return COMMANDS[args.command](args)
    except UserError as e:
        print(f"longform-engine: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as e:  # a hyperparameter out of range, from TempLoraConfig
        if "must be" in str(e):
            print(f"longform-engine: {e}", file=sys.stderr)
            return EXIT_BAD_INPUT
        raise
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `longform-engine continue x | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
