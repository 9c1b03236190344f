"""Dialogvakt: a rules-as-data policy engine for Norwegian dialog messages.

    from engine import Engine
    engine = Engine.from_directory()          # the bundled packs
    decision = engine.evaluate(request_dict)  # input contract v1
    decision.decision, decision.to_dict()

Modules: ``loader`` (pack files), ``compiler`` (rule trees), ``facts`` (input
contract), ``evaluator`` (Engine), ``decision`` (output contract), ``render``
(bokmål text), ``cli`` (the ``dialogvakt`` command).
"""

from .decision import Decision
from .evaluator import Engine, UnknownPackError
from .facts import InputError
from .loader import PackError

__all__ = ["Engine", "Decision", "InputError", "PackError", "UnknownPackError"]
__version__ = "0.1.0"
