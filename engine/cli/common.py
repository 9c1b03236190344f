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
from ..eval.engine import Engine, compile_packs
from ..lang.loader import DataError, bundled_policies_dir, parse_data, read_text
from ..lang.patterns import deferred

if TYPE_CHECKING:
    from ..contract import dialogmelding
    from ..contract.xmlschema import XmlSchemas
    from ..lang.tree import CompiledPack

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


def is_xml_file(path: str, head: bytes = b"") -> bool:
    """A Dialogmelding XML file by its name (``.xml``), or standard input that starts with ``<``."""
    return path.lower().endswith(".xml") or (path == "-" and head.lstrip().startswith(b"<"))


def _read_bytes(path: str) -> bytes:
    name = "<stdin>" if path == "-" else path
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{name}: finnes ikke") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: er en mappe, ikke en fil") from None


def xml_schemas(args: argparse.Namespace) -> XmlSchemas | None:
    """The official schemas of ``--xsd DIR`` (strict mode), compiled once per run; None without it."""
    folder = getattr(args, "xsd", None)
    if not folder:
        return None
    cached = getattr(args, "_xml_schemas", None)
    if cached is None:
        from ..contract.xmlschema import SchemaFolderError, XmlSchemas  # lxml, only for --xsd

        try:
            cached = XmlSchemas(folder)
        except SchemaFolderError as exc:
            raise UsageError(f"--xsd {exc}") from None
        args._xml_schemas = cached
    return cached


def read_request(path: str, args: argparse.Namespace) -> tuple[Any, dialogmelding.ParsedMessage | None]:
    """A request from a JSON or YAML file, or from Dialogmelding XML completed by ``--context FILE``.

    For XML the parsed message comes back too (for ``--at message`` and receipts). Errors are one line:
    the file and the element (``m.xml: /MsgHead/MsgInfo/Type/@V: …``) or the field of the context.
    """
    context_file = getattr(args, "context", None)
    name = "<stdin>" if path == "-" else path
    data = _read_bytes(path)
    if not is_xml_file(path, data[:64]):
        if context_file:
            raise UsageError(f"--context {context_file}: konteksten legges bare til XML-meldinger; "
                             "i JSON hører den hjemme i dokumentet")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{name}: er ikke UTF-8-tekst") from None
        try:
            return parse_data(text, name, as_yaml=path.endswith((".yaml", ".yml"))), None
        except DataError as exc:
            raise UsageError(str(exc)) from None
    from ..contract import dialogmelding  # the XML adapter, only for XML

    schemas = xml_schemas(args)
    try:
        if schemas is not None:
            schemas.check_message(data)
        parsed = dialogmelding.parse(data)
    except dialogmelding.XmlError as exc:
        raise UsageError(f"{name}: {exc}") from None
    context = read_document(context_file) if context_file else {}
    if not isinstance(context, dict):
        raise UsageError(f"--context {context_file}: må være et objekt med tidspunkt, melding og/eller kontekst")
    unknown = sorted(k for k in context if k not in ("tidspunkt", "melding", "kontekst"))
    if unknown:
        raise UsageError(f"--context {context_file}: $.{unknown[0]}: ukjent felt; tillatte felt er: kontekst, "
                         "melding, tidspunkt")
    try:
        return dialogmelding.to_request(parsed, context), parsed
    except InputError as exc:
        where = parsed.xml_path(exc.path)
        raise UsageError(f"{name}: {exc}" + (f" (XML: {where})" if where else "")) from None


def evaluation_time(at: str | None, request: Any) -> str | None:
    """``--at``: a time, or ``message`` for the message's own time (``melding.sendt``, GenDate in XML)."""
    if at != "message":
        return at
    sent = request.get("melding", {}).get("sendt") if isinstance(request, dict) else None
    if not isinstance(sent, str) or not sent:
        raise UsageError("--at message: meldingen har ikke noe sendt-tidspunkt (melding.sendt, GenDate i XML)")
    return sent


def load_engine(args: argparse.Namespace) -> Engine:
    try:
        return Engine.from_directory(args.policies, allow_synthetic_ids=getattr(args, "test_environment", False))
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None


def load_packs(args: argparse.Namespace) -> list[CompiledPack]:
    """The packs compiled, their problems raised as by ``load_engine``, without the rule programs an
    evaluation runs: for the commands that only list or describe them."""
    try:
        with deferred():  # no text is matched: the compiler's own patterns need not be compiled
            return compile_packs(Path(args.policies) if args.policies is not None else bundled_policies_dir())
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
