"""Prometheus metrics in a registry of the service's own. Labels never hold patient data."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ..contract.decision import Decision
from ..lang.tree import CompiledPack


class Metrics:
    """Prometheus metrics in a registry of the application's own. Labels never hold patient data."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.decisions = Counter("dialogvakt_decisions_total", "Decisions given, by outcome.", ["decision"],
                                 registry=r)
        self.pack_decisions = Counter("dialogvakt_pack_decisions_total",
                                      "Pack outcomes within the decisions given, by pack and version.",
                                      ["pack", "version", "decision"], registry=r)
        self.errors = Counter("dialogvakt_decision_errors_total", "Requests answered with a problem instead of "
                              "a decision, by kind.", ["kind"], registry=r)
        self.request_seconds = Histogram(
            "dialogvakt_request_duration_seconds", "Time from request to response, by route.", ["route"],
            buckets=(0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                     2.5, 5.0), registry=r)
        self.evaluation_seconds = Histogram(
            "dialogvakt_evaluation_seconds", "Engine time for one decision (no HTTP, no log).",
            buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1), registry=r)
        self.log_seconds = Histogram(
            "dialogvakt_decision_log_commit_seconds", "Time to commit decisions to the decision log.",
            buckets=(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5), registry=r)
        self.log_failures = Counter("dialogvakt_decision_log_failures_total",
                                    "Decisions withheld because the decision log could not be written.", registry=r)
        self.reloads = Counter("dialogvakt_pack_reloads_total", "Pack reloads, by result (ok, unchanged, refused).",
                               ["result"], registry=r)
        self.reload_failures = Counter("dialogvakt_pack_reload_failures_total",
                                       "Pack folders refused on reload, by folder.", ["folder"], registry=r)
        self.deadlines = Counter("dialogvakt_deadline_exceeded_total",
                                 "Requests answered 503 because their work was not done by the deadline, by kind.",
                                 ["work"], registry=r)
        self.timeouts = Counter("dialogvakt_client_timeouts_total",
                                "Connections cut off because the client sent its headers or body too slowly.",
                                ["phase"], registry=r)
        self.pack_info = Gauge("dialogvakt_pack_info", "The pack versions being served (value 1).",
                               ["pack", "version", "revision"], registry=r)

    def set_packs(self, packs: Mapping[str, CompiledPack]) -> None:
        self.pack_info.clear()
        for p in packs.values():
            self.pack_info.labels(p.id, p.version, p.revision).set(1)

    def count_decision(self, decision: Decision) -> None:
        self.decisions.labels(decision.decision).inc()
        for p in decision.packs:
            self.pack_decisions.labels(p.id, p.version, p.decision).inc()
