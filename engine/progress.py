"""The CLI's progress bar on stderr (tqdm): chunks done/total, the latest loss or perplexities, time left."""

from __future__ import annotations

import sys

from tqdm import tqdm

# "absorbing |#####     | 12/40 chunks, loss 3.214  00:31<01:12" (tqdm puts ", " before the postfix)
FORMAT = "{desc} |{bar:24}| {n_fmt}/{total_fmt} chunks{postfix}  {elapsed}<{remaining}"


class ChunkProgress:
    """Called once per chunk learned or scored, as `update(done, total, loss=...)`."""

    def __init__(self, label: str, stream=None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.bar: tqdm | None = None

    def update(self, done: int, total: int, **values: float) -> None:
        """Show `done` of `total` chunks with extra named values (e.g. loss=3.2)."""
        if self.bar is None:
            # disable=False: the CLI sets TQDM_DISABLE to silence the libraries' own bars, not this one.
            self.bar = tqdm(
                total=total, desc=self.label, file=self.stream, bar_format=FORMAT, ascii=" #", disable=False
            )
        self.bar.set_postfix_str("  ".join(f"{k} {v:.3f}" for k, v in values.items()), refresh=False)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()
