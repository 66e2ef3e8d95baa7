"""A broken engine for tests: answers `hello` and `open_document`, and prints garbage among its events (lines
that are not JSON, not objects, an absorption with counts that are not numbers, a done without its fields)
and a half line."""

from __future__ import annotations

import json
import sys

HELLO = {
    "version": "0.1.0",
    "model": "garbage",
    "architecture": "llama",
    "device": "cpu",
    "threads": 1,
    "window": 64,
}
ANSWERS = {
    "hello": lambda request: HELLO,
    "open_document": lambda request: {"doc": request["doc"], "tokens": 0, "chunks_total": 0},
    "shutdown": lambda request: {},
}


def main() -> int:
    out = sys.stdout.buffer
    for raw in sys.stdin.buffer:
        try:
            request = json.loads(raw)
        except ValueError:
            continue
        out.write(b'\xff\xfe garbage \x00\n[1, 2, 3]\n{"no": "type"}\n' + b"x" * 100_000 + b"\n")
        out.write(json.dumps({"id": request.get("id"), "type": "done", "version": "broken"}).encode() + b"\n")
        answer = ANSWERS.get(request.get("type"))
        if answer is not None:
            out.write(
                json.dumps({"id": request.get("id"), "type": "done", **answer(request)}).encode() + b"\n"
            )
        if request.get("type") == "open_document":
            out.write(
                b'{"id": null, "type": "absorption", "doc": "'
                + request["doc"].encode()
                + b'", "chunks_absorbed": "many", "chunks_total": null}\n'
            )
        out.write(b'{"id": "half a line')
        out.flush()
        if request.get("type") == "shutdown":
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
