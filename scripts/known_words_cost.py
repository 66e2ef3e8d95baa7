"""What measuring the adapter's known words costs, and what they are: one text absorbed twice, side by side.

    python scripts/known_words_cost.py engine/data/persuasion_opening.txt [--max-tokens N] [--words-only]
        [--tally FILE]

Each chunk is learned (and its adapter exported, as the engine does) by two adapters in turn, one through the
engine's backend with the measurement (engine/known_words.py), one without it; the order alternates by chunk
so neither arm is favoured by the machine's moods. It prints the seconds of each and the known words at the
end as the absorption panel would show them. `--words-only` leaves out the arm without it (a quicker run
that only wants the words). `--tally FILE` writes the tally's counts per word (JSON), so that other ranking
rules can be tried on the same measurement without training again. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def main(path: str, max_tokens: int | None, words_only: bool, tally_path: str | None) -> None:
    # Imported here, not at the top: --help answers without loading torch and llama.cpp.
    from engine.absorb import learn_chunk, split_chunks
    from engine.backend import ModelBackend
    from engine.config import TempLoraConfig
    from engine.known_words import KnownWords
    from engine.text_files import read_text

    config = TempLoraConfig()
    backend = ModelBackend("default", config, threads=2)
    tokens = backend.tokens(read_text(path))[:max_tokens]
    spans = split_chunks(len(tokens), config)
    trainer = backend.model.trainer
    # The first steps of a process are slower (allocations, kernels chosen): neither arm should pay for them.
    trainer.add_adapter("warm-up", config)
    for index in range(min(2, len(spans))):
        learn_chunk(trainer, "warm-up", tokens, spans, index)
    trainer.remove_adapter("warm-up")
    trainer.add_adapter("plain", config)
    tally = KnownWords()
    seconds = {"measured": [], "plain": []}
    measured_chunks = []
    with tempfile.TemporaryDirectory() as folder:

        def with_measurement(index: int) -> None:
            lesson = backend.learn("measured", config, tokens, spans, index, spans[index][0])
            backend.export("measured", Path(folder) / "measured.gguf")
            tally.add(lesson.words)
            if any(word.gain is not None for word in lesson.words):
                measured_chunks.append(index)

        def without(index: int) -> None:
            learn_chunk(trainer, "plain", tokens, spans, index, lr_position=spans[index][0])
            backend.export("plain", Path(folder) / "plain.gguf")

        for index in range(len(spans)):
            arms = [("measured", with_measurement)] + ([] if words_only else [("plain", without)])
            for name, arm in arms[::-1] if index % 2 else arms:
                began = time.perf_counter()
                arm(index)
                seconds[name].append(round(time.perf_counter() - began, 2))
            print(f"chunk {index + 1}/{len(spans)}: {tally.best()}", flush=True)
    backend.close()
    if tally_path:
        counts = {
            word: {
                "seen": tally.seen[word],
                "measured": tally.measured[word],
                "chunks": tally.chunks[word],
                "gain": round(tally.gain[word], 4),
                "lower": word.lower() in tally.lower,
            }
            for word in tally.measured
        }
        Path(tally_path).write_text(json.dumps(counts, ensure_ascii=False, indent=0), encoding="utf-8")
    with_it, without_it = sum(seconds["measured"]), sum(seconds["plain"])
    report = {
        "tokens": len(tokens),
        "chunks": len(spans),
        "measured_chunks": measured_chunks,
        "seconds_with_measurement": round(with_it, 1),
        "seconds_without": round(without_it, 1) if not words_only else None,
        "extra": round(with_it / without_it - 1, 4) if not words_only else None,
        "known_words": tally.best(),
        "chunk_seconds": seconds,
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text")
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--words-only", action="store_true", help="only the arm with the measurement")
    parser.add_argument("--tally", help="write the tally's counts per word to this JSON file")
    args = parser.parse_args()
    main(args.text, args.max_tokens, args.words_only, args.tally)
