"""Longform's desktop app (PySide6). It talks to the engine only through the engine's protocol."""
