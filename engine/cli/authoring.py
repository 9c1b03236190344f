"""For policy authors: ``validate``, ``test``, ``coverage``, ``trace``, ``steg``, ``corpus`` and ``diff``.

The authoring layer is imported by the command that runs, not when the command line is read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..eval.engine import UnknownPackError
from ..lang.loader import PackError, bundled_policies_dir, list_pack_folders
from .common import UsageError, load_engine

if TYPE_CHECKING:
    from .common import Subparsers


def cmd_validate(args: argparse.Namespace) -> int:
    from ..authoring.lint import lint_pack, sort_key, summary_line

    root = Path(args.path) if args.path else (Path(args.policies) if args.policies else bundled_policies_dir())
    if not root.exists():
        raise UsageError(f"{root}: finnes ikke")
    folders = list_pack_folders(root)
    if not folders:
        raise UsageError(f"ingen pakker (mapper med pack.yaml) under {root}")
    texts = Path(args.texts) if args.texts else None
    if texts is not None and not texts.is_dir():
        raise UsageError(f"--texts {texts}: finnes ikke eller er ikke en mappe")
    reports = [lint_pack(folder, texts) for folder in folders]
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

    engine = load_engine(args)
    ids = [args.pack] if args.pack else list(engine.packs)
    for pack_id in ids:
        if pack_id not in engine.packs:
            raise UsageError(str(UnknownPackError(pack_id, engine.packs)))
    reports = [pack_report(engine, engine.packs[pack_id]) for pack_id in ids]
    features = _features_folder(args)
    scenarios = []
    if features is not None:
        from ..authoring.coverage import FeatureFileError
        from ..authoring.scenarios import run_features

        try:
            scenarios = run_features(engine, features, ids)
        except FeatureFileError as exc:
            raise UsageError(str(exc)) from None
    if args.format == "json":
        doc = report_json(reports)
        if features is not None:
            doc["scenarios"] = [r.to_dict() for r in scenarios]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        if features is not None:  # first, so that the pack summary stays the last line
            from ..authoring.scenarios import scenarios_text

            print(scenarios_text(scenarios, quiet=args.quiet))
            print()
        print(report_text(reports, quiet=args.quiet, verbose=args.verbose))
        if any(not r.ok for r in scenarios):
            print(f"{sum(not r.ok for r in scenarios)} scenario(er) feilet – se over.")
    return 0 if all(r.ok for r in reports) and all(r.ok for r in scenarios) else 1


def _features_folder(args: argparse.Namespace) -> Path | None:
    """--features DIR, else ./features when it is there; None with --no-features."""
    if getattr(args, "no_features", False):
        return None
    features = Path(args.features) if getattr(args, "features", None) else (
        Path("features") if Path("features").is_dir() else None)
    if features is not None and not features.is_dir():
        raise UsageError(f"{features}: finnes ikke eller er ikke en mappe")
    return features


def cmd_coverage(args: argparse.Namespace) -> int:
    from ..authoring.coverage import FeatureFileError, compute, report_text

    engine = load_engine(args)
    if args.pack and args.pack not in engine.packs:
        raise UsageError(str(UnknownPackError(args.pack, engine.packs)))
    features = Path(args.features) if args.features else (Path("features") if Path("features").is_dir() else None)
    if features is not None and not features.is_dir():
        raise UsageError(f"{features}: finnes ikke eller er ikke en mappe")
    if args.workers < 1:
        raise UsageError("--workers: forventet 1 eller flere")
    try:
        report = compute(engine, packs=[args.pack] if args.pack else None, features=features, workers=args.workers)
    except FeatureFileError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(json.dumps({**report.to_dict(), "features": str(features) if features else None},
                         ensure_ascii=False, indent=2))
    else:
        if features is None:
            print("Ingen mappe med scenarioer (--features): bare pakketestene er regnet med.")
        print(report_text(report))
    return 1 if report.gaps() or report.failures else 0


def cmd_trace(args: argparse.Namespace) -> int:
    from ..authoring.trace import trace_markdown, trace_rows

    engine = load_engine(args)
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
            what = (", ".join(f"{r['rule']} ({r['effect']})" for r in row["rules"])
                    or f"— {row['status']}: {row['reason']}")
            quote = " ".join(row["quote"].split())
            if quote:  # the passage itself, so a reader can find it in the guideline
                quote = quote if len(quote) <= 110 else quote[:109].rstrip() + "…"
                print(f"  § {row['section']}: «{quote}»\n      {what}")
            else:
                print(f"  § {row['section']:<10} {what}")
        print()
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
    spread = write_folder(Path(args.out), args.n, args.seed, load_engine(args))
    print(spread.text())
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from ..authoring.diff import DiffError, diff
    from ..eval.batch import default_workers

    workers = default_workers() if args.workers is None else args.workers
    if workers < 1:
        raise UsageError("--workers: forventet 1 eller flere")
    try:
        report = diff(args.old, args.new, args.corpus, pack=args.pack, workers=workers)
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


def add_parsers(sub: Subparsers) -> None:
    p = sub.add_parser("validate", help="lint packs: file:line:column, check id, rule and a bokmål message")
    p.add_argument("path", nargs="?", help="a pack folder or a folder of packs")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: a list of {file, line, column, severity, code, rule, message}")
    p.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    p.add_argument("--texts", metavar="DIR", help="folder with the guidelines' texts (the file each pack's "
                   "document.file names): every quote must be in its text")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("test", help="run each pack's test cases and the Gherkin scenarios that exercise it")
    p.add_argument("pack", nargs="?")
    p.add_argument("-v", "--verbose", action="store_true", help="also show file:line of passing cases")
    p.add_argument("-q", "--quiet", action="store_true", help="print only failures and the summaries")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--features", metavar="DIR", help="the scenarios (default: ./features when it is there)")
    p.add_argument("--no-features", action="store_true", help="only the pack's own test cases")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser(
        "coverage", help="which pack tests and Gherkin scenarios exercise each rule, on each side",
        description="Per pack, each rule with the pack tests and scenarios that cover it where it fires "
                    "(slår til) and where it does not (slår ikke til). A passing test covers a side when "
                    "the rule went that way in a decision the test checked, and the test would fail had "
                    "the rule gone the other way; undecided rules count on neither side. Exit 1 when a "
                    "rule lacks a test on one side, or when a test or scenario fails.")
    p.add_argument("pack", nargs="?", help="pack id (default: all)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--features", metavar="DIR", help="folder of .feature files (default: ./features if present)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes for the tests and "
                   "scenarios, as for batch (default: 1, in this process: a few hundred items do not pay for "
                   "starting workers on a small machine)")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("trace", help="show guideline sections -> rules -> effect")
    p.add_argument("pack", nargs="?")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.set_defaults(func=cmd_trace)

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
    p.add_argument("--corpus", required=True, metavar="DIR",
                   help="folder (or file) of requests: *.json, *.jsonl, *.yaml")
    p.add_argument("--pack", metavar="ID", help="compare this pack only")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes, as for batch (default: one per "
                   "core; 1: in this process)")
    p.set_defaults(func=cmd_diff)
