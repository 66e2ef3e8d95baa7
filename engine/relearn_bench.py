"""What an edit costs the writer: seconds until a one-sentence edit in a learned book is learned again.

Run against the real engine process: a ~30k-token document is opened and learned to its end, a sentence is
inserted in its middle (`update_document`), and the clock runs until the engine reports nothing left to
learn. Before chunk maps every chunk after the edit was learned again; the figure beside it is what that
would cost at the pace measured here.
"""

from __future__ import annotations

import time

from engine.serve_client import EngineProcess

DOCUMENT_TOKENS = 30_000
CHARS_PER_TOKEN = 4.34  # the embedded model's tokenizer on Austen (app/book_progress.py)
SENTENCE = "Anne walked to the window and, for a long moment, said nothing at all. "


def edit_relearn(text: str, model_spec: str = "default", threads: int | None = None) -> dict:
    """Open the first ~30k tokens of `text`, learn them, insert a sentence mid-way, time the re-learn."""
    engine = EngineProcess(threads=threads, model=model_spec)

    def absorption(e: dict) -> bool:
        return e["type"] == "absorption"

    try:
        info = engine.request(id="hello", type="hello")
        text = text[: int(DOCUMENT_TOKENS * CHARS_PER_TOKEN)]
        began = time.perf_counter()
        engine.request(id="open", type="open_document", doc="novel", text=text)
        learned = engine.wait_for(lambda e: absorption(e) and e["unlearned"] == [], timeout=3600)
        absorb_seconds = time.perf_counter() - began
        middle = text.index(". ", len(text) // 2) + 2
        edited = text[:middle] + SENTENCE + text[middle:]
        sent = engine.send(id="edit", type="update_document", doc="novel", text=edited)
        done = engine.finished("edit")
        arrived, event = engine.wait_for_timed(lambda e: absorption(e) and e["unlearned"] == [], timeout=600)
        seconds_per_work = absorb_seconds / learned["work_total"]
        status = engine.request(id="status", type="status", doc="novel")["documents"][0]
    finally:
        engine.stop()
    # The old rule: every chunk from the edit on, i.e. about half the work of the document.
    half = status["work_total"] * (len(text) - middle) / len(text)
    return {
        "edit_relearn_seconds": round(arrived - sent, 2),
        "edit_relearn_chunks": done["new_chunks"],
        "edit_relearn_seconds_old_rule_estimate": round(half * seconds_per_work, 1),
        "edit_document_tokens": status["learnable_tokens"],
        "edit_document_absorb_seconds": round(absorb_seconds, 1),
        "edit_threads": info["threads"],
        "edit_adapter_versions": event["adapter_version"] - learned["adapter_version"],
    }
