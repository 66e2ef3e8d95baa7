"""The settings dialog, with real widgets offscreen: words and "Creativity" for the writer, the rest on
"Advanced", and the values back in Settings."""

from __future__ import annotations

from app.dialogs import SettingsDialog
from app.settings import Settings, load_settings, save_settings


def label_of(dialog: SettingsDialog, name: str) -> str:
    widget = dialog.spins[name]
    form = widget.parentWidget().layout()
    return form.labelForField(widget).text()


def test_the_writer_sees_words_and_creativity_and_the_engineering_is_advanced(qtbot):
    dialog = SettingsDialog(None, Settings(suggestion_words=120, temperature=0.7))
    qtbot.addWidget(dialog)
    writing, advanced = dialog.tabs.widget(0), dialog.tabs.widget(1)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == ["Writing", "Advanced"]
    words = dialog.spins["suggestion_words"]
    assert label_of(dialog, "suggestion_words") == "Suggestion length" and words.text() == "120 words"
    assert label_of(dialog, "temperature") == "Creativity" and dialog.spins["temperature"].value() == 0.7
    hints = [label.text() for label in writing.findChildren(type(dialog.problem))]
    assert any(text.startswith("Low: the likeliest words") for text in hints)
    for name in ("suggestion_words", "temperature"):
        assert writing.isAncestorOf(dialog.spins[name])
    for name in ("top_p", "rank", "lr", "window", "chunk_tokens", "epochs", "threads"):
        assert advanced.isAncestorOf(dialog.spins[name]) and not writing.isAncestorOf(dialog.spins[name])
    assert advanced.isAncestorOf(dialog.model)
    assert label_of(dialog, "top_p") == "Top-p" and label_of(dialog, "rank") == "LoRA rank"


def test_the_chunk_size_is_said_in_the_books_words(qtbot):
    dialog = SettingsDialog(None, Settings(chunk_tokens=256), tokens_per_word=1.5)
    qtbot.addWidget(dialog)
    assert dialog.chunk_words.text() == "The model learns the book in passages of about 171 words."
    dialog.spins["chunk_tokens"].setValue(512)
    assert "about 341 words" in dialog.chunk_words.text()


def test_the_chosen_values_round_trip_into_settings(qtbot, longform_home):
    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    dialog.spins["suggestion_words"].setValue(60)
    dialog.spins["temperature"].setValue(1.1)
    dialog.spins["top_p"].setValue(0.9)
    dialog.spins["rank"].setValue(8)
    dialog._check()
    assert dialog.result() == dialog.DialogCode.Accepted
    chosen = dialog.value()
    assert (chosen.suggestion_words, chosen.temperature, chosen.top_p, chosen.rank) == (60, 1.1, 0.9, 8)
    save_settings(chosen)
    assert load_settings() == (chosen, [])
    again = SettingsDialog(None, load_settings()[0])
    qtbot.addWidget(again)
    assert again.spins["suggestion_words"].text() == "60 words" and again.spins["temperature"].value() == 1.1


def test_the_session_word_goal_is_set_in_the_dialog(qtbot):
    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    goal = dialog.spins["word_goal"]
    assert label_of(dialog, "word_goal") == "Session word goal" and goal.text() == "none"
    goal.setValue(1500)
    assert goal.text() == "1500 words"
    assert dialog.value().word_goal == 1500
