"""The ``dialogvakt`` command.

    dialogvakt evaluate FILE... [--pack ID] [--at TIME|message] [--format json|text] [--explain]
                                     FILE is JSON, YAML or Dialogmelding XML (--context FILE, --xsd DIR)
    dialogvakt convert FILE.xml [--format json|yaml] [--context FILE] [--xsd DIR]   the request XML maps to
    dialogvakt apprec FILE.xml [--context FILE] [--at message]   the AppRec 1.1 receipt for a received message
    dialogvakt batch IN.jsonl [--out OUT.jsonl] [--workers N]   JSON Lines of requests, decisions out in order
    dialogvakt packs                 list the packs with their validity
    dialogvakt validate [PATH] [--format json] [--strict]   lint packs (file:line:column, check id, rule)
    dialogvakt test [PACK]           run the packs' own test cases
    dialogvakt coverage [PACK] [--format text|json] [--features DIR]   rules exercised by tests, both sides
    dialogvakt trace [PACK]          guideline sections -> rules -> effect
    dialogvakt explain FILE [--pack ID]   every rule: fired or not, and each condition with the values it saw
    dialogvakt facts                 the fact catalogue rules may use
    dialogvakt steg                  the Gherkin step library (bokmål)
    dialogvakt monitor replay EVENTS.jsonl [--until TIME]   findings over threads (engine/cli/monitor.py)
    dialogvakt corpus --n N --seed S [--out DIR]            a deterministic corpus of fictional requests
    dialogvakt diff OLD NEW --corpus DIR [--pack ID] [--workers N]   messages whose decision a revision changes

    dialogvakt serve [--host H] [--port P] [--policies DIR] [--db URL]   the HTTP decision service
    dialogvakt log [--since T] [--pack ID] [--decision D] [--format F]   query the decision log

Exit status: 0 when the command did its job (whatever the decision), 1 when
packs fail validation or their tests fail, 2 on bad input or usage (for
batch: when some lines were bad; the others are still answered). Errors are
one line and never show a patient's number.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..contract.identifiers import redact_numbers
from ..lang.loader import PackError
from . import authoring, decisions, monitor, service
from .common import UsageError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialogvakt", description="Policy engine for Norwegian dialog messages.")
    parser.add_argument("--policies", metavar="DIR", help="folder of packs (default: the bundled packs)")
    sub = parser.add_subparsers(dest="command", required=True)
    decisions.add_parsers(sub)
    authoring.add_parsers(sub)
    p = sub.add_parser("monitor", help="the conversation monitor: replay or feed events, show findings")
    monitor.add_arguments(p)
    p.set_defaults(func=monitor.cmd_monitor)
    service.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(redact_numbers(f"dialogvakt: {exc}"), file=sys.stderr)  # a file or value named after a patient
        return 2
    except PackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. piping into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
