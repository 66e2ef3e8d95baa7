"""A broken engine for tests: answers `hello`, then prints garbage among its events and a half line."""

from __future__ import annotations

import json
import sys


def main() -> int:
    out = sys.stdout.buffer
    for raw in sys.stdin.buffer:
        try:
            request = json.loads(raw)
        except ValueError:
            continue
        out.write(b'\xff\xfe garbage \x00\n[1, 2, 3]\n{"no": "type"}\n' + b"x" * 100_000 + b"\n")
        out.write(json.dumps({"id": request.get("id"), "type": "done", "version": "broken"}).encode() + b"\n")
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
