"""Errors a writer can cause (a missing file, a wrong model, an empty text).

They carry a message meant for people; the CLI prints it as one line, the protocol sends it as an `error`
event. Anything else that goes wrong is a programming error and is not dressed up as one of these.
"""

from __future__ import annotations


class UserError(Exception):
    """Something about the input is wrong; the message says what and what to do."""

    code = "bad_input"


class ModelError(UserError):
    """The model file is missing, unreadable, not a GGUF, or of an architecture we cannot train."""

    code = "model_error"
