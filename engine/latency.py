"""What the writer feels, measured with the real engine process: seconds from Continue to the first word.

Every figure is taken by a client that talks to `longform-engine serve` exactly as the app does, from the
moment the request line is sent to the moment the first `token` event is read, in one run:
- cold: a window the engine has never seen (a writer's first Ctrl+Enter at a new place);
- after accept: the last suggestion accepted and part of the text, then Continue (the app sends the text
  with the suggestion in it at once; the engine hears of the edit itself only seconds later);
- after typing: one typed sentence, then Continue, with and without the warm-up the app's
  `update_document` (with the cursor) allows;
- after swap: a new adapter version (one more learned chunk) since the last request;
- while absorbing: Continue while the engine is training the novel.
Then the bare llama.cpp loop on the same model file in this process (the engine stopped), for comparison.
"""

from __future__ import annotations

import statistics
import time

from engine.serve_client import EngineProcess

SENTENCE = " She said nothing more, and for some minutes they walked on in silence."


class Writer:
    """Drives one document in an engine process as the app does, and times the answers."""

    def __init__(self, engine: EngineProcess, doc: str) -> None:
        self.engine, self.doc, self.count = engine, doc, 0

    def suggest(self, text: str, max_tokens: int, seed: int = 1) -> dict:
        """Continue from the end of `text`; returns the engine's `done` plus the client's own timings."""
        self.count += 1
        rid = f"{self.doc}-continue-{self.count}"
        sent = self.engine.send(
            id=rid, type="continue", doc=self.doc, text=text, max_tokens=max_tokens, seed=seed
        )
        first, _ = self.engine.wait_for_timed(lambda e: e["id"] == rid)
        ended, done = self.engine.wait_for_timed(lambda e: e["id"] == rid and e["type"] in ("done", "error"))
        if done["type"] != "done":
            raise RuntimeError(f"continue failed: {done}")
        # The token events arrived as they were produced; the engine's own count of tokens paces decoding.
        rate = (
            (done["tokens"] - 1) / (ended - first) if done["tokens"] > 1 and ended > first else float("nan")
        )
        return {**done, "ttft": first - sent, "total": ended - sent, "rate": rate}

    def update(self, text: str, cursor: int | None = None) -> dict:
        self.count += 1
        fields = {} if cursor is None else {"cursor": cursor}
        return self.engine.request(
            id=f"{self.doc}-update-{self.count}", type="update_document", doc=self.doc, text=text, **fields
        )

    def absorbed(self, timeout: float = 600) -> dict:
        """Wait for the next absorption event of this document."""
        return self.engine.wait_for(lambda e: e["type"] == "absorption" and e["doc"] == self.doc, timeout)

    def until_learned(self, timeout: float = 900) -> None:
        while True:
            e = self.absorbed(timeout)
            if e["chunks_absorbed"] == e["chunks_total"]:
                return


def writer_latency(text: str, words: int = 60, threads: int | None = None, model: str = "default") -> dict:
    """The time-to-first-token figures of the module docstring, in one run of the real engine; every
    suggestion asks for `words` words (as tokens of this text)."""
    result: dict = {}
    opening = text[:12000]  # ~2.7k tokens: learned in about half a minute
    engine = EngineProcess(threads=threads, model=model)
    try:
        engine.request(id="hello", type="hello")
        writer = Writer(engine, "novel")
        opened = engine.request(id="open", type="open_document", doc="novel", text=opening)
        max_tokens = round(words * opened["tokens"] / len(opening.split()))
        result["suggestion_target_tokens"] = max_tokens
        writer.until_learned()
        cold = writer.suggest(opening, max_tokens)
        result["ttft_cold_seconds"] = cold["ttft"]
        result["cold_prompt_tokens"] = cold["prompt_tokens_evaluated"]
        again = writer.suggest(opening, max_tokens, seed=2)  # Ctrl+R: another suggestion, same place
        result["ttft_another_seconds"] = again["ttft"]

        accepted = opening + again["text"]
        after_accept = writer.suggest(accepted, max_tokens, seed=3)
        result["ttft_after_accept_seconds"] = after_accept["ttft"]
        result[f"suggestion_{words}_words_seconds"] = after_accept["total"]
        result["suggestion_words"] = len(after_accept["text"].split())
        result["decode_tokens_per_second"] = after_accept["rate"]
        result["suggestion_ends_at_sentence"] = after_accept["text"].rstrip()[-1:] in ".!?\"'”’)"

        typed = accepted + after_accept["text"] + SENTENCE
        after_typing = writer.suggest(typed, max_tokens, seed=4)
        result["ttft_after_typing_seconds"] = after_typing["ttft"]
        result["after_typing_prompt_tokens"] = after_typing["prompt_tokens_evaluated"]
        typed += after_typing["text"] + SENTENCE
        writer.update(typed, cursor=len(typed))  # what the app sends a few seconds after the writer typed
        time.sleep(1.0)  # the warm-up runs meanwhile
        warm = writer.suggest(typed, max_tokens, seed=5)
        result["ttft_after_typing_warm_seconds"] = warm["ttft"]
        result["after_typing_warm_prompt_tokens"] = warm["prompt_tokens_evaluated"]

        # One more chunk learned: a new adapter version since the last request.
        typed += warm["text"]
        grown = typed + text[len(opening) : len(opening) + 2500]
        writer.update(grown, cursor=len(grown))
        writer.until_learned()
        swap = writer.suggest(grown, max_tokens, seed=6)
        result["ttft_after_swap_seconds"] = swap["ttft"]
        result["after_swap_prompt_tokens"] = swap["prompt_tokens_evaluated"]

        # While absorbing: the rest of the book arrives, training starts, the writer asks for more.
        book = grown + text[len(opening) + 2500 : len(opening) + 60000]
        writer.update(book, cursor=len(book))
        writer.absorbed()
        busy = []
        for i in range(3):
            time.sleep(0.5 + i)  # land at different points of a training step
            busy.append(writer.suggest(book, max_tokens, seed=7 + i))
            book += busy[-1]["text"]
            writer.absorbed()  # training goes on after the suggestion
        result["ttft_while_absorbing_seconds"] = statistics.median(b["ttft"] for b in busy)
        result["decode_tokens_per_second_while_absorbing"] = statistics.median(b["rate"] for b in busy)
    finally:
        engine.stop()
    result.update(bare_decode(text[:12000], threads, model))
    bare = result["bare_decode_tokens_per_second"]
    result["decode_ratio_idle"] = result["decode_tokens_per_second"] / bare
    result["decode_ratio_while_absorbing"] = result["decode_tokens_per_second_while_absorbing"] / bare
    return result


def bare_decode(text: str, threads: int | None, model: str, tokens: int = 120) -> dict:
    """llama.cpp's own loop (`eval` then `generate`) on the model the engine loads, in this process: with
    every core (`bare_decode_tokens_per_second`) and with the engine's decoding threads."""
    import llama_cpp

    from engine.generate import Generator, decode_threads, default_threads
    from engine.models import inspect_model, resolve_model
    from engine.untie import generation_model_path

    cores = threads or default_threads()
    gen = Generator(generation_model_path(inspect_model(resolve_model(model))), threads=cores)
    result = {}
    try:
        prompt = gen.prompt_tokens(text, 200)
        for key, count in (
            ("bare_decode_tokens_per_second", cores),
            ("bare_decode_tokens_per_second_engine_threads", decode_threads(cores)),
        ):
            llama_cpp.llama_set_n_threads(gen.llm.ctx, count, cores)
            gen.llm.reset()
            gen.llm.eval(prompt)
            start, produced = time.perf_counter(), 0
            for _ in gen.llm.generate([], reset=False, temp=0.8, top_k=40, top_p=0.95, repeat_penalty=1.1):
                produced += 1
                if produced == 1:
                    start = time.perf_counter()  # as the engine's figure: from the first token on
                if produced == tokens:
                    break
            result[key] = (produced - 1) / (time.perf_counter() - start)
    finally:
        gen.close()
    result["decode_threads"] = decode_threads(cores)
    return result
