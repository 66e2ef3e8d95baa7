"""How fast llama.cpp decodes with each thread count, alone and beside one busy core (engine/generate.py's
`decode_threads`).

python scripts/decode_threads.py [--tokens 100] [--rounds 4] [--book FILE]

The engine's own stream (window, samplers, DRY) on the embedded model, 1 to all cores, the counts taken in
turn within each round so that the machine's noise falls on all of them alike; then the same with a
process spinning on one core, as the window painting the words or any other program does for a moment.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "austen" / "persuasion.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--book", type=Path, default=BOOK)
    args = parser.parse_args()
    # Imported here: --help answers without loading llama.cpp.
    import llama_cpp

    from engine.generate import Generator, Sampling
    from engine.models import inspect_model, resolve_model
    from engine.untie import generation_model_path

    cores = len(os.sched_getaffinity(0))
    text = args.book.read_text(encoding="utf-8")[:12000]
    gen = Generator(generation_model_path(inspect_model(resolve_model("default"))), threads=cores)

    def rate(threads: int) -> float:
        llama_cpp.llama_set_n_threads(gen.llm.ctx, threads, cores)
        gen.cache.clear()
        continuation = gen.stream(text, args.tokens, Sampling(seed=1), whole_sentences=False)
        produced, start = 0, time.perf_counter()
        for _ in continuation:
            produced += 1
            if produced == 1:
                start = time.perf_counter()  # decoding only: the prompt is the same for every count
        return (produced - 1) / (time.perf_counter() - start)

    rate(cores)  # warm-up
    result: dict = {"cores": cores, "tokens": args.tokens, "rounds": args.rounds}
    for busy in (False, True):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
        try:
            rates: dict[int, list[float]] = {n: [] for n in range(1, cores + 1)}
            for _ in range(args.rounds):
                for n in rates:
                    rates[n].append(rate(n))
        finally:
            if hog:
                hog.kill()
        where = "beside_a_busy_core" if busy else "alone"
        for n, seen in rates.items():
            result[f"tokens_per_second_{n}_threads_{where}"] = round(statistics.median(seen), 1)
    gen.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
