"""Minutes to learn a novel, as the bench counts them, for several configurations side by side in one process.

    python scripts/absorb_pace.py '[{"chunk_tokens": 256, "context_tokens": 256, "lr": 0.001}, {}]'

Each configuration (TempLoraConfig changes) absorbs the bench text's opening and 8,192 tokens after it with
a fresh adapter, in turn, `--repeats` times: on a shared machine only figures measured in one run compare.
Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json


def main(configs: list[dict], repeats: int) -> None:
    # Imported here, not at the top: --help answers without loading torch and llama.cpp.
    from engine.bench import ABSORB_AFTER_OPENING, ADAPTER, _absorb_pace, _novel_minutes, bench_text
    from engine.config import TempLoraConfig
    from engine.runtime import LoadedModel

    model = LoadedModel("default", TempLoraConfig(), threads=2)
    trainer = model.trainer
    tokens = model.tokens(bench_text())
    try:
        for repeat in range(repeats):
            for changes in configs:
                config = TempLoraConfig().replace(**changes)
                trainer.add_adapter(ADAPTER, config)
                text = tokens[: config.opening_tokens + ABSORB_AFTER_OPENING]
                opening, rate = _absorb_pace(trainer, text, config)
                trainer.remove_adapter(ADAPTER)
                minutes = round(_novel_minutes(opening, rate, config), 2)
                line = {"repeat": repeat, "config": changes, "opening_seconds": round(opening, 1)}
                print(json.dumps({**line, "tokens_per_second": round(rate, 1), "novel_minutes": minutes}))
    finally:
        model.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", type=json.loads, help="a JSON list of TempLoraConfig changes")
    parser.add_argument("--repeats", type=int, default=2, help="rounds over the configurations (default 2)")
    args = parser.parse_args()
    main(args.configs, args.repeats)
