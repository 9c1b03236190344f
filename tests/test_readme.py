"""The README's snippets run as written: the Python blocks, the dialogvakt commands of «Using it» and the curl
calls of «HTTP service» (against a real `dialogvakt serve`)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .test_service_process import running_server

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def _python_blocks() -> list[str]:
    # the conversation monitor's block is a sketch with a site's secret and events (its section's own tests)
    text = README.replace(_section("Conversation monitor"), "")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def _commands(text: str, program: str) -> list[str]:
    """Indented command lines (with backslash continuations) that start with the program and have no placeholder."""
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(f"    {program} "):
            command = line.strip()
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1].rstrip() + " " + lines[i].strip()
            command = command.split("  #", 1)[0].strip()
            if not re.search(r"\[|\.\.\.|\b(FILE|PACK|PATH|DIR|TIME|ID|TEXT)\b", command):
                out.append(command)
        i += 1
    return out


@pytest.mark.parametrize("code", _python_blocks(), ids=lambda c: c.splitlines()[0][:40])
def test_python_blocks_run(code: str) -> None:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


USING_IT = _commands(_section("Using it"), "dialogvakt")


def test_using_it_has_commands_with_xml() -> None:
    assert any(".xml" in c and "--at message" in c for c in USING_IT)
    assert any(c.startswith("dialogvakt convert") for c in USING_IT)


@pytest.mark.parametrize("command", USING_IT, ids=lambda c: " ".join(c.split()[:2]))
def test_using_it_commands_run(command: str) -> None:
    args = shlex.split(command)[1:]
    proc = subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()


@pytest.mark.slow
def test_the_curl_calls_of_the_http_section_answer(tmp_path: Path) -> None:
    calls = _commands(_section("HTTP service"), "curl")
    assert len(calls) >= 4 and any("application/xml" in c for c in calls) and any("cds-services" in c for c in calls)
    with running_server(tmp_path) as server:
        for call in calls:
            command = call.replace("localhost:8080", f"127.0.0.1:{server.port}")
            proc = subprocess.run(["bash", "-c", command.replace("curl -s", "curl -sS --fail-with-body", 1)],
                                  cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert proc.returncode == 0, f"{call}\n{proc.stdout}\n{proc.stderr}"
            assert proc.stdout.strip()
