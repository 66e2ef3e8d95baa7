"""The writer's settings: a typed dataclass with defaults, loaded leniently and saved atomically as JSON."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from app.book_progress import DEFAULT_TOKENS_PER_WORD, words_to_tokens
from app.remote_engine import host_problem
from engine.config import TempLoraConfig
from engine.model_names import DEFAULT_MODEL, MODEL_NAMES
from engine.paths import config_dir, write_atomically

log = logging.getLogger(__name__)
_ENGINE = TempLoraConfig()  # the engine's measured defaults (plain values: no torch is imported)

THEMES = ("system", "light", "dark")
EXPORT_FORMATS = (".docx", ".epub", ".md", ".txt")  # app.exporting.FORMATS' keys (checked by a test)
MAX_TOKENS = 8192  # the longest suggestion asked of the engine


@dataclass
class Settings:
    """Everything the writer can set; the defaults are the engine's measured defaults."""

    model: str = DEFAULT_MODEL
    window: int = _ENGINE.window
    chunk_tokens: int = _ENGINE.chunk_tokens
    epochs: int = _ENGINE.epochs
    rank: int = _ENGINE.rank
    lr: float = _ENGINE.lr
    temperature: float = 0.8
    top_p: float = 0.95
    # The length of a suggestion, in words: ~ the 200 tokens of earlier versions at the Austen ratio. It is
    # asked of the engine in tokens at the open book's own ratio (suggestion_tokens).
    suggestion_words: int = 150
    threads: int = 0  # 0: every core
    # Where the engine runs: "" this computer, else an ssh destination (user@host or a host of ~/.ssh/config)
    engine_host: str = ""
    theme: str = "system"
    last_novel: int | None = None
    last_chapter: int | None = None
    author: str = ""  # the name on an export's title page and in its metadata
    last_export_folder: str = ""  # "" until the first export: the home folder
    last_export_format: str = ".docx"
    word_goal: int = 0  # words to write in a session, shown in the status bar; 0: no goal
    absorption_note_shown: bool = False  # the first-run note on the absorption panel (app/first_start.py)

    def engine_settings(self) -> dict:
        """The Temp-LoRA fields an `open_document` request carries."""
        return {"chunk_tokens": self.chunk_tokens, "epochs": self.epochs, "rank": self.rank, "lr": self.lr}

    def suggestion_tokens(self, tokens_per_word: float = DEFAULT_TOKENS_PER_WORD) -> int:
        """The `max_tokens` of a suggestion `suggestion_words` long, at a book's tokens per word."""
        return min(MAX_TOKENS, words_to_tokens(self.suggestion_words, tokens_per_word))


# field -> (low, high) for numbers
RANGES = {
    "window": (256, 8192),
    "chunk_tokens": (128, 4096),
    "epochs": (1, 10),
    "rank": (1, 256),
    "lr": (1e-6, 1e-1),
    "temperature": (0.0, 2.0),
    "top_p": (0.05, 1.0),
    "suggestion_words": (1, int(MAX_TOKENS / DEFAULT_TOKENS_PER_WORD)),
    "threads": (0, 256),
    "word_goal": (0, 1_000_000),
}


def problems(settings: Settings) -> dict[str, str]:
    """Field -> what is wrong with it (empty when every value is usable)."""
    found = {}
    for name, (low, high) in RANGES.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            found[name] = f"{name} must be a number from {low:g} to {high:g}"
        elif isinstance(RANGES[name][0], int) and not isinstance(value, int):
            found[name] = f"{name} must be a whole number"
    for name in ("author", "last_export_folder", "last_export_format"):
        if not isinstance(getattr(settings, name), str):
            found[name] = f"{name} must be text"
    if isinstance(settings.last_export_format, str) and settings.last_export_format not in EXPORT_FORMATS:
        found["last_export_format"] = f"last_export_format must be one of {', '.join(EXPORT_FORMATS)}"
    if settings.theme not in THEMES:
        found["theme"] = f"theme must be one of {', '.join(THEMES)}"
    if not isinstance(settings.model, str) or not settings.model:
        found["model"] = f"model must be {' or '.join(repr(n) for n in MODEL_NAMES)} or a GGUF file"
    elif (
        settings.model not in MODEL_NAMES
        and not settings.engine_host  # on another computer the file is on that computer's disk
        and not Path(settings.model).expanduser().is_file()
    ):
        found["model"] = f"the model file {settings.model} does not exist"
    if (problem := host_problem(settings.engine_host)) is not None:
        found["engine_host"] = problem
    return found


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """Settings from disk; each bad or unknown value is reported and replaced by its default."""
    path = path or settings_path()
    notes: list[str] = []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
    except FileNotFoundError:
        return Settings(), notes
    except (OSError, ValueError) as e:
        return Settings(), [f"The settings file could not be read ({e}); the defaults are used."]
    defaults = Settings()
    settings = Settings()
    _words_from_tokens(raw, notes)
    known = {f.name for f in fields(Settings)}
    for name, value in raw.items():
        if name not in known:
            notes.append(f"Unknown setting {name!r} ignored.")
            continue
        if (
            isinstance(getattr(defaults, name), float)
            and isinstance(value, int)
            and not isinstance(value, bool)
        ):
            value = float(value)
        setattr(settings, name, value)
    for name, message in problems(settings).items():
        notes.append(f"{message}; the default ({getattr(defaults, name)!r}) is used.")
        setattr(settings, name, getattr(defaults, name))
    for name in ("last_novel", "last_chapter"):
        if getattr(settings, name) is not None and not isinstance(getattr(settings, name), int):
            setattr(settings, name, None)
    return settings, notes


def _words_from_tokens(raw: dict, notes: list[str]) -> None:
    """An earlier version's `max_tokens` becomes `suggestion_words` (at the Austen ratio: no book is open)."""
    if "max_tokens" not in raw:
        return
    tokens = raw.pop("max_tokens")
    if isinstance(tokens, bool) or not isinstance(tokens, int) or not 1 <= tokens <= MAX_TOKENS:
        notes.append(f"max_tokens must be a whole number from 1 to {MAX_TOKENS}; the default length is used.")
    elif "suggestion_words" not in raw:
        raw["suggestion_words"] = max(1, round(tokens / DEFAULT_TOKENS_PER_WORD))


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the values the writer changed, atomically.

    Defaults are left out so that better measured defaults in a later version reach every writer who never
    chose a value of their own.
    """
    path = path or settings_path()
    defaults = asdict(Settings())
    changed = {k: v for k, v in asdict(settings).items() if v != defaults[k]}
    write_atomically(path, json.dumps(changed, indent=2).encode("utf-8"))
