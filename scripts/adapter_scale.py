"""Would scaling the trained adapter at scoring time help? Test-then-train on a book's opening, scoring
each chunk with the adapter's LoRA scale multiplied by several factors (training always uses 1).

    python scripts/adapter_scale.py emma 16384 '{"chunk_tokens": 1024, "epochs": 2}'

Prints each chunk's Temp-LoRA/base ratio per factor, then the overall ratio per factor. Run it alone.
"""

from __future__ import annotations

import argparse
import json
import math

from engine.config import TempLoraConfig
from engine.text_files import read_text

FACTORS = (0.75, 1.0, 1.25, 1.5, 2.0)
ADAPTER = "scale"


def main(book: str, n_tokens: int, changes: dict) -> None:
    # Imported here, not at the top: --help answers without loading torch and llama.cpp.
    from peft.tuners.lora import LoraLayer

    from engine.absorb import learn_chunk, split_chunks
    from engine.runtime import LoadedModel

    config = TempLoraConfig().replace(**changes)
    model = LoadedModel("default", config)
    trainer = model.trainer
    tokens = model.tokens(read_text(f"../shared/corpus/austen/{book}.txt"))[:n_tokens]
    peft_name = trainer.add_adapter(ADAPTER, config).peft_name
    layers = [m for m in trainer.peft.modules() if isinstance(m, LoraLayer) and peft_name in m.scaling]
    trained_scale = {id(m): m.scaling[peft_name] for m in layers}
    base_total, count = 0.0, 0
    totals = dict.fromkeys(FACTORS, 0.0)
    chunks = split_chunks(len(tokens), config)
    for index, (start, end) in enumerate(chunks):
        base_nll, n = trainer.window_nll(tokens, start, end, config.window, adapter=None)
        base_total, count = base_total + base_nll, count + n
        row = []
        for factor in FACTORS:
            nll = base_nll  # chunk 0: nothing learned yet
            if index:
                for m in layers:
                    m.scaling[peft_name] = trained_scale[id(m)] * factor
                nll, _ = trainer.window_nll(tokens, start, end, config.window, adapter=ADAPTER)
            totals[factor] += nll
            row.append(round(math.exp((nll - base_nll) / n), 3))
        for m in layers:
            m.scaling[peft_name] = trained_scale[id(m)]
        learn_chunk(trainer, ADAPTER, tokens, chunks, index)
        print(index, row, flush=True)
    overall = {f: round(math.exp((totals[f] - base_total) / count), 4) for f in FACTORS}
    print("Temp-LoRA/base by factor:", overall)
    model.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", help="an Austen novel's name in ../shared/corpus/austen (e.g. emma)")
    parser.add_argument("tokens", type=int, help="the book's first N tokens")
    parser.add_argument(
        "changes", nargs="?", type=json.loads, default={}, help="TempLoraConfig changes (JSON)"
    )
    args = parser.parse_args()
    main(args.book, args.tokens, args.changes)
