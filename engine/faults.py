"""Fault points for the fault-injection tests (tests/app/test_engine_faults.py).

`LONGFORM_FAULT_PAUSE=<point>:<seconds>` holds the engine at a named point so a test can kill it exactly
there. Unset (always, outside those tests), a fault point costs one environment lookup.
"""

from __future__ import annotations

import os
import time


def pause_if_asked(point: str) -> None:
    """Sleep here when a test asked to pause at `point`."""
    spec = os.environ.get("LONGFORM_FAULT_PAUSE", "")
    name, _, seconds = spec.partition(":")
    if name == point:
        time.sleep(float(seconds or 30))


def fail_if_asked(point: str) -> None:
    """Raise here when a test asked for a failure at `point` (`LONGFORM_FAULT_FAIL=<point>`)."""
    if os.environ.get("LONGFORM_FAULT_FAIL") == point:
        raise RuntimeError(f"a failure asked for at {point}")
