"""Settings: defaults, lenient loading, validation, atomic saving."""

from __future__ import annotations

import json

from app.settings import Settings, load_settings, problems, save_settings, settings_path


def test_defaults_when_there_is_no_file():
    settings, notes = load_settings()
    assert settings == Settings() and notes == []


def test_round_trip(longform_home):
    save_settings(Settings(temperature=0.5, rank=8, theme="dark", last_novel=3))
    assert settings_path() == longform_home / "config" / "settings.json"
    settings, notes = load_settings()
    assert (settings.temperature, settings.rank, settings.theme, settings.last_novel) == (0.5, 8, "dark", 3)
    assert notes == []


def test_only_changed_values_are_saved(longform_home):
    """A writer who never chose a chunk size gets the next version's measured default."""
    save_settings(Settings(temperature=0.5))
    assert json.loads(settings_path().read_text()) == {"temperature": 0.5}


def test_bad_values_are_reported_and_replaced_by_defaults():
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(
        json.dumps(
            {
                "temperature": 9,
                "rank": "many",
                "epochs": 2.5,
                "theme": "neon",
                "colour": "red",
                "lr": 0.002,
                "model": "/nowhere/model.gguf",
                "max_tokens": True,
            }
        )
    )
    settings, notes = load_settings()
    defaults = Settings()
    assert (settings.temperature, settings.rank) == (defaults.temperature, 16)
    assert settings.epochs == defaults.epochs
    assert settings.theme == "system" and settings.model == "default"
    assert settings.suggestion_words == defaults.suggestion_words
    assert settings.lr == 0.002  # a good value is kept
    text = " ".join(notes)
    for word in ("temperature", "rank", "epochs", "theme", "colour", "model", "max_tokens"):
        assert word in text


def test_a_corrupt_file_gives_defaults_and_a_note():
    settings_path().parent.mkdir(parents=True)
    settings_path().write_bytes(b"\x00{not json")
    settings, notes = load_settings()
    assert settings == Settings() and "could not be read" in notes[0]


def test_problems_name_each_bad_field(tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    assert problems(Settings(model=str(model))) == {}
    found = problems(Settings(window=10, top_p=0, threads=-1, model=str(tmp_path / "none.gguf")))
    assert set(found) == {"window", "top_p", "threads", "model"}


def test_word_goal_is_off_by_default_and_a_bad_goal_is_replaced_by_off(longform_home):
    assert Settings().word_goal == 0
    save_settings(Settings(word_goal=1000))
    assert load_settings()[0].word_goal == 1000
    settings_path().write_text(json.dumps({"word_goal": -5}))
    settings, notes = load_settings()
    assert settings.word_goal == 0 and "word_goal" in notes[0]


def test_an_earlier_versions_length_in_tokens_loads_as_words(longform_home):
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(json.dumps({"max_tokens": 400, "temperature": 0.5}))
    settings, notes = load_settings()
    assert notes == [] and settings.suggestion_words == 310 and settings.temperature == 0.5  # 400 / 1.29
    save_settings(settings)
    assert json.loads(settings_path().read_text()) == {"suggestion_words": 310, "temperature": 0.5}


def test_a_suggestion_in_words_is_asked_for_in_the_books_tokens():
    settings = Settings(suggestion_words=100)
    assert settings.suggestion_tokens() == 129  # the Austen ratio, with no book open
    assert settings.suggestion_tokens(1.5) == 150
    assert Settings(suggestion_words=6000).suggestion_tokens(2.0) == 8192  # the engine's longest
    assert "suggestion_words" in problems(Settings(suggestion_words=0))
