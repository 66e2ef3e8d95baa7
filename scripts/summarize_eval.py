"""Markdown tables from `longform-engine eval --json` reports: overall and by position in the book.

python scripts/summarize_eval.py out/eval/*.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

BUCKETS = [
    (0, 4096),
    (4096, 8192),
    (8192, 16384),
    (16384, 32768),
    (32768, 65536),
    (65536, 131072),
    (131072, None),
]


def columns(report: dict) -> list[tuple[str, str]]:
    """(per-chunk key, heading) of every perplexity the report has."""
    cols = [("base_ppl", f"base @{report['window']}"), ("temp_lora_ppl", f"Temp-LoRA @{report['window']}")]
    if report.get("long_window"):
        w2 = report["long_window"]
        cols += [("long_window_ppl", f"base @{w2}"), ("long_window_temp_lora_ppl", f"Temp-LoRA @{w2}")]
    return [(key, heading) for key, heading in cols if report["per_chunk"][0].get(key) is not None]


def bucket_table(chunks: list[dict], cols: list[tuple[str, str]]) -> list[str]:
    """Perplexity by position, from per-chunk perplexities weighted back into NLL sums."""
    keys = [key for key, _ in cols]
    rows = [
        f"| tokens | scored | {' | '.join(heading for _, heading in cols)} | Temp-LoRA/base @W |",
        "|" + " --- |" * (len(cols) + 3),
    ]
    for lo, hi in BUCKETS:
        inside = [c for c in chunks if c["start"] >= lo and (hi is None or c["start"] < hi)]
        n = sum(c["tokens"] for c in inside)
        if not n:
            continue
        ppl = {k: math.exp(sum(math.log(c[k]) * c["tokens"] for c in inside) / n) for k in keys}
        label = f"{lo // 1024}k–{hi // 1024}k" if hi else f"{lo // 1024}k–end"
        cells = " | ".join(f"{ppl[k]:.2f}" for k in keys)
        rows.append(f"| {label} | {n} | {cells} | {ppl['temp_lora_ppl'] / ppl['base_ppl']:.3f} |")
    return rows


def main(paths: list[str]) -> None:
    print("| text | tokens | chunks | base ppl @W | Temp-LoRA ppl @W | ratio | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    reports = [(Path(p).stem, json.loads(Path(p).read_text())) for p in paths]
    for name, r in reports:
        print(
            f"| {name} | {r['tokens']} | {r['chunks']} | {r['base_ppl']:.2f} | {r['temp_lora_ppl']:.2f} "
            f"| {r['ratio']:.4f} | {r['seconds']:.0f} |"
        )
    for name, r in reports:
        print(f"\n{name}, by position in the book:\n")
        cols = columns(r)
        print("\n".join(bucket_table(r["per_chunk"], cols[:2])))
        if len(cols) > 2:
            sampled = [c for c in r["per_chunk"] if c.get("long_window_ppl") is not None]
            print(f"\n{name}, the {len(sampled)} chunks also scored at window {r['long_window']}:\n")
            print("\n".join(bucket_table(sampled, cols)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", help="`longform-engine eval --json` outputs")
    main(parser.parse_args().reports)
