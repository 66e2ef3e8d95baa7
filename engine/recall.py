"""Recall: do continuations after absorption use the book's own names, including ones beyond the window?

Perplexity says the adapter predicts the book better; a writer wants to know whether a continuation brings
back the right people and places. The measure, kept simple so it can be checked by hand:

- The book's names before a probe point: words that occur capitalised at least twice in the text so far and
  never in lower case ("Catherine", "Bath", "Tilney"; not "The" or "She", which start sentences but also
  occur as "the" and "she"). NOT_NAMES (engine/names.py) lists the few capitalised words that are not this
  book's names.
- At each probe point, continuations are generated from the window of text ending there, with the adapter
  trained on everything before the point and with the base model alone (same prompts, same seeds).
- A generated word is a name when it is capitalised and not the first word of a sentence.
- `book_name_share`: of the generated names, the share that are the book's names (invented or wrong names
  lower it). `recalled_names`: the book's names used in a continuation that do not occur in its prompt
  window, i.e. remembered from further back, the thing Temp-LoRA is for. Both are reported per model.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engine.absorb import learn_chunk, split_chunks
from engine.generate import Sampling
from engine.names import NOT_NAMES
from engine.runtime import LoadedModel

WORD = re.compile(r"[A-Za-z][a-z]+(?:'s)?")


def book_names(text: str) -> set[str]:
    """Words capitalised at least twice and never lower case in `text`."""
    words = [w.removesuffix("'s") for w in WORD.findall(text)]
    capitalised = Counter(w for w in words if w[0].isupper())
    lower = {w for w in words if w[0].islower()}
    return {w for w, n in capitalised.items() if n >= 2 and w.lower() not in lower and w not in NOT_NAMES}


def generated_names(text: str) -> list[str]:
    """Capitalised words that do not start a sentence (or a quotation, or a line)."""
    names = []
    for m in re.finditer(r"[A-Z][a-z]+", text):
        before = text[: m.start()].rstrip(" \"'“‘(")
        after_title = re.search(r"\b(?:Mr|Mrs|Ms|Dr|St|Capt|Col)\.$", before)  # "Mrs. Allen"
        if not before or (before[-1] in ".!?\n:;—" and not after_title) or m.group() in NOT_NAMES:
            continue
        names.append(m.group())
    return names


@dataclass
class RecallCount:
    names: int = 0
    book_names: int = 0
    recalled: int = 0  # book names not in the prompt window
    samples: list[str] = field(default_factory=list)

    def add(self, continuation: str, known: set[str], window_text: str) -> None:
        found = generated_names(continuation)
        in_window = set(WORD.findall(window_text))
        self.names += len(found)
        self.book_names += sum(n in known for n in found)
        self.recalled += sum(n in known and n not in in_window for n in found)
        if len(self.samples) < 2:
            self.samples.append(continuation)

    def as_dict(self) -> dict:
        return {
            "generated_names": self.names,
            "book_name_share": round(self.book_names / self.names, 3) if self.names else None,
            "recalled_names": self.recalled,
            "samples": self.samples,
        }


def measure_recall(
    model: LoadedModel, tokens, probes: int = 4, samples: int = 3, gen_tokens: int = 120
) -> dict:
    """Absorb `tokens` chunk by chunk; at `probes` even points, continue with and without the adapter."""
    trainer, gen, config = model.trainer, model.generator, model.config
    chunks = split_chunks(len(tokens), config)
    points = sorted({round(len(chunks) * (i + 1) / probes) for i in range(probes)})
    trainer.add_adapter("recall")
    counts = {"base": RecallCount(), "temp_lora": RecallCount()}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "recall.gguf"
        learned = 0
        for point in points:
            while learned < point:
                learn_chunk(trainer, "recall", tokens, chunks, learned)
                learned += 1
            end = chunks[point - 1][1]
            text = gen.detokenize(tokens[:end].tolist())
            known = book_names(text)
            window = gen.detokenize(gen.prompt_tokens(text, gen_tokens))
            model.export("recall", path)
            for name, adapter in (("base", None), ("temp_lora", path)):
                gen.set_adapter(adapter)
                for seed in range(samples):
                    sampling = Sampling(seed=1000 * point + seed, temperature=0.8)
                    counts[name].add(gen.continue_text(text, gen_tokens, sampling), known, window)
        gen.set_adapter(None)
    trainer.remove_adapter("recall")
    return {
        "tokens": len(tokens),
        "probe_chunks": points,
        "samples_per_probe": samples,
        "gen_tokens": gen_tokens,
        **{name: count.as_dict() for name, count in counts.items()},
    }
