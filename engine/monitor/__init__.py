"""The conversation monitor: duties over a thread of messages and over time.

``core`` holds the ``Monitor``; ``events`` the event format; ``store`` the event log;
``durable`` the durable_rules backend (the only importer of durable_rules); ``traffic``
generated event streams for tests and benchmarks.

    from engine.monitor import Monitor
"""

from .config import MonitorConfig, MonitorError
from .core import Monitor
from .durable import MonitorUnavailable
from .events import EventError
from .findings import MonitorFinding, finding_labels, findings_text
from .store import StoreError

__all__ = [
           "EventError",
           "Monitor",
           "MonitorConfig",
           "MonitorError",
           "MonitorFinding",
           "MonitorUnavailable",
           "StoreError",
           "finding_labels",
           "findings_text",
]
