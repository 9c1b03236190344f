"""Deciding: ``evaluate``, ``explain``, ``packs`` and ``facts``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..contract.bokmal import norsk_dato
from ..contract.decision import Decision
from ..contract.errors import InputError
from ..contract.facts import catalogue
from ..contract.identifiers import redact_numbers
from ..contract.times import parse_date
from ..eval.describe import tree_lines
from ..eval.engine import UnknownPackError
from ..eval.explain import MARK, explain, explain_text
from ..eval.render import decision_text
from .common import UsageError, load_engine, read_document

if TYPE_CHECKING:
    from .common import Subparsers


def cmd_evaluate(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    outputs: list[dict[str, Any]] = []
    texts: list[str] = []
    failed = False
    for path in args.files:
        try:
            request = read_document(path)
            decision: Decision = engine.evaluate(request, pack=args.pack, at=args.at, explain=args.explain)
        except (InputError, UsageError, UnknownPackError) as exc:
            failed = True
            # a file may be named after the patient (12017017754.json): no number is ever printed
            msg = redact_numbers(f"{path}: {exc}" if not str(exc).startswith(path) else str(exc))
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


def trace_text(trace: Sequence[dict[str, Any]]) -> str:
    lines = ["Sporing (alle regler):"]
    for rule in trace:
        lines.append(f"  [{MARK[rule['result']]}] {rule['pack']} / {rule['rule']} ({rule['effect']})")
        lines += tree_lines(rule["conditions"], 2)
    return "\n".join(lines)


def cmd_explain(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    try:
        request = read_document(args.file)
        doc = explain(engine, request, pack=args.pack, at=args.at, rule=args.rule)
    except (InputError, UnknownPackError) as exc:
        raise UsageError(f"{args.file}: {exc}") from None  # main masks any number in it
    if args.rule and not any(p["rules"] for p in doc["packs"]):
        known = sorted(r.id for p in doc["packs"] for r in engine.packs[p["id"]].rules)
        raise UsageError(f"--rule {args.rule}: ingen slik regel i retningslinjene som ble brukt; "
                         f"kjente: {', '.join(known) or 'ingen'}")
    if args.format == "json":
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(explain_text(doc, only=args.only))
    return 0


def cmd_packs(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    try:
        today = parse_date(args.at[:10], "--at") if args.at else dt.date.today()
    except InputError as exc:
        raise UsageError(f"--at: {exc.message} (forventet ÅÅÅÅ-MM-DD)") from None
    rows: list[dict[str, Any]] = []
    for p in engine.packs.values():
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


def add_parsers(sub: Subparsers) -> None:
    p = sub.add_parser("evaluate", help="evaluate one or more requests (JSON or YAML)")
    p.add_argument("files", nargs="+", metavar="FILE", help="request file, or - for standard input")
    p.add_argument("--pack", help="evaluate against this pack only (default: every pack whose scope matches)")
    p.add_argument("--at", metavar="ISO-TIME", help="evaluate as of this time (overrides tidspunkt)")
    p.add_argument("--format", choices=("json", "text"), default="json")
    p.add_argument("--explain", action="store_true", help="include a trace of every rule")
    p.add_argument("--test-environment", action="store_true",
                   help="accept synthetic test patient numbers (month + 80)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("explain", help="show, for every rule, whether it fired and the values each condition saw")
    p.add_argument("file", metavar="FILE", help="request file (JSON or YAML), or - for standard input")
    p.add_argument("--pack", help="explain against this pack only (default: the packs whose scope matches)")
    p.add_argument("--at", metavar="ISO-TIME", help="evaluate as of this time (overrides tidspunkt)")
    p.add_argument("--rule", metavar="ID", help="show only this rule")
    p.add_argument("--only", choices=("fired", "not_fired", "undecided"),
                   help="show only rules with this result (text)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--test-environment", action="store_true",
                   help="accept synthetic test patient numbers (month + 80)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("packs", help="list packs with their validity")
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.add_argument("--at", metavar="DATE", help="show validity on this date (default: today)")
    p.set_defaults(func=cmd_packs)

    p = sub.add_parser("facts", help="list the facts rules may use")
    p.set_defaults(func=cmd_facts)
