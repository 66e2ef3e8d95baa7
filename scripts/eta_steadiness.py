"""How steady the absorption panel's "Time left" is: a real absorption recorded once, then replayed.

    flock /tmp/heavy.lock python scripts/eta_steadiness.py record ../shared/corpus/austen/persuasion.txt \
        -o eta.json [--seconds 180] [--continue-every 60]
    python scripts/eta_steadiness.py replay eta.json [--every 15] [--windows 60 120]

`record` runs the real engine process (`longform-engine serve`, two threads) on the book and writes each
absorption event with the time it arrived (time.perf_counter, a monotonic clock), for `--seconds` after the
first one; every `--continue-every` seconds it asks for a continuation, as a writer would, so the recording
holds the pauses a generation causes.

`replay` feeds the recording through the app's `Absorption.update`, as the engine session does, and reads the
estimate as the panel would show it every `--every` seconds, from every starting second (so each 15-s pair of
readings in the recording is seen once). It prints, for the estimate before session 15 (the pace of the last
5 intervals) and the app's: the largest change between two readings, in seconds and as a share of the
first, and how far the readings were from the true time left; `--windows` adds the app's rule paced by
other windows of learning than PACE_WINDOW_SECONDS. The absorption does not finish within a recording of a
novel, so the true end is extrapolated at the pace of the whole recording (its seconds per unit of work,
first event to last, the intervals a generation paused left out as the app leaves them out).
"""

from __future__ import annotations

import argparse
import itertools
import json
import queue
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the app, run from anywhere


def record(book: str, out: str, seconds: float, continue_every: float | None) -> None:
    """Absorb `book` in the real engine for `seconds` after its first absorption event, writing the stamps."""
    from engine.serve_client import EngineProcess
    from engine.text_files import read_text

    text = read_text(book)
    engine = EngineProcess(threads=2)
    marks: list[dict] = []
    try:
        engine.request(id="hello", type="hello", timeout=600)
        opened_at = engine.send(id="open", type="open_document", doc="novel", text=text)
        first = None
        asked = itertools.count(1)
        next_generation = None
        while first is None or time.perf_counter() - first < seconds:
            now = time.perf_counter()
            if next_generation is not None and now >= next_generation:
                request_id = f"continue{next(asked)}"
                # The manuscript up to the writer's cursor, a third of the way in (the engine reads its end).
                prompt = text[: len(text) // 3]
                sent = engine.send(id=request_id, type="continue", doc="novel", text=prompt, max_tokens=60)
                marks.append({"t": sent, "generation": "asked"})
                next_generation = sent + continue_every
            try:
                arrived, event = engine.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if event["type"] == "absorption":
                marks.append({"t": arrived, "absorption": event})
                if first is None:
                    first = arrived
                    next_generation = first + continue_every if continue_every else None
            elif event["type"] in ("done", "error") and str(event.get("id")).startswith("continue"):
                marks.append({"t": arrived, "generation": "answered"})
        status = engine.request(id="status", type="status", doc="novel")["documents"][0]
    finally:
        engine.stop()
    recording = {
        "book": Path(book).name,
        "opened_at": opened_at,
        "marks": marks,
        "status": {k: status[k] for k in ("chunks_absorbed", "chunks_total", "work_absorbed", "work_total")},
    }
    Path(out).write_text(json.dumps(recording, separators=(",", ":")))
    absorbed = sum("absorption" in m for m in marks)
    print(f"{absorbed} absorption events in {marks[-1]['t'] - first:.0f} s written to {out}")


def replay_estimates(recording: dict, progress_class) -> list[float | None]:
    """The panel's estimate at each whole second since the first absorption event of the recording."""
    from engine.protocol import Absorption as AbsorptionEvent

    marks = recording["marks"]
    first = next(m["t"] for m in marks if "absorption" in m)
    progress = progress_class("novel")
    generated_at = float("-inf")
    readings: list[float | None] = []
    for mark, following in itertools.zip_longest(marks, marks[1:]):
        if "generation" in mark:
            generated_at = mark["t"]
        else:
            fields = {k: v for k, v in mark["absorption"].items() if k not in ("id", "type")}
            progress.update(AbsorptionEvent(**fields), mark["t"], generated_at)
        until = following["t"] if following else mark["t"] + 1
        while first + len(readings) < until:  # what the panel shows until the next event
            readings.append(progress.eta_seconds() if first + len(readings) >= mark["t"] else None)
    return readings


def true_seconds_left(recording: dict) -> Callable[[float], float]:
    """The true time left at a time since the first event: the end extrapolated at the recording's pace.

    The pace is the whole recording's seconds per unit of work with the intervals a generation paused left
    out, as the app leaves them out: the time left if the writer asks for nothing more.
    """
    marks = recording["marks"]
    stamps = [(m["t"], m["absorption"]["work_absorbed"], m["absorption"]) for m in marks if "absorption" in m]
    asked = [m["t"] for m in marks if "generation" in m]
    alone = [
        (t2 - t1, w2 - w1)
        for (t1, w1, _), (t2, w2, _) in itertools.pairwise(stamps)
        if not any(t1 <= t <= t2 for t in asked)
    ]
    pace = sum(dt for dt, _ in alone) / sum(dw for _, dw in alone)
    (t0, _, _), (t1, _, last) = stamps[0], stamps[-1]
    end = t1 - t0 + (last["work_total"] - last["work_absorbed"]) * pace
    return lambda since_first: end - since_first


def steadiness(readings: list[float | None], apart: int, truth: Callable[[float], float]) -> dict:
    """How much the readings `apart` seconds apart change, and how far they are from the truth.

    The pairs start `apart` seconds after the first event: before that the estimate rests on a handful of
    chunks whatever the rule. A perfect estimate changes by `apart` between two readings (it counts down);
    the change beyond that is what the writer reads as the estimate changing its mind.
    """
    pairs = [
        (t, eta, later)
        for t, (eta, later) in enumerate(zip(readings, readings[apart:], strict=False))
        if t >= apart and eta and later is not None
    ]
    change = max((abs(later - eta), t) for t, eta, later in pairs)
    shares = [abs(later - eta) / eta for _, eta, later in pairs]
    beyond = [abs(later - (eta - apart)) for _, eta, later in pairs]
    errors = [abs(eta - truth(t)) / truth(t) for t, eta in enumerate(readings) if t >= apart and eta]
    return {
        "pairs": len(pairs),
        "largest_change_seconds": change[0],
        "at": change[1],
        "largest_change_share": max(shares),
        "median_change_share": statistics.median(shares),
        "p95_beyond_countdown_seconds": statistics.quantiles(beyond, n=20)[-1],
        "median_error_share": statistics.median(errors),
        "largest_error_share": max(errors),
    }


def replay(path: str, every: int, windows: list[float]) -> None:
    """Print the panel's readings and the steadiness of the estimate before session 15 and now."""
    from app import engine_session
    from app.absorption_panel import describe_eta
    from app.engine_session import Absorption

    recording = json.loads(Path(path).read_text())
    truth = true_seconds_left(recording)
    estimators = {"last 5 intervals (before)": _last_five_intervals(), "the app's (now)": Absorption}
    readings = {name: replay_estimates(recording, cls) for name, cls in estimators.items()}
    print(f"{recording['book']}: the panel every {every} s; the true time left extrapolated")
    print(f"{'since first':>11}  {'true':>16}  " + "  ".join(f"{name:>26}" for name in estimators))
    for t in range(0, len(readings["the app's (now)"]), every):
        row = [describe_eta(readings[name][t]).removeprefix("Time left: ") for name in estimators]
        true = describe_eta(truth(t)).removeprefix("Time left: ")
        print(f"{t:>10}s  {true:>16}  " + "  ".join(f"{text:>26}" for text in row))
    for name in estimators:
        print(f"{name}: {summary(steadiness(readings[name], every, truth), every)}")
    chosen = engine_session.PACE_WINDOW_SECONDS
    for window in windows:  # the app's rule paced by another window, for the choice of PACE_WINDOW_SECONDS
        engine_session.PACE_WINDOW_SECONDS = window
        try:
            readings = replay_estimates(recording, Absorption)
        finally:
            engine_session.PACE_WINDOW_SECONDS = chosen
        print(f"the app's, paced by {window:g} s: {summary(steadiness(readings, every, truth), every)}")


def summary(s: dict, every: int) -> str:
    return (
        f"change between readings {every} s apart: largest {s['largest_change_seconds']:.0f} s "
        f"(at {s['at']} s), largest share {s['largest_change_share']:.1%}, median share "
        f"{s['median_change_share']:.1%}; beyond the countdown, 95th percentile "
        f"{s['p95_beyond_countdown_seconds']:.0f} s ({s['pairs']} pairs); from the true time left: "
        f"median {s['median_error_share']:.1%}, largest {s['largest_error_share']:.1%}"
    )


def _last_five_intervals():
    from app.engine_session import Absorption

    class LastFiveIntervals(Absorption):
        """The estimate before session 15: the pace of the last 5 intervals between events."""

        def seconds_per_work(self) -> float | None:
            learning = [
                (t2 - t1, w2 - w1, generated2 < t1)
                for (t1, w1, total1, _), (t2, w2, _, generated2) in itertools.pairwise(self.stamps[-6:])
                if w1 < total1 and w2 > w1
            ]
            busy = [(dt, dw) for dt, dw, alone in learning if alone] or [(dt, dw) for dt, dw, _ in learning]
            return sum(dt for dt, _ in busy) / sum(dw for _, dw in busy) if busy else None

        def eta_seconds(self) -> float | None:
            pace = self.seconds_per_work()
            return None if pace is None else max(0.0, (self.work_total - self.work_absorbed) * pace)

    return LastFiveIntervals


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="absorb a book in the real engine and write the stamps")
    rec.add_argument("book")
    rec.add_argument("-o", "--out", required=True)
    rec.add_argument("--seconds", type=float, default=180.0)
    rec.add_argument("--continue-every", type=float, default=None, help="ask for a continuation this often")
    rep = commands.add_parser("replay", help="the panel's estimate from a recording, before and now")
    rep.add_argument("recording")
    rep.add_argument("--every", type=int, default=15, help="seconds between the writer's readings")
    rep.add_argument(
        "--windows", type=float, nargs="*", default=[], help="also the app's rule paced by these seconds"
    )
    args = parser.parse_args()
    if args.command == "record":
        record(args.book, args.out, args.seconds, args.continue_every)
    else:
        replay(args.recording, args.every, args.windows)
