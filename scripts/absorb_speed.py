"""Absorption throughput (manuscript tokens per second) of several Temp-LoRA configurations, in one process.

    python scripts/absorb_speed.py '[{"chunk_tokens": 256, "context_tokens": 512, "epochs": 1}]'

The defaults are always measured first. Each configuration absorbs tokens 1,024–8,192 of Emma after a
1,024-token warm-up, with a fresh adapter. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json
import time

from engine.config import TempLoraConfig
from engine.text_files import read_text

BOOK = "../shared/corpus/austen/emma.txt"


def main(configs: list[dict]) -> None:
    # Imported here, not at the top: --help answers without loading torch and llama.cpp.
    from engine.absorb import absorb
    from engine.runtime import LoadedModel

    model = LoadedModel("default", TempLoraConfig())
    tokens = model.tokens(read_text(BOOK))[:8192]
    trainer = model.trainer
    try:
        for i, changes in enumerate([{}, *configs]):
            name = f"speed{i}"
            trainer.add_adapter(name, TempLoraConfig().replace(**changes))
            absorb(trainer, name, tokens[:1024])  # warm-up
            began = time.perf_counter()
            absorb(trainer, name, tokens[1024:])
            seconds = time.perf_counter() - began
            print(f"{changes or 'defaults'}: {(len(tokens) - 1024) / seconds:.1f} tokens/s", flush=True)
            trainer.remove_adapter(name)
    finally:
        model.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "configs",
        nargs="?",
        type=json.loads,
        default=[],
        help="a JSON list of TempLoraConfig changes, each measured after the defaults",
    )
    main(parser.parse_args().configs)
