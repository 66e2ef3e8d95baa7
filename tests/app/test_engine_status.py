"""The box shown when the engine cannot run: each button does what it says, and nothing else."""

from __future__ import annotations

import pytest

from app.engine_status import EngineFailedBox


@pytest.mark.parametrize(
    ("button", "done"),
    [("Use the default model", ["default"]), ("Open Settings…", ["settings"]), ("Close", [])],
)
def test_each_button_of_the_engine_failed_box_does_its_own_thing(qtbot, button, done):
    did = []
    message = "The engine could not start: broken.gguf"
    box = EngineFailedBox(None, message, lambda: did.append("default"), lambda: did.append("settings"))
    qtbot.addWidget(box)
    assert box.isVisible() and "broken.gguf" in box.text()
    next(b for b in box.buttons() if b.text().replace("&", "") == button).click()
    assert did == done
