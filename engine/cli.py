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
from pathlib import Path

from engine import __version__
from engine.config import TempLoraConfig
from engine.errors import UserError

log = logging.getLogger("engine")
EXIT_BAD_INPUT = 2


def read_manuscript(path: str) -> str:
    """The file's text, or a UserError saying why it can't be used."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise UserError(f"File not found: {p}") from None
    except IsADirectoryError:
        raise UserError(f"{p} is a folder, not a text file") from None
    except OSError as e:
        raise UserError(f"Cannot read {p}: {e.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(f"{p} is not UTF-8 text (byte {e.start} cannot be decoded)") from None
    if not text.strip():
        raise UserError(f"{p} is empty: there is no text to learn from or continue")
    if "\x00" in text:
        raise UserError(f"{p} looks like a binary file (it contains NUL bytes)")
    return text


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a UTF-8 text file (the manuscript)")
    p.add_argument(
        "--model", default="default", help="'default' (embedded SmolLM2-135M), 'gemma3-270m', or a GGUF path"
    )
    p.add_argument("--window", type=int, help="W: tokens the model sees (default 1024)")
    p.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what the engine does on stderr")


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
    e.add_argument("--chunk", type=int, help="Δ: tokens per chunk")
    e.add_argument("--context", type=int, help="L_T: earlier tokens fed before a chunk in training")
    e.add_argument("--epochs", type=int, help="E: training steps per chunk")
    e.add_argument("--opening", type=int, help="tokens at the start learned in smaller chunks (0: none)")
    e.add_argument("--opening-chunk", type=int, help="tokens per chunk over the opening")
    e.add_argument("--early-chunks", type=int, help="the first N chunks get --early-epochs steps instead")
    e.add_argument("--early-epochs", type=int, help="steps per chunk for the first --early-chunks chunks")
    e.add_argument("--rank", type=int, help="LoRA rank r")
    e.add_argument("--alpha", type=float, help="LoRA alpha")
    e.add_argument("--lr", type=float, help="learning rate")
    e.add_argument("--lr-decay-from", type=int, help="tokens into a text after which the lr falls (0: never)")
    e.add_argument("--lr-decay-power", type=float, help="the lr falls as (from / position) ** this")
    e.add_argument("--lr-b-ratio", type=float, help="LoRA+: B's learning rate is lr times this")
    e.add_argument("--dropout", type=float, help="LoRA dropout")
    e.add_argument("--a-init-scale", type=float, help="A's random start is multiplied by this")
    e.add_argument("--beta1", type=float, help="AdamW beta1 (momentum)")
    e.add_argument("--beta2", type=float, help="AdamW beta2")
    e.add_argument("--frozen-context", action="store_true", help="no gradients through the L_T context")
    e.add_argument("--context-loss", type=float, help="weight of the context tokens' own loss (default 0)")
    e.add_argument("--replay", type=int, help="earlier chunks revisited after each chunk")
    e.add_argument("--weight-decay", type=float, help="AdamW weight decay")
    e.add_argument(
        "--targets", help="comma-separated module names to adapt (default: the MLP layers and lm_head)"
    )
    e.add_argument("--first-layer", type=int, help="no LoRA in the decoder layers below this one")
    e.add_argument("--no-bf16", action="store_true", help="train in fp32")
    e.add_argument("--max-tokens", type=int, help="use only the first N tokens of the file")
    e.add_argument("--long-window", type=int, help="also score with the base model at this window")
    e.add_argument(
        "--long-every", type=int, default=1, help="score the long window on every Nth chunk only (default 1)"
    )
    e.add_argument("--json", action="store_true", help="print one JSON object on stdout")

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

    s = sub.add_parser("serve", help="serve the desktop app: JSON lines on stdin/stdout (docs/PROTOCOL.md)")
    s.add_argument("--model", default="default")
    s.add_argument("--threads", type=int)
    s.add_argument("--window", type=int, default=1024, help="generation window W in tokens (default 1024)")
    s.add_argument("-v", "--verbose", action="store_true")

    r = sub.add_parser("check-export", help="check that llama.cpp sees an exported adapter as torch does")
    r.add_argument("--model", default="default")
    r.add_argument("--text", help="a UTF-8 text to train on (default: a built-in sample)")
    r.add_argument("-v", "--verbose", action="store_true")

    b = sub.add_parser("bench", help="measure training, export, swap and generation speed on this machine")
    b.add_argument("--model", default="default")
    b.add_argument("--threads", type=int)
    b.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    b.add_argument(
        "--writer",
        action="store_true",
        help="only what the writer feels: time to the first word, decoding, repetition (a few minutes)",
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
    targets = getattr(args, "targets", None)
    return TempLoraConfig().replace(
        window=args.window,
        chunk_tokens=getattr(args, "chunk", None),
        context_tokens=getattr(args, "context", None),
        epochs=getattr(args, "epochs", None),
        opening_tokens=getattr(args, "opening", None),
        opening_chunk_tokens=getattr(args, "opening_chunk", None),
        early_chunks=getattr(args, "early_chunks", None),
        early_epochs=getattr(args, "early_epochs", None),
        rank=getattr(args, "rank", None),
        alpha=getattr(args, "alpha", None),
        lr=getattr(args, "lr", None),
        lr_decay_tokens=getattr(args, "lr_decay_from", None),
        lr_decay_power=getattr(args, "lr_decay_power", None),
        lr_b_ratio=getattr(args, "lr_b_ratio", None),
        dropout=getattr(args, "dropout", None),
        a_init_scale=getattr(args, "a_init_scale", None),
        beta1=getattr(args, "beta1", None),
        beta2=getattr(args, "beta2", None),
        frozen_context=True if getattr(args, "frozen_context", False) else None,
        context_loss=getattr(args, "context_loss", None),
        replay_chunks=getattr(args, "replay", None),
        weight_decay=getattr(args, "weight_decay", None),
        target_modules=tuple(targets.split(",")) if targets else None,
        first_layer=getattr(args, "first_layer", None),
        bf16=False if getattr(args, "no_bf16", False) else None,
    )


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
    from engine.progress import ProgressBar
    from engine.runtime import LoadedModel
    from engine.store import AdapterStore

    text = read_manuscript(args.file)
    config = config_from_args(args)
    store = AdapterStore()
    model = LoadedModel(args.model, config, threads=args.threads)
    try:
        if not args.no_adapter:
            tokens = model.tokens(text)
            model.trainer.add_adapter("cli")
            bar = ProgressBar("absorbing")
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


def _gen_flops_per_token(n_params: int, n_layers: int, hidden: int, window: int) -> float:
    """Forward FLOPs per generated token at a full window (Kaplan et al.: 2N + 2·layers·context·d_attn)."""
    return 2.0 * n_params + 2.0 * n_layers * window * hidden


def eval_json(report, config: TempLoraConfig, model, n_tokens: int) -> dict:
    """The `eval --json` object."""
    trainer = model.trainer
    hidden = trainer.causal_lm.config.hidden_size
    long_ppl = report.total("long_window").perplexity if report.long_window else None
    long_temp_ppl = report.total("long_window_temp_lora").perplexity if report.long_window else None
    flops = {
        "train_per_chunk": 4.0
        * trainer.n_params
        * (config.chunk_tokens + config.context_tokens)
        * config.epochs,
        "generate_per_token_window": _gen_flops_per_token(
            trainer.n_params, model.info.n_layers, hidden, config.window
        ),
    }
    if report.long_window:
        flops["generate_per_token_long_window"] = _gen_flops_per_token(
            trainer.n_params, model.info.n_layers, hidden, report.long_window
        )
    base, temp = report.total("base").perplexity, report.total("temp_lora").perplexity
    long = {}
    if report.long_window:  # all four models on exactly the chunks scored at the long window
        long = {
            "long_window_chunks": sum(c.long_window is not None for c in report.chunks),
            "long_window_comparison": {
                name: report.total(which, long_window_chunks_only=True).perplexity
                for name, which in (
                    ("base_ppl", "base"),
                    ("temp_lora_ppl", "temp_lora"),
                    ("long_window_ppl", "long_window"),
                    ("long_window_temp_lora_ppl", "long_window_temp_lora"),
                )
            },
        }
    return {
        "model": str(model.info.path),
        "tokens": n_tokens,
        "scored_tokens": report.total("base").tokens,
        "chunks": len(report.chunks),
        "window": report.window,
        "long_window": report.long_window,
        "base_ppl": base,
        "temp_lora_ppl": temp,
        "ratio": temp / base,
        "long_window_ppl": long_ppl,
        "long_window_temp_lora_ppl": long_temp_ppl,
        **long,
        "seconds": round(report.seconds, 2),
        "config": config.to_dict(),
        "bf16": trainer.bf16,
        "flops": flops,
        "per_chunk": [c.to_dict() for c in report.chunks],
    }


def cmd_eval(args: argparse.Namespace) -> int:
    """Run the paper's protocol and report perplexities."""
    from engine.evaluate import evaluate
    from engine.progress import ProgressBar
    from engine.runtime import LoadedModel

    if args.long_every < 1:
        raise UserError("--long-every must be 1 or more")
    text = read_manuscript(args.file)
    config = config_from_args(args)
    model = LoadedModel(args.model, config, threads=args.threads)
    try:
        tokens = model.tokens(text)
        if args.max_tokens:
            tokens = tokens[: args.max_tokens]
        if len(tokens) < 2:
            raise UserError(f"{args.file} is too short to evaluate ({len(tokens)} token)")
        bar = ProgressBar("evaluating")

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
        _print_eval_table(result)
    return 0


def _print_eval_table(r: dict) -> None:
    long = r["long_window_ppl"] is not None
    print(
        f"{'chunk':>5} {'base@' + str(r['window']):>10} {'temp-lora':>10} {'ratio':>6}"
        + (f" {'base@' + str(r['long_window']):>10} {'t-l@' + str(r['long_window']):>10}" if long else "")
    )
    for c in r["per_chunk"]:
        ratio = c["temp_lora_ppl"] / c["base_ppl"]
        line = f"{c['index']:>5} {c['base_ppl']:>10.3f} {c['temp_lora_ppl']:>10.3f} {ratio:>6.3f}"
        if long and c["long_window_ppl"] is not None:
            line += f" {c['long_window_ppl']:>10.3f} {c['long_window_temp_lora_ppl']:>10.3f}"
        print(line)
    print(
        f"overall: base {r['base_ppl']:.3f}  temp-lora {r['temp_lora_ppl']:.3f}  ratio {r['ratio']:.3f}"
        + (
            f"  base@{r['long_window']} {r['long_window_ppl']:.3f}"
            f"  temp-lora@{r['long_window']} {r['long_window_temp_lora_ppl']:.3f}"
            if long
            else ""
        )
        + f"  ({r['tokens']} tokens, {r['chunks']} chunks, {r['seconds']:.0f} s)"
    )


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure this machine (engine/bench.py)."""
    from engine.bench import run_bench, run_writer_bench

    if args.writer:
        result = run_writer_bench(args.model, threads=args.threads, corpus=args.corpus)
    else:
        result = run_bench(args.model, threads=args.threads, corpus=args.corpus)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


def cmd_recall(args: argparse.Namespace) -> int:
    """Report the recall measure (engine/recall.py)."""
    from engine.recall import measure_recall
    from engine.runtime import LoadedModel

    text = read_manuscript(args.file)
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


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the protocol until shutdown or end of input."""
    from engine.serve import run_server

    return run_server(args.model, args.threads, TempLoraConfig(window=args.window))


def cmd_check_export(args: argparse.Namespace) -> int:
    """Print the round-trip agreement for this model; exit 1 when it is below 0.99."""
    from engine.bench import bench_text
    from engine.roundtrip import logit_change_agreement
    from engine.runtime import LoadedModel

    text = read_manuscript(args.text) if args.text else bench_text()
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
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of `longform-engine`."""
    args = build_parser().parse_args(argv)
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
