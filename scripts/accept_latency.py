"""Seconds to the first word after accepting suggestions one after another, with the real engine process.

python scripts/accept_latency.py [--accepts 4] [--threads 2]

Opens the bench's text (the opening of Persuasion, ~2.7k tokens), waits until it is learned, asks for a
suggestion and another (Ctrl+R), then accepts each suggestion and asks for the next, as a writer drafting
with Tab does. Prints one JSON line per request: the prompt tokens the engine evaluated and the seconds
from the request line to the first token event.
"""

from __future__ import annotations

import argparse
import json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accepts", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=85, help="the suggestion's target (60 words)")
    args = parser.parse_args()
    # Imported here: --help answers without starting anything.
    from engine.bench import bench_text
    from engine.latency import Writer
    from engine.serve_client import EngineProcess

    text = bench_text()[:12000]
    engine = EngineProcess(threads=args.threads)
    try:
        engine.request(id="hello", type="hello")
        writer = Writer(engine, "novel")
        engine.request(id="open", type="open_document", doc="novel", text=text)
        writer.until_learned()

        def ask(what: str, seed: int) -> dict:
            answer = writer.suggest(text, args.tokens, seed=seed)
            said = {"request": what, "prompt_tokens_evaluated": answer["prompt_tokens_evaluated"]}
            print(json.dumps({**said, "first_token_seconds": round(answer["ttft"], 3)}), flush=True)
            return answer

        ask("cold", 1)
        answer = ask("another", 2)
        for seed in range(3, 3 + args.accepts):
            text += answer["text"]  # Tab: the suggestion becomes the writer's text
            answer = ask("after accept", seed)
    finally:
        engine.stop()


if __name__ == "__main__":
    main()
