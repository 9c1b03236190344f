"""What the commands share: reading request files, building the engine, the site secret, usage errors."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..contract.errors import InputError
from ..contract.times import OSLO, parse_datetime
from ..eval.engine import Engine
from ..lang.loader import DataError, parse_data, read_text

if TYPE_CHECKING:
    # what ArgumentParser.add_subparsers returns; argparse has no public name for it
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line, exit status 2."""


def read_document(path: str) -> Any:
    """Read a JSON or YAML request; errors name file:line:column but never echo content."""
    name = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else read_text(Path(path), name)
        return parse_data(text, name, as_yaml=path.endswith((".yaml", ".yml")))
    except FileNotFoundError:
        raise UsageError(f"{name}: finnes ikke") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: er en mappe, ikke en fil") from None
    except DataError as exc:
        raise UsageError(str(exc)) from None


def load_engine(args: argparse.Namespace) -> Engine:
    try:
        return Engine.from_directory(args.policies, allow_synthetic_ids=getattr(args, "test_environment", False))
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None


def site_secret(args: argparse.Namespace, *, generate: bool) -> bytes:
    """The site secret for patient pseudonyms (service and log); see engine.decisionlog.load_secret."""
    from ..server.decisionlog import load_secret, sqlite_path  # the server layer, only for serve and log

    path = args.secret_file or os.environ.get("DIALOGVAKT_SECRET_FILE")
    value = None if path else os.environ.get("DIALOGVAKT_SECRET")
    beside = sqlite_path(args.db or os.environ.get("DIALOGVAKT_DB") or "dialogvakt.sqlite")
    generate_at = None
    if not path and not value and beside is not None:
        secret_file = beside.with_name(beside.name + ".secret")
        if generate or secret_file.exists():
            generate_at = secret_file
    return load_secret(path=path, value=value, generate_at=generate_at)


def moment(text: str, name: str) -> dt.datetime:
    """An ISO 8601 date/time, or a span back from now such as 30m, 24h, 7d."""
    m = re.fullmatch(r"(\d+)\s*([mhd])", text.strip())
    if m:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
        return dt.datetime.now(OSLO) - dt.timedelta(**{unit: int(m.group(1))})
    try:
        return parse_datetime(text, name)
    except InputError:
        raise UsageError(f"{name}: forventet ISO 8601 (2025-06-02 eller 2025-06-02T10:00) "
                         "eller 30m, 24h, 7d") from None
