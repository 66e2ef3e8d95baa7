"""docs/PROTOCOL.md against engine/protocol.py: every message and field documented, nothing more."""

from __future__ import annotations

import re
from pathlib import Path

from engine import protocol

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
NAME = re.compile(r"`([a-z_]+)`")


def fields(struct, *leave_out: str) -> set[str]:
    return set(struct.__struct_fields__) - set(leave_out)


def table(header: str) -> list[list[str]]:
    lines = PAGE[PAGE.index(header) :].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def done_fields(cell: str) -> set[str]:
    braces = re.search(r"\{([^}]*)\}", cell).group(1)
    named = set(NAME.findall(braces))
    if "the absorption fields" in braces:
        named |= fields(protocol.DocumentProgress)
    return named


def test_every_request_and_its_done_are_documented_field_by_field():
    rows = table("| request | fields | done |")
    documented = {NAME.search(row[0]).group(1): row for row in rows}
    assert set(documented) == set(protocol.REQUESTS)
    for kind, (_, request_cell, done_cell) in documented.items():
        assert set(NAME.findall(request_cell)) == fields(protocol.REQUESTS[kind], "id"), kind
        assert done_fields(done_cell) == fields(protocol.DONES[kind], "id", "type"), kind


def test_the_absorption_event_is_documented_field_by_field():
    example = PAGE[PAGE.index("Unsolicited: `{") :].split("}`", 1)[0]
    assert set(re.findall(r'"([a-z_]+)":', example)) == fields(protocol.Absorption) | {"type"}


def test_every_error_code_and_field_is_documented():
    codes = {NAME.search(row[0]).group(1) for row in table("| code | when |")}
    assert codes == {code.value for code in protocol.ErrorCode}
    sentence = PAGE[PAGE.index("An `error` has") :].split("\n\n", 1)[0]
    assert set(NAME.findall(sentence)) - {"error"} == fields(protocol.Error, "id")


def test_a_token_carries_its_text():
    assert "`token` events with `text`" in PAGE and fields(protocol.Token, "id") == {"text"}
