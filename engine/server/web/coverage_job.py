"""Rule coverage for the page of a pack, computed in a process of its own.

    python -m engine.server.web.coverage_job POLICIES [FEATURES]

prints ``{"revisions": {pack: revision}, "report": <CoverageReport.to_dict()>, "features": ...}``.
A process of its own because the scenarios run conversation monitors (durable_rules keeps
process-wide state) and take seconds of CPU that the service's requests should not wait behind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ...authoring.coverage import compute
from ...eval.engine import Engine


def run(policies: Path, features: Path | None) -> dict[str, object]:
    engine = Engine.from_directory(policies)
    report = compute(engine, features=features)
    return {"revisions": {p.id: p.revision for p in engine.packs.values()}, "report": report.to_dict(),
            "features": str(features) if features else None}


def main(argv: list[str]) -> int:
    policies = Path(argv[0])
    features = Path(argv[1]) if len(argv) > 1 and argv[1] else None
    json.dump(run(policies, features), sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":  # pragma: no cover - run by CoverageCache
    sys.exit(main(sys.argv[1:]))
