"""Two models side by side on this machine, as a writer would meet them: the same opening absorbed, then a
continuation of the same passage with the adapter, timed.

    python scripts/compare_models.py ../shared/corpus/austen/persuasion.txt --models default gemma3-270m

For each model: seconds a chunk while absorbing the text's first `--tokens` tokens (the opening's smaller
chunks apart from the full ones after them, and the novel's minutes at that pace), then the first token
and decoding speed of a `--words`-token continuation of the absorbed passage (fixed seed), and its text.
One JSON line a model; the continuations after them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def measure(name: str, text: str, args: argparse.Namespace) -> dict:
    from engine.absorb import absorb
    from engine.bench import NOVEL_TOKENS  # the novel the bench's minutes are for
    from engine.config import TempLoraConfig
    from engine.generate import Sampling
    from engine.runtime import LoadedModel

    config = TempLoraConfig()
    model = LoadedModel(name, config, threads=args.threads)
    try:
        tokens = model.tokens(text)[: args.tokens]
        passage = model.generator.detokenize(tokens.tolist())
        model.trainer.add_adapter("compare")
        reports = absorb(model.trainer, "compare", tokens)
        opening = [r.seconds for r in reports if r.start < config.opening_tokens]
        full = [r.seconds for r in reports if r.start >= config.opening_tokens][1:]  # the first: a new shape
        per_token = sum(full) / (len(full) * config.chunk_tokens)
        with tempfile.TemporaryDirectory() as folder:
            model.generator.set_adapter(model.export("compare", Path(folder) / "compare.gguf"))
            start = time.perf_counter()
            first, pieces = None, []
            for piece in model.generator.stream(passage, args.words, Sampling(seed=args.seed)):
                first = first or time.perf_counter() - start
                pieces.append(piece)
            total = time.perf_counter() - start
            if len(pieces) < 2:
                raise SystemExit(f"{name}: the model wrote {len(pieces)} piece(s); nothing to time")
            model.generator.set_adapter(None)
        return {
            "model": name,
            "parameters_m": round(model.trainer.n_params / 1e6, 1),
            "bf16": model.trainer.bf16,
            "absorbed_tokens": len(tokens),
            "opening_chunk_seconds": round(sum(opening) / len(opening), 3),
            "full_chunk_seconds": round(sum(full) / len(full), 3),
            "novel_minutes_at_this_pace": round(
                (sum(opening) + (NOVEL_TOKENS - config.opening_tokens) * per_token) / 60, 1
            ),
            "first_token_seconds": round(first, 3),
            "decode_tokens_per_second": round((len(pieces) - 1) / (total - first), 1),
            "continuation": "".join(pieces),
        }
    finally:
        model.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--models", nargs="+", default=["default", "gemma3-270m"])
    parser.add_argument("--tokens", type=int, default=6144, help="tokens of the text's start absorbed")
    parser.add_argument("--words", type=int, default=120, help="tokens of continuation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    text = args.file.read_text(encoding="utf-8")
    rows = [measure(name, text, args) for name in args.models]
    for row in rows:
        print(json.dumps({k: v for k, v in row.items() if k != "continuation"}))
    for row in rows:
        print(f"\n--- {row['model']} ---\n{row['continuation']}")


if __name__ == "__main__":
    main()
