"""``dialogvakt monitor``: the conversation monitor on the command line.

    dialogvakt monitor replay EVENTS.jsonl [--until TIME] [--lateness 15m] [--format json|text]
        replay an event file in memory and print the findings (nothing is stored)
    dialogvakt monitor feed EVENTS.jsonl [--flush] [--config FILE] [--store PATH|URL] [--lateness 15m]
        append events to the site's event log and print the findings they made or resolved
    dialogvakt monitor tick [TIME] [--config FILE] [--store PATH|URL]
        let time pass (default: now) in the stored log and print what became due
    dialogvakt monitor findings [--status open|resolved|recorded|all] [--config FILE] [--store PATH|URL]
        replay the stored log and print its findings

Events are applied in time order within the lateness window (``--lateness``,
``lateness`` in --config, DIALOGVAKT_MONITOR_LATENESS; 15 minutes by default).
What each command says about time at its end:

- ``replay`` holds every event there is: at the end it applies everything, up to
  ``--until`` or the last event's time;
- ``feed`` adds to a log that other deliveries also add to: the events of its
  last window stay in the log, waiting, until a later event, ``tick`` or
  ``feed --flush`` (the file is complete: everything up to its last event has
  come) lets them through;
- ``tick`` says it is now TIME and everything before it has come;
- ``findings`` replays the log and changes nothing.

The store and the site's secret for patient pseudonyms come from --config (YAML:
store, secret_file, shards, retention_days, policies, test_environment, lateness)
and the environment (DIALOGVAKT_MONITOR_STORE, DIALOGVAKT_MONITOR_SECRET or
DIALOGVAKT_MONITOR_SECRET_FILE). This module imports durable_rules only when a
command runs, so ``dialogvakt --help`` works everywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import TYPE_CHECKING

from ..contract.bokmal import norsk_dato
from ..contract.identifiers import redact_numbers
from ..contract.times import OSLO
from ..eval.engine import Engine, UnknownPackError
from ..lang.loader import PackError
from ..monitor import Monitor, MonitorConfig, MonitorError, MonitorFinding, findings_text
from ..monitor.config import DEFAULT_LATENESS, parse_lateness
from ..monitor.durable import MonitorUnavailable
from ..monitor.events import EventError, parse_time
from ..monitor.store import StoreError

if TYPE_CHECKING:  # for annotations only
    from ..lang.tree import CompiledPack


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="monitor_command", required=True)

    def common(p: argparse.ArgumentParser, stored: bool) -> None:
        p.add_argument("--format", choices=("json", "text"), default="text")
        p.add_argument("--lateness", metavar="DURATION",
                       help="how late an event may arrive and still be applied in its place in time: 0, 90s, 15m, "
                            "2h, 1d (default: " + ("lateness in --config, DIALOGVAKT_MONITOR_LATENESS, else "
                                                   if stored else "")
                            + f"{int(DEFAULT_LATENESS.total_seconds() // 60)}m)")
        p.add_argument("--pack", action="append", help="only this pack's conversation rules (repeatable)")
        p.add_argument("--status", choices=("open", "resolved", "recorded", "all"), default="all",
                       help="which findings to print (default: all)")
        if stored:
            p.add_argument("--config", metavar="FILE", help="monitor configuration (YAML)")
            p.add_argument("--store", metavar="PATH|URL", help="the event log: an SQLite file or a postgresql:// URL")
        else:
            p.add_argument("--test-environment", action="store_true",
                           help="accept synthetic test patient numbers (month + 80)")

    p = sub.add_parser("replay", help="replay an event file (JSONL) in memory and print the findings")
    p.add_argument("events", metavar="EVENTS.jsonl", help="event file, or - for standard input")
    p.add_argument("--until", metavar="TIME", help="stop at this time (ISO 8601) and show the findings then")
    common(p, stored=False)
    p.set_defaults(monitor_func=cmd_replay)

    p = sub.add_parser("feed", help="append events to the stored event log and print what they changed")
    p.add_argument("events", metavar="EVENTS.jsonl", help="event file, or - for standard input")
    p.add_argument("--flush", action="store_true",
                   help="the file is complete: apply everything up to its last event's time, also the events that "
                        "would otherwise wait for later ones (stored, like tick)")
    common(p, stored=True)
    p.set_defaults(monitor_func=cmd_feed)

    p = sub.add_parser("tick", help="let time pass in the stored log (default: now) and print what became due")
    p.add_argument("time", nargs="?", metavar="TIME", help="ISO 8601 (default: now, Europe/Oslo)")
    common(p, stored=True)
    p.set_defaults(monitor_func=cmd_tick)

    p = sub.add_parser("findings", help="replay the stored event log and print its findings")
    common(p, stored=True)
    p.set_defaults(monitor_func=cmd_findings)


def cmd_monitor(args: argparse.Namespace) -> int:

    try:
        return args.monitor_func(args)
    except (MonitorUnavailable, MonitorError, StoreError, EventError) as exc:
        print(redact_numbers(f"dialogvakt: {exc}"), file=sys.stderr)
        return 2
    except PackError:
        raise
    except FileNotFoundError as exc:
        print(redact_numbers(f"dialogvakt: {exc}"), file=sys.stderr)
        return 2


def _packs(args: argparse.Namespace) -> list[CompiledPack]:

    engine = Engine.from_directory(args.policies)
    if not args.pack:
        return list(engine.packs.values())
    missing = [p for p in args.pack if p not in engine.packs]
    if missing:
        raise FileNotFoundError(str(UnknownPackError(missing[0], engine.packs)))
    return [engine.packs[p] for p in args.pack]


def _stored_monitor(args: argparse.Namespace) -> Monitor:
    config = MonitorConfig.load(args.config)
    if args.store:
        config.store = args.store
    if config.store is None:
        raise MonitorError("no event log: give --store PATH|URL, store in --config, or DIALOGVAKT_MONITOR_STORE")
    if config.policies and not args.policies:
        args.policies = config.policies
    lateness = parse_lateness(args.lateness, "--lateness") if args.lateness else config.lateness
    return Monitor(_packs(args), store=config.store, secret=config.secret, shards=config.shards,
                   retention_days=config.retention_days, allow_synthetic_ids=config.allow_synthetic_ids,
                   lateness=lateness)


def _print(args: argparse.Namespace, monitor: Monitor, findings: list[MonitorFinding], *,
           title: str | None = None) -> None:
    if args.status != "all":
        findings = [f for f in findings if f.status == args.status]
    stats = monitor.stats()
    if args.format == "json":
        payload = {"clock": monitor.clock.isoformat() if monitor.clock else None, "events": monitor.events_seen,
                   "waiting": stats["waiting"], "late_events": stats["late_events"],
                   "findings": [f.to_dict() for f in findings]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if title:
        print(title)
    print(findings_text(findings, clock=monitor.clock))
    if stats["waiting"]:
        mark = monitor.watermark
        after = f" etter {norsk_dato(mark.date(), weekday=True)} kl. {mark:%H:%M}" if mark else ""
        print(f"{stats['waiting']} hendelser{after} venter på senere hendelser før de vurderes "
              "(dialogvakt monitor tick slipper dem fram).")
    if stats["late_events"]:
        print(f"{stats['late_events']} hendelser kom senere enn vinduet for forsinkede hendelser og ble vurdert "
              "så godt det gikk.")


def cmd_replay(args: argparse.Namespace) -> int:

    until = parse_time(args.until) if args.until else None
    lateness = parse_lateness(args.lateness, "--lateness") if args.lateness else DEFAULT_LATENESS
    with Monitor(_packs(args), allow_synthetic_ids=args.test_environment, lateness=lateness) as monitor:
        monitor.feed_file(args.events, until=until)
        if until is not None:  # the file is every event there is: apply them all
            monitor.advance(until)
        else:
            monitor.flush()
        _print(args, monitor, monitor.findings())
    return 0


def cmd_feed(args: argparse.Namespace) -> int:
    with _stored_monitor(args) as monitor:
        changed = monitor.feed_file(args.events)
        if args.flush:
            changed += monitor.flush()
        _print(args, monitor, list({id(f): f for f in changed}.values()))
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    with _stored_monitor(args) as monitor:
        moment = args.time or dt.datetime.now(OSLO).replace(microsecond=0).isoformat()
        _print(args, monitor, monitor.advance(moment))
    return 0


def cmd_findings(args: argparse.Namespace) -> int:
    with _stored_monitor(args) as monitor:
        _print(args, monitor, monitor.findings())
    return 0
