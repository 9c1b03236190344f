"""The packs being served: compiled off to the side on a change of their files, and swapped in whole."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

import anyio

from ..contract.times import OSLO
from ..eval.engine import Engine, compile_packs
from ..lang.compiler import compile_pack
from ..lang.loader import Location, PackError, PackProblem, display_path, list_pack_folders
from ..lang.reference import REFERENCE_FILE
from ..lang.tree import CompiledPack
from .decisionlog import redact
from .metrics import Metrics

log = logging.getLogger("dialogvakt.service")

Fingerprint = tuple[tuple[str, int, int], ...]  # (path, mtime in ns, size) of every pack file


def problems_text(exc: PackError, folder: Path) -> list[str]:
    """The problems as lines, each with its place: one without a place of its own is put at the top of
    the folder's pack.yaml, so that a report never says where nothing is."""
    top = Location(display_path(folder / "pack.yaml"), 1, 1)
    return [str(p if p.location is not None else PackProblem(top, p.message, p.severity, p.code, p.rule))
            for p in exc.problems]


def compiled(folder: Path) -> CompiledPack:
    """``compile_pack``, with anything but a PackError (a fault in the engine, not in the pack) made one,
    so that one folder can never stop a reload or a start: it is refused with a place like any other."""
    try:
        return compile_pack(folder)
    except PackError:
        raise
    except Exception as exc:
        log.error("compiling %s failed: %s", folder, redact(f"{type(exc).__name__}: {exc}"))
        where = Location(display_path(folder / "pack.yaml"), 1, 1)
        raise PackError([PackProblem(where, f"pakken kunne ikke leses ({type(exc).__name__}); se tjenestens logg",
                                     code="skjemafeil")]) from None


class Packs:
    """The compiled packs being served; reloaded off to the side and swapped in whole.

    Each pack folder is compiled on its own: a folder that fails validation is
    refused with its problems and the pack it held keeps serving; the others
    take their new version. Readers take ``self.engine`` once per request, so
    a request never sees half of a reload.
    """

    def __init__(self, root: Path, *, allow_synthetic_ids: bool, metrics: Metrics):
        self.root = root
        self.allow_synthetic_ids = allow_synthetic_ids
        self.metrics = metrics
        self._lock = threading.Lock()
        self.engine = Engine(self._first_load(root), allow_synthetic_ids=allow_synthetic_ids)
        self.fingerprint = self.scan()
        self.loaded_at = dt.datetime.now(OSLO)
        self.last_reload: dict[str, Any] | None = None
        metrics.set_packs(self.engine.packs)

    @staticmethod
    def _first_load(root: Path) -> list[CompiledPack]:
        try:
            return compile_packs(root)
        except (PackError, FileNotFoundError):
            raise
        except Exception:  # one folder's fault in the engine: compile them one by one to find and name it
            packs, problems = [], []
            for folder in list_pack_folders(root):
                try:
                    packs.append(compiled(folder))
                except PackError as exc:
                    problems.extend(exc.problems)
            if problems:
                raise PackError(problems) from None
            return packs

    def scan(self) -> Fingerprint:
        """What a change of the pack files would change: names, sizes and modification times."""
        entries: list[tuple[str, int, int]] = []
        # the reference data every pack under the root may read, then each pack's own files
        paths = [self.root / REFERENCE_FILE, *(p for folder in list_pack_folders(self.root)
                                               for p in sorted(folder.glob("*.yaml")))]
        for path in paths:
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            entries.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(entries)

    def reload(self) -> dict[str, Any]:
        """Compile every folder off to the side, then swap. Returns the reload report."""
        with self._lock:
            before = self.scan()
            current = self.engine.packs
            by_folder = {p.folder.resolve(): p for p in current.values()}
            new: list[CompiledPack] = []
            report: list[dict[str, Any]] = []
            refused = False
            seen: set[Path] = set()
            for folder in list_pack_folders(self.root):
                key = folder.resolve()
                seen.add(key)
                old = by_folder.get(key)
                try:
                    pack = compiled(folder)
                except PackError as exc:
                    refused = True
                    self.metrics.reload_failures.labels(redact(folder.name) or "").inc()
                    entry: dict[str, Any] = {"folder": folder.name, "status": "refused",
                                             "problems": problems_text(exc, folder)}
                    if old is not None:
                        entry.update(id=old.id, version=old.version, revision=old.revision)
                        new.append(old)
                    report.append(entry)
                    continue
                if old is not None and old.revision == pack.revision and old.id == pack.id:
                    new.append(old)
                    status = "unchanged"
                else:
                    new.append(pack)
                    status = "loaded" if old is not None else "added"
                report.append({"folder": folder.name, "id": pack.id, "version": pack.version,
                               "revision": pack.revision, "status": status})
            for key, old in by_folder.items():
                if key not in seen:
                    report.append({"folder": key.name, "id": old.id, "version": old.version,
                                   "revision": old.revision, "status": "removed"})
            ids = [p.id for p in new]
            duplicates = {i for i in ids if ids.count(i) > 1}
            if duplicates:
                refused = True
                for entry in report:
                    if entry.get("id") in duplicates and entry["status"] in ("loaded", "added"):
                        entry["status"] = "refused"
                        where = Location(display_path(self.root / entry["folder"] / "pack.yaml"), 1, 1)
                        entry["problems"] = [str(PackProblem(where, f"pakke-id «{entry['id']}» finnes i flere mapper",
                                                             code="pakke-id"))]
                new = [p for p in new if p.id not in duplicates] + [
                    p for p in current.values() if p.id in duplicates]
            changed = any(e["status"] in ("loaded", "added", "removed") for e in report)
            if not new:
                refused = True
                new = list(current.values())
            if changed:
                self.engine = Engine(new, allow_synthetic_ids=self.allow_synthetic_ids)  # the atomic swap
                self.loaded_at = dt.datetime.now(OSLO)
                self.metrics.set_packs(self.engine.packs)
            self.fingerprint = before
            result = "refused" if refused else ("ok" if changed else "unchanged")
            self.metrics.reloads.labels(result).inc()
            self.last_reload = {"result": result, "at": dt.datetime.now(OSLO).isoformat(), "packs": report}
            for entry in report:
                if entry["status"] == "refused":
                    log.warning("pack folder %s refused; %s", entry["folder"],
                                "the previous version keeps serving" if entry.get("id") else "not loaded")
                    for problem in entry.get("problems", []):
                        log.warning("  %s", problem)
                elif entry["status"] != "unchanged":
                    log.info("pack %s %s (version %s, revision %s)", entry.get("id"), entry["status"],
                             entry.get("version"), entry.get("revision"))
            return self.last_reload


async def watch(packs: Packs, interval: float) -> None:
    """Poll the pack files; reload when a change has held still for one interval."""
    pending: Fingerprint | None = None
    while True:
        await asyncio.sleep(interval)
        try:
            now = packs.scan()
            if now == packs.fingerprint:
                pending = None
                continue
            if now != pending:
                pending = now  # changed: wait one more interval so that an editor's save is complete
                continue
            pending = None
            await anyio.to_thread.run_sync(packs.reload)
        except Exception as exc:  # keep watching whatever happens
            log.error("pack watcher: %s", redact(f"{type(exc).__name__}: {exc}"))
