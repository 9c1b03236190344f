"""Rule coverage for the pack pages, computed once per set of pack revisions, in the background.

Coverage runs every pack test and scenario (seconds). The first page that asks starts it in
a process of its own (``coverage_job``); until it is done the page says so, and afterwards
every page reads the cached result for the pack's revision. A pack that is reloaded with a
new revision is computed again when its page is next opened.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..decisionlog import redact

log = logging.getLogger("dialogvakt.service")


def features_beside(policies: Path) -> Path | None:
    """The repository's ``features/`` beside its ``policies/``; None where the packs are installed."""
    candidate = policies.resolve().parent / "features"
    return candidate if candidate.is_dir() and any(candidate.rglob("*.feature")) else None


@dataclass
class CoverageCache:
    policies: Path
    results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (pack, revision) -> rules
    meta: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # what the run counted
    running: asyncio.Task[None] | None = None
    failed: str | None = None
    failed_at: float = 0.0
    seconds: float | None = None

    RETRY_SECONDS = 30.0  # after a failure, pages do not start it again before this

    def get(self, pack: str, revision: str) -> dict[str, Any] | None:
        """{rule id: coverage} for a pack revision, or None while it is not computed yet (and then start it,
        unless it failed moments ago)."""
        found = self.results.get((pack, revision))
        retry = self.failed is None or time.monotonic() - self.failed_at > self.RETRY_SECONDS
        if found is None and self.running is None and retry:
            self.running = asyncio.get_running_loop().create_task(self._compute())
        return found

    def summary(self, pack: str, revision: str) -> dict[str, Any] | None:
        return self.meta.get((pack, revision))

    async def _compute(self) -> None:
        started = time.perf_counter()
        features = features_beside(self.policies)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "engine.server.web.coverage_job", str(self.policies),
                str(features) if features else "", stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
            out, err = await process.communicate()
            if process.returncode != 0:
                raise RuntimeError((err.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1])
            doc = json.loads(out)
            by_pack: dict[str, dict[str, Any]] = {}
            for rule in doc["report"]["rules"]:
                by_pack.setdefault(rule["pack"], {})[rule["rule"]] = rule
            for pack, revision in doc["revisions"].items():
                self.results[(pack, revision)] = by_pack.get(pack, {})
                self.meta[(pack, revision)] = {
                    "tests_run": doc["report"]["tests_run"], "scenarios_run": doc["report"]["scenarios_run"],
                    "features": doc["features"],
                    "failures": [f for f in doc["report"]["failures"] if f.get("name", "").startswith(pack)
                                 or pack in f.get("location", "")]}
            self.failed = None
        except Exception as exc:  # the page says so; the next visit tries again
            self.failed = redact(f"{type(exc).__name__}: {exc}")
            self.failed_at = time.monotonic()
            log.warning("rule coverage for the pages failed: %s", self.failed)
        finally:
            self.seconds = time.perf_counter() - started
            self.running = None


__all__ = ["CoverageCache", "features_beside"]
