"""Compatibility only: the app's folders and atomic writes live in engine/paths.py, one of the engine's light
modules that both sides share (one rule for LONGFORM_HOME, one atomic write).

New code imports engine.paths. This re-export stays until app/preflight.py and app/desktop_entry.py, being
written as it moved, import from there.
"""

from engine.paths import data_dir, write_atomically
from engine.paths import private_dir as ensure_private

__all__ = ["data_dir", "ensure_private", "write_atomically"]
