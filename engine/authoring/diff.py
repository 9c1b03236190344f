"""Which decisions a revision of a pack changes (``dialogvakt diff OLD NEW --corpus DIR``).

Every message of a corpus is evaluated under two versions of the packs, each compiled once, and the
messages whose decision, reasons, advice, obligations (with their dates), pack validity, chosen
packs or missing facts differ are listed, grouped by the rule that started or stopped firing (or
whose explanation or dates changed). A version is a pack folder, a folder of packs, or
``REV:PATH`` in the git repository of the current directory.

What is compared, per message:
- the overall decision;
- per pack chosen by its scope: its decision and its validity state (in force, expired, not yet in
  force); the advice that a pack is expired is represented by that state, not by its wording;
- per rule: whether it fired, and the wording and due dates it gave;
- the missing facts.
Suggestions are not compared on their own: they belong to the rule that gave them.

Messages are named by file and line (JSONL) or file, and their message id: never by patient number.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import posixpath
import shutil
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract.bokmal import label
from ..contract.decision import Decision
from ..contract.errors import InputError
from ..eval.batch import ordered_map
from ..eval.engine import Engine
from ..lang.compiler import compile_pack
from ..lang.loader import DataError, Location, PackError, PackProblem, list_pack_folders, parse_data, read_text
from ..lang.tree import CompiledPack

VALIDITY_WORDS = {"valid": "gjelder", "expired": "utløpt", "not_yet_valid": "ikke i kraft ennå", None: "ikke valgt"}
CHANGE_WORDS = {"started": "slår nå til", "stopped": "slår ikke lenger til", "changed": "ny ordlyd eller nye datoer"}
CORPUS_SUFFIXES = (".json", ".jsonl", ".yaml", ".yml")


class DiffError(Exception):
    """A problem with the command's input (a version, the corpus): one line, exit status 2."""


# --------------------------------------------------------------------------- versions

@dataclass
class Version:
    """A version of the packs: where its files are, and how to name it."""

    spec: str
    folder: Path
    label: str
    temporary: Path | None = None

    def close(self) -> None:
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)
            self.temporary = None


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise DiffError("git finnes ikke på denne maskinen; oppgi versjonene som mapper i stedet") from None


def resolve_version(spec: str, cwd: Path | None = None) -> Version:
    """A folder as it is, or ``REV:PATH`` extracted from git into a temporary folder."""
    cwd = Path(cwd or Path.cwd())
    if Path(spec).exists() or ":" not in spec:
        folder = Path(spec)
        if not folder.is_dir():
            raise DiffError(f"{spec}: finnes ikke (oppgi en mappe med retningslinjer eller REVISJON:STI)")
        return Version(spec, folder, spec)
    rev, path = spec.split(":", 1)
    if not rev:
        raise DiffError(f"{spec}: mangler revisjon før ':' (for eksempel HEAD~1:policies/helse-bergen-d81023)")
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise DiffError(f"{spec}: {cwd} er ikke i et git-repository")
    toplevel = Path(top.stdout.decode().strip())
    prefix = _git(["rev-parse", "--show-prefix"], cwd).stdout.decode().strip()
    if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd).returncode != 0:
        raise DiffError(f"{spec}: revisjonen '{rev}' finnes ikke i git-repositoryet")
    target = posixpath.normpath(posixpath.join(prefix, path or "."))
    if target.startswith(".."):
        raise DiffError(f"{spec}: stien ligger utenfor git-repositoryet")
    archive = _git(["archive", "--format=tar", rev, "--", target], toplevel)
    if archive.returncode != 0:
        raise DiffError(f"{spec}: '{path}' finnes ikke i revisjonen '{rev}'")
    temporary = Path(tempfile.mkdtemp(prefix="dialogvakt-diff-"))
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(temporary, filter="data")
        else:  # pragma: no cover - Python before 3.11.4
            tar.extractall(temporary)
    folder = temporary / target if target != "." else temporary
    if not folder.is_dir():
        shutil.rmtree(temporary, ignore_errors=True)
        raise DiffError(f"{spec}: '{path}' er ikke en mappe i revisjonen '{rev}'")
    return Version(spec, folder, spec, temporary)


def _relabel(problems: list[PackProblem], version: Version) -> list[PackProblem]:
    """Problems in an extracted revision point at REV:PATH/file, not at the temporary folder."""
    if version.temporary is None:
        return problems
    root = str(version.temporary.resolve())
    rev = version.spec.split(":", 1)[0]
    out = []
    for problem in problems:
        loc = problem.location
        if loc is not None:
            name = str(Path(loc.file).resolve()) if not Path(loc.file).is_absolute() else loc.file
            if name.startswith(root):
                loc = Location(f"{rev}:{name[len(root):].lstrip('/')}", loc.line, loc.column)
        out.append(dataclasses.replace(problem, location=loc))  # keeps the check id and the rule
    return out


def _fingerprint(folder: Path) -> str:
    """The content of a pack folder's YAML files (what compile_pack reads)."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_engine(version: Version, pack: str | None = None, cache: dict[str, CompiledPack] | None = None) -> Engine:
    """Compile a version once. Raises PackError (with file:line) or DiffError.

    ``cache`` maps a pack folder's content to its compiled pack, so that the packs a revision leaves
    alone are compiled once for both versions. With ``pack``, only that pack's folder is compiled
    (a pack's id is its folder's name).
    """
    folders = list_pack_folders(version.folder)
    if not folders:
        raise DiffError(f"{version.label}: ingen retningslinjer (mapper med pack.yaml)")
    cache = {} if cache is None else cache
    compiled: list[CompiledPack] = []
    problems: list[PackProblem] = []
    for folder in folders:
        if pack is not None and folder.name != pack:
            continue
        key = _fingerprint(folder)
        if key not in cache:
            try:
                cache[key] = compile_pack(folder)
            except PackError as exc:
                problems.extend(_relabel(exc.problems, version))
                continue
        compiled.append(cache[key])
    if problems:
        raise PackError(problems)
    return Engine(compiled, allow_synthetic_ids=True)


# --------------------------------------------------------------------------- the corpus

@dataclass
class CorpusMessage:
    name: str                 # file:line or file, relative to the corpus
    request: Any
    message_id: str | None


@dataclass
class CorpusLine:
    """A line of a JSONL file of the corpus, not yet parsed (a worker parses it)."""

    name: str                 # file:line
    file: str
    number: int
    raw: bytes

    def message(self) -> CorpusMessage:
        """The request on the line; DiffError with file:line:column when it is not JSON."""
        try:
            text = self.raw.rstrip(b"\r\n").decode("utf-8")
        except UnicodeDecodeError:
            raise DiffError(str(DataError(self.file, "er ikke UTF-8-tekst"))) from None
        try:
            request = parse_data(text, self.file, line=self.number)
        except DataError as exc:
            raise DiffError(str(exc)) from None
        return CorpusMessage(self.name, request, _message_id(request))


def corpus_items(root: str | Path) -> Iterator[CorpusMessage | CorpusLine]:
    """Every request of a corpus folder (*.json, *.jsonl, *.yaml; sorted by path) or of one file, lazily:
    a JSONL file is read a line at a time and its lines are left for whoever evaluates them to parse."""
    root = Path(root)
    if root.is_file():
        files, base = [root], root.parent
    elif root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in CORPUS_SUFFIXES)
        base = root
    else:
        raise DiffError(f"{root}: korpuset finnes ikke")
    if not files:
        raise DiffError(f"{root}: ingen meldinger (*.json, *.jsonl, *.yaml) i korpuset")
    for path in files:
        name = path.relative_to(base).as_posix()
        if path.suffix == ".jsonl":
            with path.open("rb") as lines:
                for number, raw in enumerate(lines, start=1):
                    if raw.strip():
                        yield CorpusLine(f"{name}:{number}", name, number, raw)
            continue
        try:
            doc = parse_data(read_text(path, name), name, as_yaml=path.suffix in (".yaml", ".yml"))
        except DataError as exc:
            raise DiffError(str(exc)) from None
        if isinstance(doc, list):
            for i, request in enumerate(doc):
                yield CorpusMessage(f"{name}[{i}]", request, _message_id(request))
        else:
            yield CorpusMessage(name, doc, _message_id(doc))


def read_corpus(root: str | Path) -> Iterator[CorpusMessage]:
    """Every request in a corpus folder (*.json, *.jsonl, *.yaml; sorted by path) or in one file, lazily."""
    for item in corpus_items(root):
        yield item.message() if isinstance(item, CorpusLine) else item


def _message_id(request: Any) -> str | None:
    if isinstance(request, dict) and isinstance(request.get("melding"), dict):
        value = request["melding"].get("id")
        return value if isinstance(value, str) else None
    return None


# --------------------------------------------------------------------------- comparing two decisions

Said = tuple[str, str, tuple[tuple[str, str | None], ...]]  # a finding's effect, message and due dates


@dataclass(frozen=True)
class Outcome:
    """What of a decision a diff compares."""

    decision: str
    packs: dict[str, tuple[str, str]]           # pack id -> (decision, validity)
    findings: dict[tuple[str, str], Said]       # (pack id, rule id) -> (effect, message, due)
    missing: frozenset[tuple[str, str]]         # (fact, pack id)


def outcome(decision: Decision) -> Outcome:
    findings: dict[tuple[str, str], Said] = {}
    for f in (*decision.reasons, *decision.advice, *decision.obligations):
        if f.rule == f"{f.pack}.gyldighet":
            continue  # the validity state is compared instead
        findings[(f.pack, f.rule)] = (f.effect, f.message, tuple(sorted((f.due or {}).items())))
    return Outcome(decision.decision, {p.id: (p.decision, p.validity) for p in decision.packs}, findings,
                   frozenset((m.fact, m.pack) for m in decision.missing))


@dataclass(frozen=True)
class Change:
    kind: str        # rule | validity | scope | missing | decision
    pack: str | None
    subject: str     # rule id, fact, or pack id
    change: str      # started | stopped | changed | OLD->NEW
    old: Any = None
    new: Any = None

    @property
    def group(self) -> tuple[str, str, str, str]:
        return (self.kind, self.pack or "", self.subject, self.change)


def compare(old: Outcome, new: Outcome) -> list[Change]:
    """The changes from one outcome to the other (empty when they are the same)."""
    changes: list[Change] = []
    for pack in sorted(set(old.packs) | set(new.packs)):
        if pack not in old.packs or pack not in new.packs:
            changes.append(Change("scope", pack, pack, "started" if pack in new.packs else "stopped"))
            continue
        (_, v_old), (_, v_new) = old.packs[pack], new.packs[pack]
        if v_old != v_new:
            changes.append(Change("validity", pack, pack, f"{v_old}->{v_new}", v_old, v_new))
    for key in sorted(set(old.findings) | set(new.findings)):
        pack, rule = key
        a, b = old.findings.get(key), new.findings.get(key)
        if a == b:
            continue
        kind = "started" if a is None else "stopped" if b is None else "changed"
        changes.append(Change("rule", pack, rule, kind, _finding(a), _finding(b)))
    for fact, pack in sorted(old.missing ^ new.missing):
        changes.append(Change("missing", pack, fact, "started" if (fact, pack) in new.missing else "stopped"))
    explained = {c.pack for c in changes}
    for pack in sorted(set(old.packs) & set(new.packs) - explained):
        (d_old, _), (d_new, _) = old.packs[pack], new.packs[pack]
        if d_old != d_new:  # e.g. a rule that stays undecided turned from advice into deny
            changes.append(Change("decision", pack, pack, f"{d_old}->{d_new}"))
    if old.decision != new.decision and not changes:
        changes.append(Change("decision", None, "decision", f"{old.decision}->{new.decision}"))
    return changes


def _finding(value: Said | None) -> dict[str, Any] | None:
    if value is None:
        return None
    effect, message, due = value
    out: dict[str, Any] = {"effect": effect, "message": message}
    if due:
        out["due"] = dict(due)
    return out


# --------------------------------------------------------------------------- the diff

@dataclass
class MessageDiff:
    name: str
    message_id: str | None
    old: str
    new: str
    changes: list[Change]

    def ref(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.name}
        if self.message_id:
            out["id"] = self.message_id
        out.update({"old": self.old, "new": self.new})
        return out


@dataclass
class DiffReport:
    old: str
    new: str
    corpus: str
    messages: int = 0
    invalid: list[str] = field(default_factory=list)
    changed: list[MessageDiff] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changed)

    def groups(self) -> list[tuple[tuple[str, str, str, str], list[tuple[MessageDiff, Change]]]]:
        grouped: dict[tuple[str, str, str, str], list[tuple[MessageDiff, Change]]] = {}
        for diff in self.changed:
            for change in diff.changes:
                grouped.setdefault(change.group, []).append((diff, change))
        kinds = {"rule": 0, "validity": 1, "scope": 2, "missing": 3, "decision": 4}
        changes = {"started": 0, "stopped": 1, "changed": 2}
        return sorted(grouped.items(), key=lambda kv: (kinds[kv[0][0]], kv[0][1], kv[0][2],
                                                       changes.get(kv[0][3], 3), kv[0][3]))

    def decision_changes(self) -> Counter[str]:
        return Counter(f"{d.old}->{d.new}" for d in self.changed if d.old != d.new)

    def to_dict(self) -> dict[str, Any]:
        groups: list[dict[str, Any]] = []
        for (kind, pack, subject, change), members in self.groups():
            entry: dict[str, Any] = {"kind": kind, "pack": pack or None}
            entry["rule" if kind == "rule" else "fact" if kind == "missing" else "subject"] = subject
            entry.update({"change": change, "count": len(members), "messages": []})
            for diff, c in members:
                ref = diff.ref()
                if kind == "rule":
                    ref["before"], ref["after"] = c.old, c.new
                entry["messages"].append(ref)
            groups.append(entry)
        return {"old": self.old, "new": self.new, "corpus": self.corpus, "messages": self.messages,
                "invalid": len(self.invalid), "invalid_messages": self.invalid, "changed": len(self.changed),
                "decisions": dict(sorted(self.decision_changes().items())), "groups": groups}

    def text(self) -> str:
        lines = [f"Endringer fra {self.old} til {self.new}, vurdert på {self.corpus}", ""]
        for (kind, pack, subject, change), members in self.groups():
            lines.append(_heading(kind, pack, subject, change) + f": {_count(len(members))}")
            if kind == "rule" and change == "changed":
                first, c = members[0]
                lines.append(f"  for eksempel {first.name}:")
                lines.append(f"    før: {_wording(c.old)}")
                lines.append(f"    nå:  {_wording(c.new)}")
            for diff, _ in members:
                ident = f" ({diff.message_id})" if diff.message_id else ""
                old, new = label("decision", diff.old), label("decision", diff.new)
                verdict = f"{old} → {new}" if diff.old != diff.new else f"fortsatt {old}"
                lines.append(f"    {diff.name}{ident}: {verdict}")
            lines.append("")
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        evaluated = self.messages - len(self.invalid)
        text = f"Sammendrag: {len(self.changed)} av {evaluated} vurderte meldinger endres"
        decided = self.decision_changes()
        if decided:
            parts = ", ".join(f"{' → '.join(label('decision', d) for d in k.split('->'))}: {v}"
                              for k, v in sorted(decided.items()))
            text += f"; {sum(decided.values())} får en annen avgjørelse ({parts})"
        elif self.changed:
            text += "; ingen får en annen avgjørelse"
        text += "."
        if self.invalid:
            text += f" {len(self.invalid)} meldinger følger ikke inndatakontrakten og er ikke vurdert."
        return text


def _wording(finding: Mapping[str, Any]) -> str:
    due = finding.get("due")
    dates = f" (frister: {', '.join(f'{k} {v}' for k, v in due.items())})" if due else ""
    return f"«{' '.join(finding['message'].split())}»{dates}"


def _count(n: int) -> str:
    return f"{n} melding" if n == 1 else f"{n} meldinger"


def _heading(kind: str, pack: str, subject: str, change: str) -> str:
    if kind == "rule":
        return f"Regel {subject} ({pack}) {CHANGE_WORDS[change]}"
    if kind == "validity":
        old, new = change.split("->")
        return f"Gyldighet for {pack}: {VALIDITY_WORDS[old]} → {VALIDITY_WORDS[new]}"
    if kind == "scope":
        return f"Retningslinjen {pack} " + ("velges nå etter omfanget" if change == "started"
                                           else "velges ikke lenger etter omfanget")
    if kind == "missing":
        return f"Manglende opplysning {subject} ({pack}) " + ("etterspørres nå" if change == "started"
                                                             else "etterspørres ikke lenger")
    old, new = change.split("->")
    return f"Avgjørelsen{f' etter {pack}' if pack else ''} endres fra {old} til {new}"


class Comparer:
    """One message under both engines (its facts prepared once): None when nothing changes, the name of an
    invalid message, or its MessageDiff. A corpus line that is not JSON comes back as its DiffError."""

    def __init__(self, old: Engine, new: Engine):
        self.old, self.new = old, new

    def __call__(self, item: CorpusMessage | CorpusLine) -> MessageDiff | Invalid | DiffError | None:
        try:
            message = item.message() if isinstance(item, CorpusLine) else item
        except DiffError as exc:
            return exc
        try:
            facts = self.old.facts(message.request)  # the input contract rejects anything but an object
        except InputError:
            return Invalid(message.name)
        a, b = self.old.decide(facts), self.new.decide(facts)
        changes = compare(outcome(a), outcome(b))
        if changes:
            return MessageDiff(message.name, message.message_id, a.decision, b.decision, changes)
        return None


@dataclass(frozen=True)
class Invalid:
    """A message that does not follow the input contract: not evaluated, listed by name."""

    name: str


def comparer(versions: Sequence[Version], pack: str | None) -> Comparer:
    """A worker's Comparer: both versions compiled once, in the worker (``ordered_map``'s factory)."""
    cache: dict[str, CompiledPack] = {}
    old, new = (load_engine(v, pack, cache) for v in versions)
    return Comparer(old, new)


def collect(results: Iterable[MessageDiff | Invalid | DiffError | None], report: DiffReport) -> DiffReport:
    """The report from the results, in corpus order; a corpus line that cannot be read stops it."""
    for result in results:
        if isinstance(result, DiffError):
            raise result
        report.messages += 1
        if isinstance(result, Invalid):
            report.invalid.append(result.name)
        elif result is not None:
            report.changed.append(result)
    return report


def run(old: Engine, new: Engine, messages: Iterable[CorpusMessage | CorpusLine], *, old_label: str = "OLD",
        new_label: str = "NEW", corpus: str = "") -> DiffReport:
    """Evaluate each message under both engines (its facts are prepared once) and collect the changes."""
    work = Comparer(old, new)
    return collect((work(m) for m in messages), DiffReport(old_label, new_label, corpus))


def diff(old_spec: str, new_spec: str, corpus: str | Path, *, pack: str | None = None,
         cwd: Path | None = None, workers: int = 1) -> DiffReport:
    """The whole command: resolve both versions, compile each once, stream the corpus under both.

    With ``workers`` > 1 the messages are compared in that many processes (``ordered_map``), each
    compiling both versions once; only the messages that change are kept, whatever the corpus's size.
    """
    versions: list[Version] = []
    try:  # one at a time, so that the first is cleaned up when the second cannot be resolved
        versions.append(resolve_version(old_spec, cwd))
        versions.append(resolve_version(new_spec, cwd))
        cache: dict[str, CompiledPack] = {}
        engines = [load_engine(v, pack, cache) for v in versions]  # problems of a version are told here
        if pack is not None and not any(pack in e.packs for e in engines):
            raise DiffError(f"ukjent retningslinje '{pack}' i begge versjonene")
        items = corpus_items(corpus)
        report = DiffReport(old_spec, new_spec, str(corpus))
        if workers <= 1:
            return run(engines[0], engines[1], items, old_label=old_spec, new_label=new_spec, corpus=str(corpus))
        # the versions' folders stay until every worker has compiled them
        factory = functools.partial(comparer, tuple(versions), pack)
        with contextlib.closing(ordered_map(factory, items, workers=workers)) as results:  # the pool ends here
            return collect(results, report)
    finally:
        for v in versions:
            v.close()


__all__ = [
    "DiffError",
    "DiffReport",
    "Version",
    "compare",
    "corpus_items",
    "diff",
    "load_engine",
    "outcome",
    "read_corpus",
    "resolve_version",
    "run",
]
