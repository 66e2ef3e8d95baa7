"""Minutes to learn a novel, as the bench counts them, for several configurations side by side in one process.

    python scripts/absorb_pace.py '[{"chunk_tokens": 256, "context_tokens": 256, "lr": 0.001}, {}]'
    python scripts/absorb_pace.py '[{"peft_head": true}, {}]' --openings persuasion.txt prideprejudice.txt

Each configuration (TempLoraConfig changes; `"peft_head": true` runs the adapted head's loss through PEFT
and torch's cross-entropy instead of engine/head_loss.py) absorbs the bench text's opening and 8,192 tokens
after it with a fresh adapter, in turn, `--repeats` times: on a shared machine only figures measured in
one run compare. `--openings` also runs the paper's protocol on each Austen book's first 16,384 tokens
(the ratio; no times). Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json


def main(configs: list[dict], repeats: int, openings: list[str]) -> None:
    # Imported here, not at the top: --help answers without loading torch and llama.cpp.
    import engine.training
    from engine.bench import ADAPTER, _absorb_pace, _novel_minutes, bench_text
    from engine.config import TempLoraConfig
    from engine.evaluate import evaluate
    from engine.runtime import LoadedModel
    from engine.text_files import read_text

    fused = engine.training.lora_head
    model = LoadedModel("default", TempLoraConfig(), threads=2)
    trainer = model.trainer
    tokens = model.tokens(bench_text())
    try:
        for repeat in range(repeats):
            for changes in configs:
                peft_head = changes.get("peft_head", False)
                engine.training.lora_head = (lambda *_: None) if peft_head else fused
                config = TempLoraConfig().replace(**changes)
                trainer.add_adapter(ADAPTER, config)
                opening, rate = _absorb_pace(trainer, tokens[: config.opening_tokens + 8192], config)
                trainer.remove_adapter(ADAPTER)
                minutes = round(_novel_minutes(opening, rate, config), 2)
                line = {"repeat": repeat, "config": changes, "opening_seconds": round(opening, 1)}
                print(json.dumps({**line, "tokens_per_second": round(rate, 1), "novel_minutes": minutes}))
        for book in openings:
            text = model.tokens(read_text(f"../shared/corpus/austen/{book}"))[:16384]
            for changes in configs:
                engine.training.lora_head = (lambda *_: None) if changes.get("peft_head") else fused
                trainer.config = TempLoraConfig().replace(**changes)  # evaluate trains with the trainer's
                report = evaluate(trainer, text)
                print(json.dumps({"book": book, "config": changes, "ratio": round(report.ratio(), 4)}))
    finally:
        engine.training.lora_head = fused
        model.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", type=json.loads, help="a JSON list of TempLoraConfig changes")
    parser.add_argument("--repeats", type=int, default=2, help="rounds over the configurations (default 2)")
    parser.add_argument("--openings", nargs="*", default=[], help="Austen file names to score (16k tokens)")
    args = parser.parse_args()
    main(args.configs, args.repeats, args.openings)
