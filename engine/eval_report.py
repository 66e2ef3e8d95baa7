"""What `longform-engine eval` reports: perplexities per chunk and overall, wall time and FLOP estimates,
as one JSON object or as a table."""

from __future__ import annotations

from engine.config import TempLoraConfig
from engine.flops import gen_flops_per_token, train_flops


def eval_json(report, config: TempLoraConfig, model, n_tokens: int) -> dict:
    """The `eval --json` object, from engine.evaluate's report and the loaded model."""
    trainer = model.trainer
    hidden = trainer.causal_lm.config.hidden_size
    long_ppl = report.total("long_window").perplexity if report.long_window else None
    long_temp_ppl = report.total("long_window_temp_lora").perplexity if report.long_window else None
    flops = {
        "train_per_chunk": train_flops(
            trainer.n_params, (config.chunk_tokens + config.context_tokens) * config.epochs
        ),
        "generate_per_token_window": gen_flops_per_token(
            trainer.n_params, model.info.n_layers, hidden, config.window
        ),
    }
    if report.long_window:
        flops["generate_per_token_long_window"] = gen_flops_per_token(
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


def print_eval_table(r: dict) -> None:
    """The `eval` report without --json: one line per chunk, then the overall perplexities."""
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
