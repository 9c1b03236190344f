"""The packs ship inside the wheel: a non-editable install finds them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow  # builds a wheel



def test_wheel_contains_packs_and_schemas_and_works_alone(tmp_path: Path):
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(tmp_path.glob("dialogvakt-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    packs = sorted(p.name for p in (ROOT / "policies").iterdir() if (p / "pack.yaml").exists())
    for pack in packs:
        assert f"engine/policies/{pack}/pack.yaml" in names
        assert f"engine/policies/{pack}/rules.yaml" in names
        for example in (ROOT / "policies" / pack / "tests" / "examples").glob("*.yaml"):
            assert f"engine/policies/{pack}/tests/examples/{example.name}" in names  # the installed tests need them
    for schema in ("input-v1.schema.json", "decision-v1.schema.json", "pack-v1.schema.json",
                   "derived-facts.yaml", "labels.yaml", "packtest-v1.schema.json", "pack-v1.pack.schema.json",
                   "pack-v1.rules.schema.json", "pack-v1.conversation.schema.json", "pack-v1.part.schema.json"):
        assert f"engine/schemas/{schema}" in names
    # the pages: their templates, style sheet and the examples /prov offers
    for page in ("base.html", "prov.html", "pack.html", "log.html", "findings.html", "index.html", "login.html"):
        assert f"engine/server/web/templates/{page}" in names
    assert "engine/server/web/static/dialogvakt.css" in names
    for example in [*(ROOT / "examples").glob("*.json"), *(ROOT / "examples" / "xml").glob("*")]:
        assert f"engine/server/web/examples/{example.relative_to(ROOT / 'examples')}" in names
    # unpack the wheel somewhere else and use it without the source tree
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import engine, json, pathlib; from engine import Engine; e = Engine.from_directory(); "
            "print(pathlib.Path(engine.__file__).parent); print(json.dumps(sorted(e.packs)))")
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    location, found = proc.stdout.splitlines()
    assert Path(location).is_relative_to(site)
    assert json.loads(found) == packs
    # the pages render from the installed package, with its examples
    code = ("import warnings; warnings.simplefilter('ignore'); import re\n"
            "from starlette.testclient import TestClient\n"
            "from engine.server.app import create_app\nfrom engine.server.config import ServiceConfig\n"
            "from engine.server.web.examples import bundled_examples, examples_dir\n"
            "print(examples_dir()); print(len(bundled_examples()))\n"
            "with TestClient(create_app(ServiceConfig(db='d.sqlite', secret=b'x' * 32, reload_interval=0))) as c:\n"
            "    page = c.get('/prov')\n"
            "    token = re.search(r'name=\"csrf_token\" value=\"([^\"]+)\"', page.text).group(1)\n"
            "    answer = c.post('/prov', data={'csrf_token': token, 'eksempel': 'd81023-x5-avvik'})\n"
            "    print(answer.status_code, c.get('/static/dialogvakt.css').status_code)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    folder, count, statuses = proc.stdout.splitlines()
    assert Path(folder).is_relative_to(site)
    shipped = [*(ROOT / "examples").glob("*.json"), *(ROOT / "examples" / "xml").glob("*.xml")]
    assert int(count) == len(shipped)
    assert statuses == "200 200"
    # the packs' own tests run where the packs are installed: their named examples travel with them
    code = "from engine.cli import main; raise SystemExit(main(['test', '--format', 'json']))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-2000:])
    report = json.loads(proc.stdout)
    assert report["ok"] and report["passed"] > 0 and sorted(p["pack"] for p in report["packs"]) == packs
