"""The error of the input contract: which field of a request is wrong, and how, in bokmål."""

from __future__ import annotations


class InputError(ValueError):
    """The request does not follow the input contract. ``path`` is a JSON path such as ``$.melding.type``."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
