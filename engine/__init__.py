"""Dialogvakt: a rules-as-data policy engine for Norwegian dialog messages.

    from engine import Engine
    engine = Engine.from_directory()          # the bundled packs
    decision = engine.evaluate(request_dict)  # input contract v1
    decision.decision, decision.to_dict()

The folders are the layers, each importing only those before it:
``contract`` (input and output contracts) < ``lang`` (the pack language) <
``eval`` (the Engine) < ``monitor`` (conversations over time) < ``steps``
(the Gherkin step library) < ``authoring`` (lint, tests, coverage, diff) <
``server`` (HTTP) < ``cli`` (the ``dialogvakt`` command).
"""

from .contract.decision import Decision
from .contract.errors import InputError
from .contract.version import __version__
from .eval.engine import Engine, UnknownPackError
from .lang.loader import PackError

__all__ = ["Decision", "Engine", "InputError", "PackError", "UnknownPackError", "__version__"]
