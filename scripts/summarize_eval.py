"""Markdown tables from `longform-engine eval --json` reports: overall and by position in the book.

Usage: python scripts/summarize_eval.py out/eval/*.json
"""

from __future__ import annotations

import json
import math
import sys
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


def bucket_rows(report: dict) -> list[str]:
    """Perplexity by position, from per-chunk perplexities weighted back into NLL sums."""
    rows = []
    for lo, hi in BUCKETS:
        base = lora = 0.0
        n = 0
        for c in report["per_chunk"]:
            if c["start"] >= lo and (hi is None or c["start"] < hi):
                base += math.log(c["base_ppl"]) * c["tokens"]
                lora += math.log(c["temp_lora_ppl"]) * c["tokens"]
                n += c["tokens"]
        if n:
            b, t = math.exp(base / n), math.exp(lora / n)
            label = f"{lo // 1024}k–{hi // 1024}k" if hi else f"{lo // 1024}k–end"
            rows.append(f"| {label} | {n} | {b:.2f} | {t:.2f} | {t / b:.3f} |")
    return rows


def main(paths: list[str]) -> None:
    print("| text | tokens | chunks | base ppl @W | Temp-LoRA ppl @W | ratio | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    reports = [(Path(p).stem, json.loads(Path(p).read_text())) for p in paths]
    for name, r in reports:
        print(
            f"| {name} | {r['tokens']} | {r['chunks']} | {r['base_ppl']:.2f} | {r['temp_lora_ppl']:.2f} "
            f"| {r['ratio']:.3f} | {r['seconds']:.0f} |"
        )
    for name, r in reports:
        print(f"\n{name}, by position in the book:\n")
        print("| tokens | scored | base ppl | Temp-LoRA ppl | ratio |")
        print("| --- | --- | --- | --- | --- |")
        print("\n".join(bucket_rows(r)))


if __name__ == "__main__":
    main(sys.argv[1:])
