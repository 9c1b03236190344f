"""The Gherkin scenarios that exercise a pack, run as ``dialogvakt test`` runs the pack's own cases.

An author who edits a pack sees in one place what the edit broke: the pack tests and the
scenarios under ``features/`` that evaluate a message with that pack (or sit in its folder,
``features/<pack>/``). A scenario passes when every step does; a failure says, in bokmål,
which step and what was expected against what came (the step library's own words).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..eval.engine import Engine
from ..steps.core import load_actors
from .coverage import ConversationRun, parse_features, run_scenario


@dataclass
class ScenarioResult:
    name: str
    location: str
    packs: set[str] = field(default_factory=set)  # the packs its evaluations used (or its folder names)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "location": self.location, "packs": sorted(self.packs), "ok": self.ok,
                "problems": list(self.problems)}


def run_features(engine: Engine, folder: Path, packs: Iterable[str] | None = None) -> list[ScenarioResult]:
    """Every scenario under ``folder`` that exercises one of ``packs`` (all when None), with its outcome.

    Raises coverage.FeatureFileError (file:line:column) when a feature file is not valid Gherkin.
    """
    wanted = set(packs) if packs is not None else None
    actors_file = folder / "aktorer.yaml"
    actors = load_actors(actors_file) if actors_file.exists() else {}
    results = []
    for case in parse_features(folder):
        runs: list[ConversationRun] = []
        problems, recorder, _ = run_scenario(engine, actors, case, runs)
        used = {p.id for e in recorder.evaluations for p in e.decision.packs}
        used |= {p.id for r in runs for p in r.packs}
        used |= {part for part in Path(case.location.split(":", 1)[0]).parts if part in engine.packs}
        result = ScenarioResult(case.name, case.location, used, problems)
        if wanted is None or used & wanted:
            results.append(result)
    return results


def scenarios_text(results: list[ScenarioResult], *, quiet: bool = False) -> str:
    lines = ["Scenarioer (features/):"]
    for r in results:
        if r.ok and quiet:
            continue
        if r.ok:
            lines.append(f"  PASS {r.name}")
        else:
            lines.append(f"  FAIL {r.name}  ({r.location})")
            lines += [f"       {p}" for p in r.problems]
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results)} scenarioer: {len(results) - failed} bestått, {failed} feilet.")
    return "\n".join(lines)


__all__ = ["ScenarioResult", "run_features", "scenarios_text"]
