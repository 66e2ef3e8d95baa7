"""The quality cost of Temp-Lora's cache reuse on a real novel (engine/cache_reuse.py).

python scripts/cache_reuse.py ../shared/corpus/austen/persuasion.txt [--max-tokens N] [--every K]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from engine.config import TempLoraConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--max-tokens", type=int, help="only the book's first N tokens")
    parser.add_argument("--every", type=int, default=8, help="score every K-th chunk (default 8)")
    parser.add_argument("--stale", default="1,4,8,32", help="adapter versions behind (default 1,4,8,32)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    # Imported here, not at the top: --help answers without loading torch and llama.cpp.
    from engine.cache_reuse import measure
    from engine.runtime import LoadedModel

    model = LoadedModel("default", TempLoraConfig(), threads=args.threads)
    tokens = model.tokens(args.book.read_text(encoding="utf-8"))[: args.max_tokens]
    began = time.perf_counter()
    stale = tuple(int(s) for s in args.stale.split(","))
    result = measure(model.trainer, tokens, stale=stale, every=args.every)
    result.update(book=args.book.name, tokens=len(tokens), seconds=round(time.perf_counter() - began, 1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
