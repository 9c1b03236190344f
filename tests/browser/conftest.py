"""The pages in a real browser: Debian's chromium driven by Playwright, against `dialogvakt serve`.

Playwright's own browser download is not used: the tests launch the chromium found on the
machine (``/usr/bin/chromium``, or ``DIALOGVAKT_CHROMIUM``). Without one they skip with the
reason, except under ``CI=true``, where a missing browser fails them.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..test_service_process import ROOT, Server, running_server

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = os.environ.get("DIALOGVAKT_SCREENSHOTS")  # a folder: write the README's screenshots there (make screenshots)
ARGS = ["--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
TOKEN = "page-test-token-0123456789abcdef"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser tests must run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str:
    found = os.environ.get("DIALOGVAKT_CHROMIUM") or shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if not found:
        _unavailable("chromium is not installed (make test installs it as root: apt-get install chromium)")
    return str(found)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    args = [*ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, args=args, headless=True)
        yield launched
        launched.close()


def _message(request: dict, mid: str, thread: str, when: str, kind: str = "foresporsel",
             reply_to: str | None = None, answer: bool = False) -> dict:
    m = copy.deepcopy(request["melding"])
    m.update(id=mid, samtale_id=thread, type=kind, sendt=when)
    if answer:
        m["avsender"], m["mottakere"] = m["mottakere"][0], [m["avsender"]]
        m["svar_pa"] = reply_to
    return {"hendelse": "melding", "tidspunkt": when, "retning": "mottatt" if answer else "sendt", "melding": m,
            "kontekst": request["kontekst"]}


def conversation_events() -> list[dict]:
    """Three threads to Helse Bergen: one answered in time, one never answered, one answered late."""
    base = json.loads((ROOT / "examples" / "d81023-01-sporsmal-nylig-utskrevet.json").read_text(encoding="utf-8"))
    return [_message(base, "web-m1", "web-trad-1", "2026-12-18T10:00"),
            _message(base, "web-m2", "web-trad-2", "2026-12-18T11:00"),
            _message(base, "web-m3", "web-trad-2", "2026-12-21T09:00", "svar", "web-m2", answer=True),
            _message(base, "web-m4", "web-trad-3", "2026-12-18T12:00"),
            {"hendelse": "klokke", "tidspunkt": "2026-12-29T08:00"},
            _message(base, "web-m5", "web-trad-3", "2026-12-30T09:00", "svar", "web-m4", answer=True),
            {"hendelse": "klokke", "tidspunkt": "2026-12-31T00:00"}]  # a timer: the answer is past the window


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A service that has been used: decisions from every example and conversations for the monitor."""
    with running_server(tmp_path_factory.mktemp("pages")) as server:
        for path in sorted((ROOT / "examples").glob("*.json")):
            assert server.post_json("/v1/decisions", json.loads(path.read_text(encoding="utf-8")))[0] == 200
        status, _, body = server.post_json("/v1/events", {"events": conversation_events()})
        assert status == 200, body
        yield server


@pytest.fixture(scope="session")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A service with its authentication on (a static token)."""
    folder = tmp_path_factory.mktemp("secured")
    (folder / "token").write_text(TOKEN)
    with running_server(folder, "--token-file", str(folder / "token")) as server:
        yield server


class Visit:
    """A browser tab on the service, recording what the Content-Security-Policy refused."""

    def __init__(self, page: Any, server: Server):
        self.page, self.server = page, server
        self.refused: list[str] = []
        page.on("console", lambda m: self.refused.append(m.text)
                if "Content Security Policy" in m.text or "Refused to" in m.text else None)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def go(self, path: str) -> Any:
        return self.page.goto(self.url(path))

    def text(self) -> str:
        return str(self.page.content())

    def shot(self, name: str, tmp: Path) -> Path:
        folder = Path(SHOTS) if SHOTS else tmp
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.png"
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(target))  # the first screenful, as a person opening it sees it
        return target


@pytest.fixture
def visit(browser: Any, service: Server) -> Iterator[Visit]:
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield Visit(page, service)
    context.close()


@contextlib.contextmanager
def axe_page(browser: Any, server: Server) -> Iterator[Visit]:
    """A tab where axe-core can be injected: the product's policy allows no inline script, so this tab bypasses it."""
    context = browser.new_context(locale="nb-NO", bypass_csp=True)
    try:
        yield Visit(context.new_page(), server)
    finally:
        context.close()


PATIENT_NUMBER = re.compile(r"(?<!\d)\d{6}[\s.-]?\d{5}(?!\d)")


def patient_numbers(text: str) -> list[str]:
    """Every 11-digit number with valid fødselsnummer check digits in a text."""
    from engine.contract.identifiers import mask_in_text

    return [m.group(0) for m in PATIENT_NUMBER.finditer(text) if mask_in_text(m.group(0)) != m.group(0)]
