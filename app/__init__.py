"""Longform's desktop app (PySide6): the novel editor; it talks to the engine only through its protocol."""

__version__ = "0.1.0"
