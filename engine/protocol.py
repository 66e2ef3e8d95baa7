"""The engine's JSON-lines protocol: request validation and event shapes (docs/PROTOCOL.md).

One JSON object per line each way. A request has `id` (string) and `type`; it is answered by zero or more
events carrying its id, then exactly one `done` or `error`. Unsolicited events carry `"id": null`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_LINE_BYTES = 64 * 1024 * 1024  # a 10 MB manuscript, JSON-escaped, fits with room to spare

_STR, _INT, _NUM, _DICT = (str,), (int,), (int, float), (dict,)

# Sampling options shared by the generation requests.
_SAMPLING = {
    "max_tokens": (_INT, False),
    "temperature": (_NUM, False),
    "top_p": (_NUM, False),
    "seed": (_INT, False),
}

# type -> {field: (allowed python types, required)}
SCHEMAS: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "hello": {},
    "load_model": {"model": (_STR, True)},
    "open_document": {
        "doc": (_STR, True),
        "text": (_STR, True),
        "settings": (_DICT, False),
        "cursor": (_INT, False),
    },
    "update_document": {"doc": (_STR, True), "text": (_STR, True), "cursor": (_INT, False)},
    "reset_document": {"doc": (_STR, True)},
    "continue": {"doc": (_STR, True), "text": (_STR, True), **_SAMPLING},
    "generate_chapter": {"doc": (_STR, True), "title": (_STR, True), "notes": (_STR, False), **_SAMPLING},
    "cancel": {"target": (_STR, True)},
    "status": {"doc": (_STR, False)},
    "close_document": {"doc": (_STR, True)},
    "shutdown": {},
}


class ProtocolError(Exception):
    """A request that cannot be served; becomes an `error` event."""

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.request_id = code, message, request_id


@dataclass
class Request:
    """A validated request."""

    id: str
    type: str
    fields: dict[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def parse_request(line: str | bytes) -> Request:
    """Validate one line; raise ProtocolError with the request's id when it could be read."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "the line is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError("bad_request", "a request must be a JSON object")
    request_id = obj.get("id")
    if not isinstance(request_id, str) or not request_id:
        raise ProtocolError("bad_request", "`id` must be a non-empty string")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in SCHEMAS:
        raise ProtocolError("unknown_type", f"unknown request type {kind!r}", request_id)
    fields = {}
    for name, (types, required) in SCHEMAS[kind].items():
        if name not in obj:
            if required:
                raise ProtocolError("bad_request", f"`{kind}` needs `{name}`", request_id)
            continue
        value = obj[name]
        if not isinstance(value, types) or isinstance(value, bool):
            raise ProtocolError("bad_request", f"`{name}` has the wrong type", request_id)
        fields[name] = value
    return Request(request_id, kind, fields)


def encode(event: dict) -> str:
    """One event as one line (no raw newlines inside: JSON escapes them)."""
    return json.dumps(event, ensure_ascii=False, allow_nan=False) + "\n"
