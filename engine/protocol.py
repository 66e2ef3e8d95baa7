"""The engine's JSON-lines protocol, typed: every request and event is a struct here (docs/PROTOCOL.md).

Both sides import this module and nothing else of each other's (it imports no Qt, torch or llama.cpp). One
JSON object per line each way. A request has `id` (a non-empty string) and `type`; it is answered by zero
or more `token` events carrying its id, then exactly one `done` or `error` that names the request's type
in `request`. Unsolicited events (`absorption`, an `absorption_failed` error) carry `"id": null`.

msgspec decodes and validates a line in one pass straight into these structs (a 64 MiB line in well under
a second); a request that does not fit is answered with an `error` whose code says why.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

import msgspec
from msgspec import Meta, Struct

MAX_LINE_BYTES = 64 * 1024 * 1024  # a 10 MB manuscript, JSON-escaped, fits with room to spare
DEFAULT_MAX_TOKENS = 200


class ErrorCode(enum.StrEnum):
    BAD_JSON = "bad_json"
    BAD_REQUEST = "bad_request"
    UNKNOWN_TYPE = "unknown_type"
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_DOC = "unknown_doc"
    DOC_OPEN = "doc_open"
    UNKNOWN_TARGET = "unknown_target"
    NOT_CANCELLABLE = "not_cancellable"
    INTERNAL_ERROR = "internal_error"
    LINE_TOO_LONG = "line_too_long"
    CANCELLED = "cancelled"
    MODEL_ERROR = "model_error"
    BAD_INPUT = "bad_input"
    GENERATION_FAILED = "generation_failed"
    ABSORPTION_FAILED = "absorption_failed"
    ENGINE_DIED = "engine_died"  # made by the app for the requests in flight when the engine process ends


RequestId = Annotated[str, Meta(min_length=1)]


# -- requests ------------------------------------------------------------------------------------------------
class Request(Struct, tag_field="type", kw_only=True, frozen=True):
    id: RequestId

    @property
    def type(self) -> str:
        return self.__struct_config__.tag


class Hello(Request, tag="hello"):
    pass


class LoadModel(Request, tag="load_model"):
    model: str  # `default`, `gemma3-270m` or a GGUF path


class OpenDocument(Request, tag="open_document"):
    doc: str
    text: str
    settings: dict[str, Any] = {}  # TempLoraConfig fields, e.g. {"lr": 0.0005}
    cursor: int | None = None  # where the writer's cursor is in `text`, in characters


class UpdateDocument(Request, tag="update_document"):
    doc: str
    text: str  # the whole new text
    cursor: int | None = None


class ResetDocument(Request, tag="reset_document"):
    doc: str


class Continue(Request, tag="continue"):
    doc: str
    text: str  # the manuscript up to the cursor
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float = 0.8
    top_p: float = 0.95
    seed: int = 0


class GenerateChapter(Request, tag="generate_chapter"):
    doc: str
    title: str  # the chapter's heading, as it is to stand in the book ("CHAPTER XIII")
    beats: list[str] = []  # what happens, in order: each beat steers a section of its own
    beat_tokens: list[int] = []  # a beat's section length (0 or missing: a share of what max_tokens leaves)
    notes: str = ""  # beats in one text, one a line (or split by ";"), when `beats` is empty
    text: str | None = None  # the manuscript before the new chapter (None: the whole document)
    max_tokens: int = DEFAULT_MAX_TOKENS  # the whole chapter's length, shared among its beats
    temperature: float = 0.8
    top_p: float = 0.95
    seed: int = 0


class Cancel(Request, tag="cancel"):
    target: str  # a request id


class Status(Request, tag="status"):
    doc: str | None = None


class CloseDocument(Request, tag="close_document"):
    doc: str


class Shutdown(Request, tag="shutdown"):
    pass


REQUESTS: dict[str, type[Request]] = {kind.__struct_config__.tag: kind for kind in Request.__subclasses__()}
GENERATIONS = ("continue", "generate_chapter")


# -- events --------------------------------------------------------------------------------------------------
class Event(Struct, tag_field="type", kw_only=True):
    id: str | None = None

    @property
    def type(self) -> str:
        return self.__struct_config__.tag


class Token(Event, tag="token"):
    text: str


class Error(Event, tag="error"):
    code: str  # an ErrorCode; kept a string so that an app reads the codes of a newer engine
    message: str
    request: str | None = None  # the request's type, when the line could be read
    text: str | None = None  # `cancelled`: the partial text
    doc: str | None = None  # `absorption_failed`: the document


class DocumentProgress(Struct, kw_only=True):
    """How far a document's adapter has learned it (engine/chunk_map.py's status)."""

    doc: str
    chunks_absorbed: int
    chunks_total: int
    # Tokens training runs through (each chunk with its context, at every step), done and to do: chunks
    # differ in cost, so the app paces its ETA by work.
    work_absorbed: int
    work_total: int
    learnable_tokens: int  # where the complete chunks end; the tail after it waits for more words
    unlearned: list[tuple[int, int]]  # token ranges before learnable_tokens not learned yet
    adapter_version: int
    loss: float | None = None
    learning: tuple[int, int] | None = None  # the chunk the engine learns next (None: up to date)
    relearning: bool = False  # that chunk holds text the writer changed after it was learned
    # The book's names the adapter has learned best (engine/known_words.py), best first, each with how many
    # times likelier the adapter makes it than the base model did: [["Anne", 6.2], ...]; at most 8.
    known_words: list[tuple[str, float]] = []


class Absorption(DocumentProgress, tag_field="type", tag="absorption", kw_only=True):
    """Unsolicited, after each absorbed chunk (its adapter is exported first)."""

    id: None = None

    @property
    def type(self) -> str:
        return "absorption"


# A `done` names its request's type in `request`; its other fields are that request's result.
class Done(Struct, tag_field="request", kw_only=True):
    id: str
    type: Literal["done"] = "done"


class HelloDone(Done, tag="hello"):
    version: str
    model: str
    architecture: str
    device: str
    threads: int
    window: int


class ModelLoaded(Done, tag="load_model"):
    model: str


class DocumentOpened(Done, tag="open_document"):
    doc: str
    tokens: int
    chunks_total: int


class DocumentReset(Done, tag="reset_document"):
    pass


class Generated(Done, tag="continue"):
    text: str  # the final text: shorter than the streamed tokens when it was cut back to a sentence end
    tokens: int
    seconds: float
    first_token_seconds: float | None
    prompt_tokens_evaluated: int
    adapter_version: int


class ChapterGenerated(Generated, tag="generate_chapter"):
    sections: list[str] = []  # the chapter's text beat by beat (joined by blank lines, they are `text`)


class Cancelled(Done, tag="cancel"):
    pass


class StatusDone(Done, tag="status"):
    documents: list[DocumentProgress]


class DocumentClosed(Done, tag="close_document"):
    doc: str
    adapter_deleted: bool


class ShutDown(Done, tag="shutdown"):
    pass


class DocumentUpdated(DocumentProgress, tag_field="request", tag="update_document", kw_only=True):
    """The absorption fields as they stand after the edit (without `loss`), so the app can say what it costs.

    Not a subclass of Done (a struct has one base with fields): `is_done` knows it."""

    id: str
    type: Literal["done"] = "done"
    new_chunks: int  # complete chunks not learned now


def _tag(kind) -> str:
    return kind.__struct_config__.tag


DONES: dict[str, type[Struct]] = {
    _tag(kind): kind for kind in (*Done.__subclasses__(), ChapterGenerated, DocumentUpdated)
}
assert set(DONES) == set(REQUESTS), "every request has its done"


def is_done(event) -> bool:
    return isinstance(event, tuple(DONES.values()))


# -- lines ---------------------------------------------------------------------------------------------------
class ProtocolError(Exception):
    """A request that cannot be served; becomes an `error` event."""

    def __init__(
        self, code: ErrorCode, message: str, request_id: str | None = None, request: str | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.request_id, self.request = code, message, request_id, request


_requests = msgspec.json.Decoder(Union[tuple(REQUESTS.values())])  # noqa: UP007 (a runtime union)
_events = msgspec.json.Decoder(Token | Error | Absorption)
_dones = {kind: msgspec.json.Decoder(struct) for kind, struct in DONES.items()}
_encoder = msgspec.json.Encoder()


class _Envelope(Struct):
    type: str
    id: str | None = None
    request: str | None = None


_envelope = msgspec.json.Decoder(_Envelope)


def parse_request(line: str | bytes) -> Request:
    """One line as a request; raise ProtocolError (with the request's id when it could be read)."""
    try:
        return _requests.decode(line)
    except msgspec.ValidationError as e:
        raise _why_not(line, e) from None
    except (msgspec.DecodeError, RecursionError):
        raise ProtocolError(ErrorCode.BAD_JSON, "the line is not valid JSON") from None


def _why_not(line: str | bytes, problem: msgspec.ValidationError) -> ProtocolError:
    try:
        obj = msgspec.json.decode(line)
    except (msgspec.DecodeError, RecursionError):  # found only after the shape was (e.g. trailing bytes)
        return ProtocolError(ErrorCode.BAD_JSON, "the line is not valid JSON")
    if not isinstance(obj, dict):
        return ProtocolError(ErrorCode.BAD_REQUEST, "a request must be a JSON object")
    request_id = obj.get("id")
    if not isinstance(request_id, str) or not request_id:
        return ProtocolError(ErrorCode.BAD_REQUEST, "`id` must be a non-empty string")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in REQUESTS:
        return ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown request type {kind!r}", request_id)
    return ProtocolError(ErrorCode.BAD_REQUEST, f"`{kind}`: {problem}", request_id, kind)


def encode(message: Struct) -> bytes:
    """One request or event as one line (no raw newline inside: JSON escapes them)."""
    return _encoder.encode(message) + b"\n"


def decode_event(line: bytes, pending: Mapping[str, str] | None = None):
    """One line from the engine as an event. A `done` is read as the answer to its request: `pending` maps
    the ids of the requests in flight to their types (else the line's own `request` says). Raises
    ValueError for a line that is not an event."""
    try:
        envelope = _envelope.decode(line)
        if envelope.type != "done":
            return _events.decode(line)
        kind = (pending or {}).get(envelope.id or "") or envelope.request
        if kind not in _dones:
            raise ValueError(f"a done for an unknown request ({kind!r})")
        return _dones[kind].decode(line)
    except (msgspec.DecodeError, RecursionError) as e:  # ValidationError is a DecodeError
        raise ValueError(str(e)) from None
