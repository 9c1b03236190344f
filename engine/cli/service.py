"""The service: ``serve`` (the HTTP decision service) and ``log`` (the decision log).

The server layer is imported by the command that runs, not when the command line is read; only its
plain settings (``ServiceConfig``, for the defaults shown in --help) are read then.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from .common import UsageError, moment, site_secret

if TYPE_CHECKING:
    from .common import Subparsers


def cmd_serve(args: argparse.Namespace) -> int:
    from ..contract.apprec import ApprecConfigError
    from ..contract.xmlschema import SchemaFolderError
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
        secret = site_secret(args, generate=local_sqlite)
    except (ConfigError, LogError) as exc:
        raise UsageError(str(exc)) from None
    config = ServiceConfig(policies=getattr(args, "policies", None), db=db, secret=secret, auth=auth,
                           reload_interval=args.reload_interval, test_environment=args.test_environment,
                           max_batch=args.max_batch, max_body=args.max_body, workers=args.workers,
                           deadline=args.deadline, inline_budget=args.inline_budget / 1000,
                           header_timeout=args.header_timeout,
                           body_timeout=args.body_timeout, keep_alive=args.keep_alive,
                           max_connections=args.max_connections, xsd=args.xsd, apprec=args.apprec_config)
    try:
        serve(config, host=args.host, port=args.port, reuse_port=args.reuse_port)
    except (FileNotFoundError, LogError) as exc:
        raise UsageError(str(exc)) from None
    except SchemaFolderError as exc:
        raise UsageError(f"--xsd {exc}") from None
    except ApprecConfigError as exc:
        raise UsageError(f"--apprec-config {exc}") from None
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from ..contract.identifiers import IdentifierError, classify, pseudonym
    from ..server.decisionlog import LogError, open_log, records_text

    patient = None
    if args.patient_stdin:
        number = sys.stdin.readline().strip()
        try:
            classify(number, allow_synthetic=True)
            patient = pseudonym(number, site_secret(args, generate=False))
        except IdentifierError as exc:
            raise UsageError(f"pasientnummeret på standard inn {exc}") from None
        except Exception as exc:
            raise UsageError(str(exc)) from None
    since = moment(args.since, "--since") if args.since else None
    until = moment(args.until, "--until") if args.until else None
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


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} er ikke et tall") from None
        if value <= 0:
            raise argparse.ArgumentTypeError("må være større enn 0")
        return value

    return parse


def add_parsers(sub: Subparsers) -> None:
    from ..server.config import ServiceConfig  # plain settings: no server is started by reading them

    p = sub.add_parser("serve", help="run the HTTP decision service (uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    p.add_argument("--reuse-port", action="store_true",
                   help="bind the port with SO_REUSEPORT, so that several serve processes answer on it "
                        "(one core each; share a PostgreSQL decision log, see docs/scaling.md)")
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
    defaults = ServiceConfig()
    p.add_argument("--max-batch", type=_positive(int), default=defaults.max_batch,
                   help=f"most requests in one batch (default {defaults.max_batch})")
    p.add_argument("--max-body", type=_positive(int), default=defaults.max_body, metavar="BYTES",
                   help=f"largest request body; a larger one gets 413 unread (default {defaults.max_body})")
    p.add_argument("--workers", type=_positive(int), default=defaults.workers,
                   help=f"threads that decide, reload and feed the monitor (default {defaults.workers})")
    p.add_argument("--inline-budget", type=float, default=defaults.inline_budget * 1000, metavar="MS",
                   help="make a single decision on the event loop, without a thread hop, while the last ones "
                        "each took at most this much CPU time; 0: always on a worker "
                        f"(default {defaults.inline_budget * 1000:g})")
    p.add_argument("--deadline", type=_positive(float), default=defaults.deadline, metavar="SECONDS",
                   help=f"a request not answered by then gets 503 (default {defaults.deadline:g})")
    p.add_argument("--header-timeout", type=_positive(float), default=defaults.header_timeout, metavar="SECONDS",
                   help=f"time for a request's headers to arrive; then 408 (default {defaults.header_timeout:g})")
    p.add_argument("--body-timeout", type=_positive(float), default=defaults.body_timeout, metavar="SECONDS",
                   help=f"time for a request's body to arrive; then 408 (default {defaults.body_timeout:g})")
    p.add_argument("--keep-alive", type=_positive(int), default=defaults.keep_alive, metavar="SECONDS",
                   help=f"close an idle keep-alive connection after this (default {defaults.keep_alive})")
    p.add_argument("--max-connections", type=_positive(int), default=defaults.max_connections,
                   help=f"open connections; beyond them 503 (default {defaults.max_connections})")
    p.add_argument("--xsd", metavar="DIR", help="strict mode: refuse XML that the official XSDs in DIR refuse "
                   "(MsgHead-v1_2.xsd, dialogmelding-v1.0.xsd, dialogmelding-v1.1.xsd, ...), with the line")
    p.add_argument("--apprec-config", metavar="FILE", help="which decision gives which AppRec status "
                   "(default: engine/schemas/apprec-mapping.yaml)")
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
