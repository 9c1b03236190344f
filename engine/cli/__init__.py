"""The ``dialogvakt`` command.

    dialogvakt evaluate FILE... [--pack ID] [--at TIME] [--format json|text] [--explain]
    dialogvakt packs                 list the packs with their validity
    dialogvakt validate [PATH] [--format json] [--strict]   lint packs (file:line:column, check id, rule)
    dialogvakt test [PACK]           run the packs' own test cases
    dialogvakt coverage [PACK] [--format text|json] [--features DIR]   rules exercised by tests, both sides
    dialogvakt trace [PACK]          guideline sections -> rules -> effect
    dialogvakt explain FILE [--pack ID]   every rule: fired or not, and each condition with the values it saw
    dialogvakt facts                 the fact catalogue rules may use
    dialogvakt steg                  the Gherkin step library (bokmål)
    dialogvakt monitor replay EVENTS.jsonl [--until TIME]   findings over threads (engine/monitor_cli.py)
    dialogvakt corpus --n N --seed S [--out DIR]            a deterministic corpus of fictional requests
    dialogvakt diff OLD NEW --corpus DIR [--pack ID]        messages whose decision a pack revision changes

    dialogvakt serve [--host H] [--port P] [--policies DIR] [--db URL]   the HTTP decision service
    dialogvakt log [--since T] [--pack ID] [--decision D] [--format F]   query the decision log

Exit status: 0 when the command did its job (whatever the decision), 1 when
packs fail validation or their tests fail, 2 on bad input or usage. Errors are
one line and never show a patient's number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..contract.bokmal import norsk_dato
from ..contract.decision import Decision
from ..contract.errors import InputError
from ..contract.facts import catalogue
from ..eval.engine import Engine, UnknownPackError
from ..eval.render import decision_text
from ..lang.loader import DataError, PackError, bundled_policies_dir, list_pack_folders, parse_data, read_text


class UsageError(Exception):
    pass


# --------------------------------------------------------------------------- reading requests

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


def _engine(args: argparse.Namespace) -> Engine:
    try:
        return Engine.from_directory(args.policies, allow_synthetic_ids=getattr(args, "test_environment", False))
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None


# --------------------------------------------------------------------------- commands

def cmd_evaluate(args: argparse.Namespace) -> int:
    engine = _engine(args)
    outputs: list[dict] = []
    texts: list[str] = []
    failed = False
    for path in args.files:
        try:
            request = read_document(path)
            decision: Decision = engine.evaluate(request, pack=args.pack, at=args.at, explain=args.explain)
        except (InputError, UsageError, UnknownPackError) as exc:
            failed = True
            msg = f"{path}: {exc}" if not str(exc).startswith(path) else str(exc)
            if args.format == "json" and len(args.files) > 1:
                outputs.append({"file": path, "error": msg})
            else:
                print(f"dialogvakt: {msg}", file=sys.stderr)
            continue
        if args.format == "json":
            d = decision.to_dict()
            outputs.append({"file": path, **d} if len(args.files) > 1 else d)
        else:
            text = decision_text(decision, title=path if len(args.files) > 1 else None)
            if args.explain and decision.trace:
                text += "\n" + _trace_text(decision.trace)
            texts.append(text)
    if args.format == "json":
        if outputs:
            payload = outputs if len(args.files) > 1 else outputs[0]
            print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(texts))
    return 2 if failed else 0


def _trace_text(trace: Sequence[dict]) -> str:
    from ..eval.explain import MARK, tree_lines

    lines = ["Sporing (alle regler):"]
    for rule in trace:
        lines.append(f"  [{MARK[rule['result']]}] {rule['pack']} / {rule['rule']} ({rule['effect']})")
        lines += tree_lines(rule["conditions"], 2)
    return "\n".join(lines)


def cmd_explain(args: argparse.Namespace) -> int:
    from ..eval.explain import explain, explain_text

    engine = _engine(args)
    try:
        request = read_document(args.file)
        doc = explain(engine, request, pack=args.pack, at=args.at, rule=args.rule)
    except (InputError, UnknownPackError) as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    if args.rule and not any(p["rules"] for p in doc["packs"]):
        known = sorted(r.id for p in doc["packs"] for r in engine.packs[p["id"]].rules)
        raise UsageError(f"--rule {args.rule}: ingen slik regel i retningslinjene som ble brukt; kjente: {', '.join(known) or 'ingen'}")
    if args.format == "json":
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(explain_text(doc, only=args.only))
    return 0


def cmd_packs(args: argparse.Namespace) -> int:
    engine = _engine(args)
    today = dt.date.fromisoformat(args.at[:10]) if args.at else dt.date.today()
    rows = []
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


def cmd_validate(args: argparse.Namespace) -> int:
    from ..authoring.lint import lint_pack, sort_key, summary_line

    root = Path(args.path) if args.path else (Path(args.policies) if args.policies else bundled_policies_dir())
    if not root.exists():
        raise UsageError(f"{root}: finnes ikke")
    folders = list_pack_folders(root)
    if not folders:
        raise UsageError(f"ingen pakker (mapper med pack.yaml) under {root}")
    reports = [lint_pack(folder) for folder in folders]
    problems = sorted((p for r in reports for p in r.problems), key=sort_key)
    if args.format == "json":
        print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            print(problem)
        if problems:
            print()
        for report in reports:
            print(summary_line(report))
    stop = any(r.errors or (args.strict and r.warnings) for r in reports)
    return 1 if stop else 0


def cmd_test(args: argparse.Namespace) -> int:
    from ..authoring.packtests import pack_report, report_json, report_text

    engine = _engine(args)
    ids = [args.pack] if args.pack else list(engine.packs)
    for pack_id in ids:
        if pack_id not in engine.packs:
            raise UsageError(str(UnknownPackError(pack_id, engine.packs)))
    reports = [pack_report(engine, engine.packs[pack_id]) for pack_id in ids]
    if args.format == "json":
        print(json.dumps(report_json(reports), ensure_ascii=False, indent=2))
    else:
        print(report_text(reports, quiet=args.quiet, verbose=args.verbose))
    return 0 if all(r.ok for r in reports) else 1


def cmd_coverage(args: argparse.Namespace) -> int:
    from ..authoring.coverage import FeatureFileError, compute, report_text

    engine = _engine(args)
    if args.pack and args.pack not in engine.packs:
        raise UsageError(str(UnknownPackError(args.pack, engine.packs)))
    features = Path(args.features) if args.features else (Path("features") if Path("features").is_dir() else None)
    if features is not None and not features.is_dir():
        raise UsageError(f"{features}: finnes ikke eller er ikke en mappe")
    try:
        report = compute(engine, packs=[args.pack] if args.pack else None, features=features)
    except FeatureFileError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(json.dumps({**report.to_dict(), "features": str(features) if features else None},
                         ensure_ascii=False, indent=2))
    else:
        if features is None:
            print("Ingen mappe med scenarioer (--features): bare pakketestene er regnet med.")
        print(report_text(report))
    return 1 if report.gaps() else 0


def cmd_trace(args: argparse.Namespace) -> int:
    from ..authoring.trace import trace_markdown, trace_rows

    engine = _engine(args)
    ids = [args.pack] if args.pack else list(engine.packs)
    for pack_id in ids:
        if pack_id not in engine.packs:
            raise UsageError(str(UnknownPackError(pack_id, engine.packs)))
    if args.format == "markdown":
        print(trace_markdown([engine.packs[i] for i in ids]))
        return 0
    if args.format == "json":
        print(json.dumps({i: trace_rows(engine.packs[i]) for i in ids}, ensure_ascii=False, indent=2))
        return 0
    for pack_id in ids:
        pack = engine.packs[pack_id]
        print(f"{pack.citation} – {pack.title}")
        for row in trace_rows(pack):
            what = ", ".join(f"{r['rule']} ({r['effect']})" for r in row["rules"]) or f"— {row['status']}: {row['reason']}"
            quote = " ".join(row["quote"].split())
            if quote:  # the passage itself, so a reader can find it in the guideline
                quote = quote if len(quote) <= 110 else quote[:109].rstrip() + "…"
                print(f"  § {row['section']}: «{quote}»\n      {what}")
            else:
                print(f"  § {row['section']:<10} {what}")
        print()
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    for path, info in sorted(catalogue().items()):
        kind = info.type + (f"[{info.items}]" if info.items else "")
        extra = f" {{{', '.join(info.values)}}}" if info.values else ""
        flags = (" (derived)" if info.derived else "") + (" (free text)" if info.free_text else "")
        print(f"{path:<45} {kind}{extra}{flags}")
    return 0


def cmd_steg(args: argparse.Namespace) -> int:
    from ..steps.catalogue import catalogue_markdown

    print(catalogue_markdown())
    return 0


def cmd_corpus(args: argparse.Namespace) -> int:
    from ..authoring.corpus import write, write_folder

    if args.n < 0:
        raise UsageError("--n: forventet 0 eller flere meldinger")
    if args.out is None:
        sys.stdout.write(write(args.n, args.seed))
        return 0
    spread = write_folder(Path(args.out), args.n, args.seed, _engine(args))
    print(spread.text())
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from ..authoring.diff import DiffError, diff

    try:
        report = diff(args.old, args.new, args.corpus, pack=args.pack)
    except DiffError as exc:
        raise UsageError(str(exc)) from None
    except PackError as exc:  # a broken version is an error of the comparison, not a difference
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.text())
    return 1 if report.has_changes else 0


def _secret(args: argparse.Namespace, *, generate: bool) -> bytes:
    """The site secret for patient pseudonyms (service and log); see engine.decisionlog.load_secret."""
    import os

    from ..server.decisionlog import load_secret, sqlite_path

    path = args.secret_file or os.environ.get("DIALOGVAKT_SECRET_FILE")
    value = None if path else os.environ.get("DIALOGVAKT_SECRET")
    beside = sqlite_path(args.db or os.environ.get("DIALOGVAKT_DB") or "dialogvakt.sqlite")
    generate_at = None
    if not path and not value and beside is not None and (generate or beside.with_name(beside.name + ".secret").exists()):
        generate_at = beside.with_name(beside.name + ".secret")
    return load_secret(path=path, value=value, generate_at=generate_at)


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    from ..server.app import configure_logging, serve
    from ..server.auth import ConfigError, check_exposure, config_from, is_loopback
    from ..server.config import ServiceConfig
    from ..server.decisionlog import LogError, sqlite_path

    configure_logging()
    try:
        auth = config_from(token=os.environ.get("DIALOGVAKT_TOKEN") if not args.token_file else None,
                           token_file=args.token_file, jwt_key_files=args.jwt_key or (),
                           audience=args.jwt_audience, issuer=args.jwt_issuer, scope=args.jwt_scope)
        check_exposure(args.host, auth, allow_unauthenticated=args.allow_unauthenticated)
        db = args.db or os.environ.get("DIALOGVAKT_DB") or "dialogvakt.sqlite"
        local_sqlite = sqlite_path(db) is not None and is_loopback(args.host)
        secret = _secret(args, generate=local_sqlite)
    except (ConfigError, LogError) as exc:
        raise UsageError(str(exc)) from None
    config = ServiceConfig(policies=getattr(args, "policies", None), db=db, secret=secret, auth=auth,
                           reload_interval=args.reload_interval, test_environment=args.test_environment,
                           max_batch=args.max_batch)
    try:
        serve(config, host=args.host, port=args.port)
    except (FileNotFoundError, LogError) as exc:
        raise UsageError(str(exc)) from None
    return 0


def _when(text: str, name: str) -> dt.datetime:
    """An ISO 8601 date/time, or a span back from now such as 30m, 24h, 7d."""
    import re

    from ..contract.times import OSLO, parse_datetime

    m = re.fullmatch(r"(\d+)\s*([mhd])", text.strip())
    if m:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
        return dt.datetime.now(OSLO) - dt.timedelta(**{unit: int(m.group(1))})
    try:
        return parse_datetime(text, name)
    except InputError:
        raise UsageError(f"{name}: forventet ISO 8601 (2025-06-02 eller 2025-06-02T10:00) eller 30m, 24h, 7d") from None


def cmd_log(args: argparse.Namespace) -> int:
    from ..contract.identifiers import IdentifierError, classify, pseudonym
    from ..server.decisionlog import LogError, open_log, records_text

    patient = None
    if args.patient_stdin:
        number = sys.stdin.readline().strip()
        try:
            classify(number, allow_synthetic=True)
            patient = pseudonym(number, _secret(args, generate=False))
        except IdentifierError as exc:
            raise UsageError(f"pasientnummeret på standard inn {exc}") from None
        except Exception as exc:
            raise UsageError(str(exc)) from None
    since = _when(args.since, "--since") if args.since else None
    until = _when(args.until, "--until") if args.until else None
    try:
        store = open_log(args.db, read_only=True)
        records = store.query(since=since, until=until, pack=args.pack, decision=args.decision, patient=patient,
                              limit=args.limit)
        store.close()
    except LogError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
    elif args.format == "jsonl":
        for r in records:
            print(json.dumps(r.to_dict(), ensure_ascii=False))
    else:
        if records:
            print(records_text(records))
        print(f"{len(records)} avgjørelse(r)", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- argument parsing

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialogvakt", description="Policy engine for Norwegian dialog messages.")
    parser.add_argument("--policies", metavar="DIR", help="folder of packs (default: the bundled packs)")
    sub = parser.add_subparsers(dest="command", required=True)

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
    p.add_argument("--only", choices=("fired", "not_fired", "undecided"), help="show only rules with this result (text)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--test-environment", action="store_true",
                   help="accept synthetic test patient numbers (month + 80)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("packs", help="list packs with their validity")
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.add_argument("--at", metavar="DATE", help="show validity on this date (default: today)")
    p.set_defaults(func=cmd_packs)

    p = sub.add_parser("validate", help="lint packs: file:line:column, check id, rule and a bokmål message")
    p.add_argument("path", nargs="?", help="a pack folder or a folder of packs")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: a list of {file, line, column, severity, code, rule, message}")
    p.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("test", help="run the test cases in each pack's tests/ folder")
    p.add_argument("pack", nargs="?")
    p.add_argument("-v", "--verbose", action="store_true", help="also show file:line of passing cases")
    p.add_argument("-q", "--quiet", action="store_true", help="print only failures and the summaries")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser(
        "coverage", help="which pack tests and Gherkin scenarios exercise each rule, on each side",
        description="Per pack, each rule with the pack tests and scenarios that cover it where it fires "
                    "(slår til) and where it does not (slår ikke til). A passing test covers a side when "
                    "the rule went that way in a decision the test checked, and the test would fail had "
                    "the rule gone the other way; undecided rules count on neither side. Exit 1 when a "
                    "rule lacks a test on one side.")
    p.add_argument("pack", nargs="?", help="pack id (default: all)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--features", metavar="DIR", help="folder of .feature files (default: ./features if present)")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("trace", help="show guideline sections -> rules -> effect")
    p.add_argument("pack", nargs="?")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("facts", help="list the facts rules may use")
    p.set_defaults(func=cmd_facts)

    p = sub.add_parser("steg", help="print the Gherkin step library (bokmål)")
    p.set_defaults(func=cmd_steg)

    p = sub.add_parser("corpus", help="write a deterministic corpus of fictional requests (JSONL)")
    p.add_argument("--n", type=int, required=True, metavar="N", help="number of messages")
    p.add_argument("--seed", type=int, required=True, metavar="S", help="the same seed gives the same corpus")
    p.add_argument("--out", metavar="DIR", help="write DIR/meldinger.jsonl and DIR/README.md, and print how the "
                   "corpus spreads over packs, decisions and rules (default: JSONL on standard output)")
    p.set_defaults(func=cmd_corpus, test_environment=True)  # the corpus has synthetic numbers

    p = sub.add_parser("diff", help="list the corpus messages whose decision changes between two pack versions")
    p.add_argument("old", metavar="OLD", help="pack folder, folder of packs, or REV:PATH in git")
    p.add_argument("new", metavar="NEW", help="pack folder, folder of packs, or REV:PATH in git")
    p.add_argument("--corpus", required=True, metavar="DIR", help="folder (or file) of requests: *.json, *.jsonl, *.yaml")
    p.add_argument("--pack", metavar="ID", help="compare this pack only")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_diff)

    from .monitor import add_arguments, cmd_monitor

    p = sub.add_parser("monitor", help="the conversation monitor: replay or feed events, show findings")
    add_arguments(p)
    p.set_defaults(func=cmd_monitor)

    p = sub.add_parser("serve", help="run the HTTP decision service (uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    p.add_argument("--policies", metavar="DIR", default=argparse.SUPPRESS,
                   help="folder of packs, watched for changes (default: the bundled packs)")
    p.add_argument("--db", metavar="URL", help="decision log: a file, sqlite:///path or postgresql://… "
                   "(default: $DIALOGVAKT_DB or dialogvakt.sqlite)")
    p.add_argument("--secret-file", metavar="FILE", help="site secret for patient pseudonyms "
                   "(default: $DIALOGVAKT_SECRET_FILE or $DIALOGVAKT_SECRET; on loopback with SQLite a new "
                   "secret is made beside the database)")
    p.add_argument("--reload-interval", type=float, default=2.0, metavar="SECONDS",
                   help="poll the policies folder this often and reload changed packs (0: off; default 2)")
    p.add_argument("--test-environment", action="store_true",
                   help="accept synthetic test patient numbers (month + 80)")
    p.add_argument("--max-batch", type=int, default=1000, help="most requests in one batch (default 1000)")
    p.add_argument("--token-file", metavar="FILE", help="require this static bearer token (or $DIALOGVAKT_TOKEN)")
    p.add_argument("--jwt-key", metavar="FILE", action="append",
                   help="accept JWTs signed by this public key (PEM or JWKS file; repeatable)")
    p.add_argument("--jwt-audience", metavar="AUD", help="required aud claim of JWTs")
    p.add_argument("--jwt-issuer", metavar="ISS", help="required iss claim of JWTs (e.g. https://helseid-sts.nhn.no)")
    p.add_argument("--jwt-scope", metavar="SCOPE", help="a scope every JWT must carry")
    p.add_argument("--allow-unauthenticated", action="store_true",
                   help="serve without authentication on a non-loopback address (behind your own access control)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("log", help="query the decision log")
    p.add_argument("--db", metavar="URL", help="decision log (default: $DIALOGVAKT_DB or dialogvakt.sqlite)")
    p.add_argument("--since", metavar="TIME", help="logged at or after (ISO 8601, or 30m, 24h, 7d back)")
    p.add_argument("--until", metavar="TIME", help="logged before (ISO 8601, or 30m, 24h, 7d back)")
    p.add_argument("--pack", metavar="ID", help="decisions that involved this pack")
    p.add_argument("--decision", choices=("allow", "deny", "indeterminate", "not_applicable"))
    p.add_argument("--limit", type=int, metavar="N", help="only the N most recent")
    p.add_argument("--format", choices=("text", "json", "jsonl"), default="text")
    p.add_argument("--patient-stdin", action="store_true",
                   help="only decisions about the patient whose number is read from standard input "
                        "(matched by pseudonym; needs the site secret)")
    p.add_argument("--secret-file", metavar="FILE", help="site secret, for --patient-stdin")
    p.set_defaults(func=cmd_log)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"dialogvakt: {exc}", file=sys.stderr)
        return 2
    except PackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. piping into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
