"""Deciding: ``evaluate``, ``explain``, ``convert``, ``packs`` and ``facts``.

``evaluate`` and ``explain`` read JSON, YAML or Dialogmelding XML (``FILE.xml``, completed by
``--context CONTEXT.json|yaml`` as over HTTP); ``--at message`` evaluates at the message's own time
(GenDate), for audits of received messages; ``--xsd DIR`` refuses XML the official schemas refuse.
``convert FILE.xml`` prints the request an XML message maps to.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import yaml

from ..contract.bokmal import norsk_dato
from ..contract.decision import Decision
from ..contract.errors import InputError
from ..contract.facts import catalogue
from ..contract.identifiers import redact_numbers
from ..contract.times import parse_date, parse_datetime
from ..eval.describe import tree_lines
from ..eval.engine import UnknownPackError
from ..eval.explain import MARK, explain, explain_text
from ..eval.render import decision_text
from .common import UsageError, evaluation_time, load_engine, load_packs, read_request

if TYPE_CHECKING:
    from ..contract.dialogmelding import ParsedMessage
    from .common import Subparsers


def cmd_evaluate(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    outputs: list[dict[str, Any]] = []
    texts: list[str] = []
    failed = False
    for path in args.files:
        try:
            request, parsed = read_request(path, args)
            try:
                decision: Decision = engine.evaluate(request, pack=args.pack, at=evaluation_time(args.at, request),
                                                     explain=args.explain)
            except InputError as exc:
                raise UsageError(xml_input_error(exc, parsed)) from None
        except (InputError, UsageError, UnknownPackError) as exc:
            failed = True
            msg = redact_numbers(str(exc) if str(exc).startswith((path, "<stdin>", "--")) else f"{path}: {exc}")
            if args.format == "json" and len(args.files) > 1:
                outputs.append({"file": redact_numbers(path), "error": msg})
            else:
                print(f"dialogvakt: {msg}", file=sys.stderr)
            continue
        if args.format == "json":
            d = decision.to_dict()
            outputs.append({"file": redact_numbers(path), **d} if len(args.files) > 1 else d)
        else:
            text = decision_text(decision, title=redact_numbers(path) if len(args.files) > 1 else None)
            if args.explain and decision.trace:
                text += "\n" + trace_text(decision.trace)
            texts.append(text)
    if args.format == "json":
        if outputs:
            payload = outputs if len(args.files) > 1 else outputs[0]
            print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(texts))
    return 2 if failed else 0


def xml_input_error(exc: InputError, parsed: ParsedMessage | None) -> str:
    """An input error, with the XML element it came from, or a hint that the context must give it."""
    if parsed is None:
        return str(exc)
    where = parsed.xml_path(exc.path)
    if where:
        return f"{exc} (XML: {where})"
    if "mangler" in exc.message:
        return f"{exc}; XML-meldingen har ikke dette, så det må komme som kontekst (--context FILE)"
    return str(exc)


def trace_text(trace: Sequence[dict[str, Any]]) -> str:
    lines = ["Sporing (alle regler):"]
    for rule in trace:
        lines.append(f"  [{MARK[rule['result']]}] {rule['pack']} / {rule['rule']} ({rule['effect']})")
        lines += tree_lines(rule["conditions"], 2)
    return "\n".join(lines)


BAD_LINES_SHOWN = 20  # bad lines named on standard error; every one has its answer in the output


def cmd_batch(args: argparse.Namespace) -> int:
    """JSON Lines of requests in, one decision document (or problem) a line out, in input order."""
    from ..eval.batch import EngineSpec, Summary, default_workers, path_size, read_lines, run_batch

    workers = default_workers() if args.workers is None else args.workers
    if workers < 1:
        raise UsageError("--workers: forventet 1 eller flere")
    if args.at not in (None, "message"):  # checked once, not on every line
        try:
            parse_datetime(args.at, "--at")
        except InputError as exc:
            raise UsageError(f"--at: {exc.message}") from None
    engine = load_engine(args)  # a broken pack folder or an unknown pack is told once, before any line is read
    packs = tuple(args.pack) if args.pack else None
    for pack_id in packs or ():
        if pack_id not in engine.packs:
            raise UsageError(str(UnknownPackError(pack_id, engine.packs)))
    name = "<stdin>" if args.input == "-" else redact_numbers(args.input)  # a file named after a patient
    try:
        stream = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")  # noqa: SIM115
    except FileNotFoundError:
        raise UsageError(f"{name}: finnes ikke") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: er en mappe, ikke en fil") from None
    try:
        out = sys.stdout if args.out in (None, "-") else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        stream.close()
        raise UsageError(f"--out {args.out}: kan ikke skrives ({exc.strerror})") from None
    spec = EngineSpec(args.policies, allow_synthetic_ids=args.test_environment)
    summary = Summary()
    bar = _progress_bar(path_size(args.input) if args.input != "-" else None)
    unseen = 0  # bytes answered since the bar was last moved
    try:
        for answer in run_batch(read_lines(stream), spec, pack=packs, at=args.at, workers=workers, engine=engine):
            out.write(answer.document)
            out.write("\n")
            summary.add(answer)
            if answer.error is not None and summary.bad <= BAD_LINES_SHOWN:
                _tell(bar, f"dialogvakt: {name}: {answer.error}")
            if bar is not None:
                unseen += answer.size
                if summary.read % 256 == 0:
                    bar.update(unseen)
                    unseen = 0
    except KeyboardInterrupt:  # the workers ignore it; the lines answered so far are written
        print(f"dialogvakt: avbrutt etter {summary.read} linjer", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.update(unseen)
            bar.close()
        if stream is not sys.stdin.buffer:
            stream.close()
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
    summary.stop()
    if summary.bad > BAD_LINES_SHOWN:
        print(f"dialogvakt: {name}: {summary.bad - BAD_LINES_SHOWN} feil linjer til; hver har sitt svar i utdata",
              file=sys.stderr)
    print(summary.text(), file=sys.stderr)
    return 2 if summary.bad else 0


def _progress_bar(total: int | None) -> Any:
    """A progress bar on standard error (bytes of the file read), only when standard error is a terminal."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, desc="batch",
                dynamic_ncols=True, leave=False)


def _tell(bar: Any, text: str) -> None:
    if bar is not None:
        bar.write(text, file=sys.stderr)
    else:
        print(text, file=sys.stderr)


def cmd_explain(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    request, parsed = read_request(args.file, args)
    try:
        doc = explain(engine, request, pack=args.pack, at=evaluation_time(args.at, request), rule=args.rule)
    except InputError as exc:
        raise UsageError(f"{args.file}: {xml_input_error(exc, parsed)}") from None
    except UnknownPackError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    if args.rule and not any(p["rules"] for p in doc["packs"]):
        known = sorted(r.id for p in doc["packs"] for r in engine.packs[p["id"]].rules)
        raise UsageError(f"--rule {args.rule}: ingen slik regel i retningslinjene som ble brukt; "
                         f"kjente: {', '.join(known) or 'ingen'}")
    if args.format == "json":
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(explain_text(doc, only=args.only))
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    """The request in the input contract v1 an XML message maps to (patient numbers are checked on evaluation)."""
    request, parsed = read_request(args.file, args)
    if parsed is None:
        raise UsageError(f"{args.file}: convert leser Dialogmelding-XML (MsgHead); filen er ikke XML")
    if args.format == "yaml":
        print(yaml.safe_dump(request, allow_unicode=True, sort_keys=False, width=100), end="")
    else:
        print(json.dumps(request, ensure_ascii=False, indent=2))
    return 0


def cmd_apprec(args: argparse.Namespace) -> int:
    """The application receipt (AppRec 1.1) a receiver would send back for a received XML message."""
    from ..contract.apprec import ApprecConfigError, ApprecMapping, apprec_xml
    from ..contract.dialogmelding import XmlError

    try:
        mapping = ApprecMapping.load(args.apprec_config)
    except ApprecConfigError as exc:
        raise UsageError(f"--apprec-config {exc}") from None
    engine = load_engine(args)
    request, parsed = read_request(args.file, args)
    if parsed is None:
        raise UsageError(f"{args.file}: en applikasjonskvittering svarer på en mottatt XML-melding; filen er ikke XML")
    try:
        decision = engine.evaluate(request, pack=args.pack, at=evaluation_time(args.at, request))
        receipt = apprec_xml(parsed, decision, mapping)
    except InputError as exc:
        raise UsageError(f"{args.file}: {xml_input_error(exc, parsed)}") from None
    except (UnknownPackError, XmlError) as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    sys.stdout.write(receipt.decode("utf-8"))
    return 0


def cmd_packs(args: argparse.Namespace) -> int:
    packs = load_packs(args)  # listing them needs no rule programs
    try:
        today = parse_date(args.at[:10], "--at") if args.at else dt.date.today()
    except InputError as exc:
        raise UsageError(f"--at: {exc.message} (forventet ÅÅÅÅ-MM-DD)") from None
    rows: list[dict[str, Any]] = []
    for p in packs:
        validity = p.validity(today)
        rows.append({"id": p.id, "title": p.title, "document": p.citation, "version": p.version,
                     "revision": p.revision, "valid_from": p.valid_from.isoformat(),
                     "valid_to": p.valid_to.isoformat() if p.valid_to else None,
                     "validity": validity, "rules": len(p.rules), "scope": p.scope_description.strip()})
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    state = {"valid": "gjelder", "expired": "UTLØPT", "not_yet_valid": "ikke i kraft ennå"}
    width = max([22, *(len(r["document"]) + 1 for r in rows)])
    for r in rows:
        to = norsk_dato(dt.date.fromisoformat(r["valid_to"])) if r["valid_to"] else "inntil videre"
        print(f"{r['id']:<28} {r['document']:<{width}} {state[r['validity']]:<18} "
              f"gyldig {norsk_dato(dt.date.fromisoformat(r['valid_from']))} – {to}  ({r['rules']} regler)")
        print(f"{'':<28} {r['title']}")
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    for path, info in sorted(catalogue().items()):
        kind = info.type + (f"[{info.items}]" if info.items else "")
        extra = f" {{{', '.join(info.values)}}}" if info.values else ""
        flags = (" (derived)" if info.derived else "") + (" (free text)" if info.free_text else "")
        print(f"{path:<45} {kind}{extra}{flags}")
    return 0


def _xml_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--context", metavar="FILE", help="for XML: what the XML does not carry (JSON or YAML in the "
                   "input contract: tidspunkt, melding, kontekst), merged as over HTTP")
    p.add_argument("--xsd", metavar="DIR", help="strict mode for XML: refuse a message the official XSDs in DIR "
                   "refuse (MsgHead-v1_2.xsd, dialogmelding-v1.0.xsd, dialogmelding-v1.1.xsd, ...)")


def add_parsers(sub: Subparsers) -> None:
    p = sub.add_parser("evaluate", help="evaluate one or more requests (JSON, YAML or Dialogmelding XML)")
    p.add_argument("files", nargs="+", metavar="FILE", help="request file (.json, .yaml, .xml), or - for "
                   "standard input")
    p.add_argument("--pack", help="evaluate against this pack only (default: every pack whose scope matches)")
    p.add_argument("--at", metavar="ISO-TIME|message", help="evaluate as of this time (overrides tidspunkt); "
                   "'message': at the message's own time (melding.sendt, GenDate in XML)")
    _xml_options(p)
    p.add_argument("--format", choices=("json", "text"), default="json")
    p.add_argument("--explain", action="store_true", help="include a trace of every rule")
    p.add_argument("--test-environment", action="store_true",
                   help="accept synthetic test patient numbers (month + 80)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "batch", help="evaluate JSON Lines of requests in constant memory, on every core, decisions out in order",
        description="Reads IN.jsonl (one request in the input contract v1 a line; - for standard input) lazily, "
                    "evaluates in a pool of worker processes and writes one line of JSON for each non-blank line, "
                    "in input order: the decision document, as evaluate --format json gives it, or for a bad line "
                    "{\"line\": N, \"path\": \"$...\", \"error\": \"linje N: ...\"}. A progress bar goes to "
                    "standard error when it is a terminal, and a summary at the end: lines read, decisions by "
                    "outcome, bad lines, time and decisions per second. Exit status 0 when every line was "
                    "answered with a decision, 2 when some lines were bad (the others are still answered) or on "
                    "a usage error.")
    p.add_argument("input", metavar="IN.jsonl", help="JSON Lines of requests, or - for standard input")
    p.add_argument("--out", metavar="OUT.jsonl", help="where the answers go (default: standard output)")
    p.add_argument("--pack", metavar="ID", action="append", help="evaluate against this pack only (repeat for "
                   "more; default: every pack whose scope matches)")
    p.add_argument("--at", metavar="ISO-TIME|message", help="evaluate as of this time (overrides tidspunkt); "
                   "'message': each at its own time (melding.sendt)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: one per core; 1: in this "
                   "process)")
    p.add_argument("--policies", metavar="DIR", default=argparse.SUPPRESS,
                   help="folder of packs (default: the bundled packs)")
    p.add_argument("--test-environment", action="store_true",
                   help="accept synthetic test patient numbers (month + 80)")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("explain", help="show, for every rule, whether it fired and the values each condition saw")
    p.add_argument("file", metavar="FILE", help="request file (JSON, YAML or XML), or - for standard input")
    p.add_argument("--pack", help="explain against this pack only (default: the packs whose scope matches)")
    p.add_argument("--at", metavar="ISO-TIME|message", help="evaluate as of this time (overrides tidspunkt); "
                   "'message': at the message's own time")
    _xml_options(p)
    p.add_argument("--rule", metavar="ID", help="show only this rule")
    p.add_argument("--only", choices=("fired", "not_fired", "undecided"),
                   help="show only rules with this result (text)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--test-environment", action="store_true",
                   help="accept synthetic test patient numbers (month + 80)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("convert", help="print the request (input contract v1) a Dialogmelding XML maps to")
    p.add_argument("file", metavar="FILE.xml", help="a MsgHead message (or NAV's EI_fellesformat), - for stdin")
    p.add_argument("--format", choices=("json", "yaml"), default="json")
    _xml_options(p)
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("apprec", help="the application receipt (AppRec 1.1) for a received Dialogmelding XML")
    p.add_argument("file", metavar="FILE.xml", help="the received MsgHead message, - for stdin")
    p.add_argument("--pack", help="evaluate against this pack only")
    p.add_argument("--at", metavar="ISO-TIME|message", help="evaluate as of this time; 'message': at its GenDate")
    p.add_argument("--apprec-config", metavar="FILE", help="which decision gives which status "
                   "(default: engine/schemas/apprec-mapping.yaml)")
    p.add_argument("--test-environment", action="store_true",
                   help="accept synthetic test patient numbers (month + 80)")
    _xml_options(p)
    p.set_defaults(func=cmd_apprec)

    p = sub.add_parser("packs", help="list packs with their validity")
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.add_argument("--at", metavar="DATE", help="show validity on this date (default: today)")
    p.set_defaults(func=cmd_packs)

    p = sub.add_parser("facts", help="list the facts rules may use")
    p.set_defaults(func=cmd_facts)
