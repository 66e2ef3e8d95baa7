"""`longform-engine serve`: the engine process the desktop app talks to over stdin/stdout (JSON lines).

Four threads share one loaded model:
- the reader (main thread) validates each request line and answers the quick ones at once;
- the documents thread opens, updates and closes documents in the order they were asked for (tokenizing a
  10 MB manuscript or waiting for a training step to end never holds up the reader);
- the generator thread serves `continue` / `generate_chapter` one at a time (llama.cpp);
- the absorber thread trains each open document's adapter chunk by chunk (torch) and exports it.
Generation has priority: while one is waiting or running, training pauses at the next decoder layer
(forward or backward), so a `continue` never waits for a whole training step.

The generator keeps the window's KV cache warm: when the writer's text changes (`update_document` with
a `cursor`), the generator thread evaluates the new tokens of the window ending at the cursor while it has
nothing else to do, so Ctrl+Enter finds its prompt already processed. A new adapter (one per learned
chunk) is attached without dropping that cache, up to REUSE_VERSIONS versions (Temp-Lora's cache reuse).
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from dataclasses import dataclass

import torch

from engine import __version__
from engine.absorb import learn_chunk
from engine.chunk_map import Chunk, ChunkMap
from engine.config import TempLoraConfig
from engine.errors import UserError
from engine.generate import Sampling
from engine.protocol import MAX_LINE_BYTES, ProtocolError, Request, encode, parse_request
from engine.runtime import LoadedModel
from engine.store import AdapterStore

log = logging.getLogger(__name__)

# Keep the window's cache across this many adapter versions (one a learned chunk) before evaluating it
# afresh. Measured on the first 32k tokens of Persuasion (scripts/cache_reuse.py, docs/BENCHMARKS.md,
# "Cache reuse"): the next chunk's perplexity with a cache 1 / 4 / 8 / 16 / 32 versions stale is +0.10% /
# +0.21% / +0.23% / +0.48% / +0.75% over a fresh one; 16 keeps it under 0.5% (a fortieth of the adapter's
# gain) while the writer gets a suggestion at once through 16 learned chunks (~1 minute of absorbing).
REUSE_VERSIONS = 16
WARM_STEP = 64  # tokens a warm-up evaluates between looks at the generation queue
DEFAULT_MAX_TOKENS = 200


@dataclass
class Document:
    """An open document: its tokens and which of its chunks the adapter has learned."""

    doc: str
    text: str
    tokens: torch.Tensor
    config: TempLoraConfig
    chunks: ChunkMap
    adapter_version: int = 0
    loss: float | None = None
    closed: bool = False
    place: int | None = None  # the writer's cursor, in tokens (approximately): learned first


class Abandoned(Exception):
    """The document being trained was closed (or the engine is stopping): drop the chunk at once."""


class EngineServer:
    """Serves one GUI over stdin/stdout until shutdown or end of input."""

    def __init__(self, model_spec: str, config: TempLoraConfig, threads: int | None = None, out=None) -> None:
        self.out = out or sys.stdout
        self.out_lock = threading.Lock()
        self.config = config
        self.threads = threads
        self.store = AdapterStore()
        self.model = LoadedModel(model_spec, config, threads=threads)
        self.docs: dict[str, Document] = {}
        self.lock = threading.RLock()  # guards docs and the model objects' shared state
        self.train_lock = threading.Lock()  # held by the absorber while it trains or exports
        # request id -> cancel flag (generations) or None (document work, which cannot be cancelled)
        self.in_flight: dict[str, threading.Event | None] = {}
        self.training: Document | None = None  # the document whose chunk the absorber is learning
        self.generation_pending = threading.Event()
        self.generations: queue.Queue = queue.Queue()
        self.document_jobs: queue.Queue = queue.Queue()
        self.wake_absorber = threading.Event()
        self.stopping = threading.Event()
        self.warm_up: tuple[str, str] | None = None  # (doc, text up to the cursor): the window to evaluate
        self.max_tokens: dict[str, int] = {}  # doc -> the length its last suggestion asked for
        self.arrived: dict[str, float] = {}  # generation request id -> when its line was read
        self._hooks_installed = False
        self.absorption_error: str | None = None  # the last failure told to the GUI
        threading.Thread(target=self._documents_loop, name="documents", daemon=True).start()
        threading.Thread(target=self._generator_loop, name="generator", daemon=True).start()
        threading.Thread(target=self._absorber_loop, name="absorber", daemon=True).start()

    # -- output ---------------------------------------------------------------------------------------------
    def emit(self, event: dict) -> None:
        with self.out_lock:
            try:
                self.out.write(encode(event))
                self.out.flush()
            except (BrokenPipeError, ValueError):
                self.stopping.set()

    def done(self, request_id: str, **result) -> None:
        self.emit({"id": request_id, "type": "done", **result})

    def error(self, request_id: str | None, code: str, message: str, **extra) -> None:
        self.emit({"id": request_id, "type": "error", "code": code, "message": message, **extra})

    # -- reader ---------------------------------------------------------------------------------------------
    def serve(self, stream=None) -> int:
        """Read requests until shutdown or end of input; then delete every adapter."""
        stream = stream or sys.stdin.buffer
        try:
            while not self.stopping.is_set():
                line = stream.readline(MAX_LINE_BYTES + 1)
                if not line:
                    break  # the GUI is gone
                if len(line) > MAX_LINE_BYTES:
                    self.error(
                        None, "line_too_long", f"a request line may hold at most {MAX_LINE_BYTES} bytes"
                    )
                    while line and not line.endswith(b"\n"):
                        line = stream.readline(MAX_LINE_BYTES)
                    continue
                if not line.strip():
                    continue
                self.handle_line(line)
        finally:
            self.close()
        return 0

    def handle_line(self, line: bytes) -> None:
        """Answer one request line; whatever goes wrong, the request gets its `error` and serving goes on."""
        try:
            request = parse_request(line)
        except ProtocolError as e:
            self.error(e.request_id, e.code, e.message)
            return
        if request.id in self.in_flight:
            self.error(request.id, "duplicate_id", f"request {request.id!r} is still in flight")
            return
        self.answer(request, getattr(self, "on_" + request.type))

    def answer(self, request: Request, handler) -> None:
        """Run one request's handler; any failure becomes that request's `error`."""
        try:
            handler(request)
        except ProtocolError as e:
            self.error(request.id, e.code, e.message)
        except UserError as e:
            self.error(request.id, e.code, str(e))
        except Exception as e:  # a bug must not take the writer's engine down; it is logged in full
            log.exception("request %s failed", request.id)
            self.error(request.id, "internal_error", f"{type(e).__name__}: {e}")

    def _document(self, request: Request) -> Document:
        doc = self.docs.get(request.get("doc"))
        if doc is None:
            raise ProtocolError("unknown_doc", f"no open document {request.get('doc')!r}", request.id)
        return doc

    # -- quick requests ------------------------------------------------------------------------------------
    def on_hello(self, request: Request) -> None:
        self.done(
            request.id,
            version=__version__,
            model=str(self.model.info.path),
            architecture=self.model.info.architecture,
            device="cuda" if torch.cuda.is_available() else "cpu",
            threads=self.threads or torch.get_num_threads(),
            window=self.config.window,
        )

    def on_status(self, request: Request) -> None:
        with self.lock:
            docs = [self._document(request)] if request.get("doc") else list(self.docs.values())
            self.done(request.id, documents=[self._doc_status(d) for d in docs])

    def _doc_status(self, d: Document) -> dict:
        return {"doc": d.doc, **d.chunks.status(), "adapter_version": d.adapter_version, "loss": d.loss}

    def on_open_document(self, request: Request) -> None:
        name = request.get("doc")
        if name in self.docs:
            raise ProtocolError("doc_open", f"document {name!r} is already open", request.id)
        settings = request.get("settings") or {}
        try:
            config = self.config.replace(**{k: v for k, v in settings.items() if k != "window"})
        except (TypeError, ValueError) as e:
            raise ProtocolError("bad_request", f"bad settings: {e}", request.id) from None
        with self.lock:  # known at once, so requests for it are accepted; its tokens come next
            self.docs[name] = Document(
                name, request.get("text"), torch.zeros(0, dtype=torch.long), config, ChunkMap(config)
            )
        self._queue_document_job(request, self._tokenize_document)

    def _tokenize_document(self, request: Request) -> None:
        doc = self._document(request)
        tokens = self.model.tokens(doc.text)
        with self.lock:
            doc.tokens, doc.chunks = tokens, ChunkMap(doc.config, len(tokens))
            chunks_total = len(doc.chunks.complete())
        self.done(request.id, doc=doc.doc, tokens=len(tokens), chunks_total=chunks_total)
        self.wake_absorber.set()
        self._warm_soon(doc, request)

    def _warm_soon(self, doc: Document, request: Request) -> None:
        """Ask the generator to evaluate the window ending at the writer's cursor, when it is free."""
        cursor = request.get("cursor")
        if cursor is not None:
            self.warm_up = (doc.doc, doc.text[: max(0, cursor)])
            # The token the cursor is at, by the text's own characters per token: close enough to choose
            # which chunks to learn first, without tokenizing a prefix of a 10 MB text.
            doc.place = round(len(doc.tokens) * min(1.0, max(0, cursor) / max(1, len(doc.text))))

    def on_update_document(self, request: Request) -> None:
        self._document(request)
        self._queue_document_job(request, self._update_document)

    def _update_document(self, request: Request) -> None:
        doc = self._document(request)
        text = request.get("text")
        tokens = self.model.tokens(text)
        with self.lock:
            # Only the chunks the edit touched wait to be learned again (engine/chunk_map.py).
            doc.chunks.edit(doc.tokens, tokens)
            doc.text, doc.tokens = text, tokens
            status = self._doc_status(doc)
            new_chunks = status["chunks_total"] - status["chunks_absorbed"]
        del status["loss"]  # the absorption fields as they stand now, so the GUI can say what the edit costs
        self.done(request.id, new_chunks=new_chunks, **status)
        self.wake_absorber.set()
        self._warm_soon(doc, request)

    def _queue_document_job(self, request: Request, job) -> None:
        """Document work runs in request order on the documents thread; the reader moves on."""
        self.in_flight[request.id] = None
        self.document_jobs.put((request, job))

    def _documents_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                request, job = self.document_jobs.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self.answer(request, job)
            finally:
                self.in_flight.pop(request.id, None)

    def on_reset_document(self, request: Request) -> None:
        self._document(request)
        self._queue_document_job(request, self._reset_document)

    def _reset_document(self, request: Request) -> None:
        doc = self._document(request)
        with self.train_lock, self.lock:
            if self._trainer_ready() and doc.doc in self.model.trainer.adapters:
                self.model.trainer.remove_adapter(doc.doc)
            doc.chunks.forget()
            doc.loss = None
        self.done(request.id)
        self.wake_absorber.set()

    def on_close_document(self, request: Request) -> None:
        self._document(request)
        self._queue_document_job(request, self._close_document)

    def _close_document(self, request: Request) -> None:
        doc = self._document(request)
        doc.closed = True  # the absorber drops it at its next chunk; the lock waits for the current one
        if self.warm_up and self.warm_up[0] == doc.doc:
            self.warm_up = None
        with self.train_lock, self.lock:
            del self.docs[doc.doc]
            if self._trainer_ready() and doc.doc in self.model.trainer.adapters:
                self.model.trainer.remove_adapter(doc.doc)
            self.store.delete(doc.doc)
        self.done(request.id, doc=doc.doc, adapter_deleted=True)

    def on_cancel(self, request: Request) -> None:
        target = request.get("target")
        if target not in self.in_flight:
            raise ProtocolError("unknown_target", f"no request {target!r} in flight", request.id)
        flag = self.in_flight.get(target)
        if flag is None:
            raise ProtocolError("not_cancellable", f"request {target!r} is document work", request.id)
        flag.set()
        self.done(request.id)

    def on_shutdown(self, request: Request) -> None:
        self.stopping.set()
        for flag in list(self.in_flight.values()):
            if flag is not None:
                flag.set()
        self.close()
        self.done(request.id)

    def on_load_model(self, request: Request) -> None:
        self._queue_document_job(request, self._load_model)

    def _load_model(self, request: Request) -> None:
        with self.train_lock, self.lock:
            new = LoadedModel(request.get("model"), self.config, threads=self.threads)
            old, self.model = self.model, new
            self._hooks_installed = False
            for d in self.docs.values():  # every document re-absorbs with the new model
                d.tokens = new.tokens(d.text)
                d.chunks, d.adapter_version, d.loss = ChunkMap(d.config, len(d.tokens)), 0, None
                self.store.delete(d.doc)
            old.close()
        self.done(request.id, model=str(new.info.path))
        self.wake_absorber.set()

    # -- generation ----------------------------------------------------------------------------------------
    def on_continue(self, request: Request) -> None:
        self._document(request)
        self._queue_generation(request, request.get("text"))

    def on_generate_chapter(self, request: Request) -> None:
        """A new chapter after the manuscript: its heading (and the writer's notes) end the prompt."""
        doc = self._document(request)
        manuscript = doc.text.rstrip()
        notes = request.get("notes", "").strip()
        if notes:
            manuscript += f"\n\n[Notes for the next chapter: {notes}]"
        self._queue_generation(request, f"{manuscript}\n\n{request.get('title').strip()}\n\n")

    def _queue_generation(self, request: Request, text: str) -> None:
        self.arrived[request.id] = time.perf_counter()
        self.in_flight[request.id] = threading.Event()
        self.generation_pending.set()
        self.generations.put((request, text))

    def _generator_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                request, text = self.generations.get(timeout=0.05)
            except queue.Empty:
                self._warm()
                continue
            try:
                self._generate(request, text)
            except Exception as e:  # a generation failing must not end the engine
                log.exception("generation failed")
                self.error(request.id, "generation_failed", str(e))
            finally:
                self.in_flight.pop(request.id, None)
                if self.generations.empty():
                    self.generation_pending.clear()

    def _attach_adapter(self, doc: Document) -> int:
        """Attach the document's newest adapter (keeping the window's cache where reuse allows)."""
        with self.lock:
            version = doc.adapter_version
            path = self.store.path_for(doc.doc) if version else None
            self.model.generator.use_adapter(path, (doc.doc, version), REUSE_VERSIONS)
        return version

    def _warm(self) -> None:
        """Evaluate the window at the writer's cursor, a little at a time, while no generation waits."""
        job = self.warm_up
        if job is None:
            return
        doc = self.docs.get(job[0])
        if doc is None or doc.closed:
            self.warm_up = None
            return
        gen = self.model.generator
        self.generation_pending.set()  # short: training waits at its next layer, as for a generation
        try:
            self._attach_adapter(doc)
            window = gen.window_for(job[1], self.max_tokens.get(doc.doc, DEFAULT_MAX_TOKENS))
            while self.generations.empty() and not self.stopping.is_set() and self.warm_up is job:
                if gen.load_window(window, WARM_STEP) == 0:
                    break
            if self.warm_up is job and self.generations.empty():
                self.warm_up = None  # done (else: a request came first, or newer text)
        except Exception:
            log.exception("warming the window failed")
            self.warm_up = None
        finally:
            if self.generations.empty():
                self.generation_pending.clear()

    def _generate(self, request: Request, text: str) -> None:
        cancel = self.in_flight[request.id]
        arrived = self.arrived.pop(request.id, time.perf_counter())
        doc = self.docs.get(request.get("doc"))
        if doc is None:
            raise ProtocolError("unknown_doc", "the document was closed", request.id)
        version = self._attach_adapter(doc)
        sampling = Sampling(
            temperature=float(request.get("temperature", 0.8)),
            top_p=float(request.get("top_p", 0.95)),
            seed=int(request.get("seed", 0)),
        )
        max_tokens = max(1, min(int(request.get("max_tokens", DEFAULT_MAX_TOKENS)), 8192))
        if request.type == "continue":
            self.max_tokens[doc.doc] = max_tokens
        first = None
        continuation = self.model.generator.stream(text, max_tokens, sampling, should_stop=cancel.is_set)
        for piece in continuation:
            first = first or time.perf_counter()
            self.emit({"id": request.id, "type": "token", "text": piece})
            if cancel.is_set():
                break
        if cancel.is_set():
            self.error(
                request.id, "cancelled", "the generation was cancelled", text="".join(continuation.pieces)
            )
            return
        result = continuation.text
        self.done(
            request.id,
            text=result,  # may be shorter than the tokens streamed: cut back to a sentence end
            tokens=continuation.tokens,
            seconds=round(time.perf_counter() - arrived, 3),
            first_token_seconds=round(first - arrived, 4) if first else None,
            prompt_tokens_evaluated=continuation.evaluated,
            adapter_version=version,
        )

    # -- absorption ----------------------------------------------------------------------------------------
    def _trainer_ready(self) -> bool:
        return self.model._trainer is not None

    def _install_pause_hooks(self) -> None:
        """Pause training at every decoder layer while a generation waits or runs."""
        if self._hooks_installed:
            return
        layers = self.model.trainer.causal_lm.model.layers

        def wait(*_):
            while self.generation_pending.is_set() and not self.stopping.is_set():
                time.sleep(0.01)
            if self.stopping.is_set() or (self.training is not None and self.training.closed):
                raise Abandoned

        # The output head too: its loss slices and their backward are the longest stretch without a layer.
        head = self.model.trainer.causal_lm.get_output_embeddings()
        for layer in [*layers, head]:
            layer.register_forward_pre_hook(wait)
            layer.register_full_backward_pre_hook(wait)
        self._hooks_installed = True

    def _next_job(self) -> tuple[Document, Chunk] | None:
        with self.lock:
            for d in self.docs.values():
                chunk = d.chunks.next_to_learn(d.place)
                if chunk is not None:
                    return d, chunk
        return None

    def _absorber_loop(self) -> None:
        while not self.stopping.is_set():
            job = self._next_job()
            if job is None:
                self.wake_absorber.wait(0.5)
                self.wake_absorber.clear()
                continue
            try:
                self._absorb_chunk(*job)
            except Exception as e:
                log.exception("absorption failed")
                said = f"{type(e).__name__}: {e}"
                if said != self.absorption_error:  # said once, not at every retry
                    self.absorption_error = said
                    self.error(None, "absorption_failed", f"learning failed: {said}", doc=job[0].doc)
                time.sleep(1)

    def _absorb_chunk(self, doc: Document, chunk: Chunk) -> None:
        with self.train_lock:
            if doc.closed or self.stopping.is_set():
                return
            trainer = self.model.trainer
            self._install_pause_hooks()
            if doc.doc not in trainer.adapters:
                trainer.add_adapter(doc.doc, doc.config)
            with self.lock:
                if not doc.chunks.still_there(chunk):
                    return  # an edit replaced it meanwhile
                tokens, chunks = doc.tokens, doc.chunks.spans()
                index = chunks.index(chunk.span)
                # The rate of what the adapter knows so far: in text order the rate of the chunk's place;
                # out of order (the writer's place first) higher; re-learning an edit lower, which kept
                # more of the gain on the pages after it than the place's rate (docs/BENCHMARKS.md, "Edits").
                lr_position = doc.chunks.learned_tokens()
            self.training = doc
            try:
                loss = learn_chunk(trainer, doc.doc, tokens, chunks, index, lr_position=lr_position)
            except Exception:
                if doc.closed or self.stopping.is_set():
                    return  # Abandoned (autograd may wrap it): the adapter is being deleted anyway
                raise
            finally:
                self.training = None
            path = self.model.export(doc.doc, self.store.path_for(doc.doc))
            with self.lock:
                if doc.closed:
                    path.unlink(missing_ok=True)
                    return
                # Learned, unless an edit meanwhile changed this chunk (then it was replaced by new ones).
                if doc.chunks.still_there(chunk):
                    chunk.learned = True
                doc.adapter_version += 1
                doc.loss = loss
                status = self._doc_status(doc)
        self.emit({"id": None, "type": "absorption", **status})

    def close(self) -> None:
        """Delete every adapter (idempotent); waits for an export in progress so none is left behind."""
        self.stopping.set()
        got = self.train_lock.acquire(timeout=60)
        try:
            self.store.close()
        finally:
            if got:
                self.train_lock.release()


def run_server(model_spec: str, threads: int | None, config: TempLoraConfig | None = None) -> int:
    """Entry point of `longform-engine serve`."""
    server = EngineServer(model_spec, config or TempLoraConfig(), threads=threads)
    return server.serve()
