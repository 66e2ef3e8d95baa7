"""`longform --smoke-test`: does the app work on this machine? Open the window, wait until the display shows
it and the engine answers, then close as the writer would (the engine deletes its adapters) and exit 0.

packaging/smoke.py runs it on the bundle; the lines it prints are what that script times.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow

TIMEOUT_MS = 180_000  # the engine's first start caches the model (~12 s on 2 cores); a bundle may be slower
READY = ("idle", "absorbing")


def say(line: str) -> None:
    print(line, flush=True)


def run(app: QApplication, window: MainWindow) -> int:
    """Show `window`, report when it is on screen and when the engine is ready, close it; the exit status."""
    outcome = {"status": 1}
    shown = False

    def poll() -> None:
        nonlocal shown
        if not shown and window.windowHandle() is not None and window.windowHandle().isExposed():
            shown = True
            say(f"window shown on {app.platformName()}")
        if window.client.state == "error":
            say("engine failed")
            app.quit()
        elif shown and window.client.state in READY:
            say(f"engine ready ({window.client.state})")
            outcome["status"] = 0
            window.close()  # closeEvent stops the engine, which deletes its session folder
            app.quit()

    timer = QTimer(app, interval=100)
    timer.timeout.connect(poll)
    timer.start()
    QTimer.singleShot(TIMEOUT_MS, lambda: (say("timed out"), app.quit()))
    window.show()
    app.exec()
    if outcome["status"]:
        print("longform: the smoke test failed", file=sys.stderr)
    return outcome["status"]
