"""The picture of the fleet (``replmock conformance --report``, and the Mermaid graph of the drift report).

One run of the command (a few seconds) over the four-cluster mock, in-process, given as ``--targets``: C answers
an unknown ``state`` carrying markup (a planted failing check and a hostile value at once), A's address carries
a password. Every test reads that run's files; under xdist the first worker runs it and the other reads it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests

from replmock._fleet_report import Fleet, cluster_facts, render_html, render_mermaid
from replmock.generate import scenario
from replmock.server import MockTopology

pytestmark = pytest.mark.slow

TOKEN, NONSUDO = "hvs.REPORT-root-0123456789", "hvs.REPORT-app-9876543210"
PASSWORD = "s3cret-PASSWD"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CLUSTERS = {"A", "B", "C", "D"}
LINKS = {("A", "B", "performance"), ("A", "C", "dr"), ("B", "D", "dr")}


@dataclass
class FleetRun:
    code: int
    output: str
    html: str
    markdown: str


def _run(where: Path) -> dict[str, Any]:
    with MockTopology(scenario("four-cluster", 0), root_token=TOKEN, tokens=[NONSUDO], strict=False) as mock:
        mock.vaults["C"].drift("enum", "state", to=HOSTILE, endpoint="status")
        lines = []
        for name, url in mock.urls.items():
            address = url.replace("://", f"://ops:{PASSWORD}@") if name == "A" else url
            lines += ["[[target]]", f'name = "{name}"', f'address = "{address}"', f'token = "{TOKEN}"', ""]
        (where / "t.toml").write_text("\n".join(lines), encoding="utf-8")
        script = Path(sys.executable).parent / "replmock"
        cmd = [str(script) if script.exists() else "replmock", "conformance", "-q", "--targets=t.toml"]
        cmd += ["--report", "R.html", "--replmock-drift-report", "D", "--replmock-poll-interval", "0"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=where, check=False)
    read = {n: (where / n).read_text(encoding="utf-8") if (where / n).exists() else "" for n in ("R.html", "D.md")}
    return {"code": done.returncode, "output": done.stdout + done.stderr, "html": read["R.html"], "md": read["D.md"]}


@pytest.fixture(scope="session")
def fleet_run(tmp_path_factory: pytest.TempPathFactory) -> FleetRun:
    """The one run of the command, shared by the xdist workers through a locked file."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    where = root / "fleet-report-run"
    where.mkdir(exist_ok=True)
    with (root / "fleet-report-run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = where / "result.json"
        if not done.exists():
            done.write_text(json.dumps(_run(where)), encoding="utf-8")
        data = json.loads(done.read_text(encoding="utf-8"))
    return FleetRun(data["code"], data["output"], data["html"], data["md"])


VOID = {"br", "meta", "img", "hr", "input", "link", "wbr"}


class Page(HTMLParser):
    """What a browser would draw: the cluster and link groups, texts, and any element or attribute that runs code."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.clusters: dict[str, dict[str, Any]] = {}
        self.links: dict[tuple[str, str, str], list[str]] = {}
        self.rows: set[tuple[str, str, str]] = set()
        self.handlers: list[str] = []
        self._open: list[tuple[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = {k: v or "" for k, v in attrs}
        self.handlers += [k for k in a if k.startswith("on")]
        classes = a.get("class", "").split()
        if "cluster" in classes:
            entry = self.clusters.setdefault(a["data-name"], {"failed": False, "text": []})
            entry["failed"] = entry["failed"] or "failed" in classes
            self._open.append((tag, entry["text"]))
        elif "link" in classes:
            text: list[str] = []
            self.links[a["data-from"], a["data-to"], a["data-type"]] = text
            self._open.append((tag, text))
        elif "link-row" in classes:
            self.rows.add((a["data-from"], a["data-to"], a["data-type"]))
            self._open.append((tag, None))
        elif self._open and tag not in VOID:
            self._open.append((tag, None))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._open and self._open[-1][0] == tag and tag not in VOID:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for _, sink in self._open:
            if sink is not None:
                sink.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_the_run_fails_only_on_the_drifted_cluster(fleet_run: FleetRun) -> None:
    assert fleet_run.code == 1, fleet_run.output
    assert "fleet report: R.html (4 cluster(s)" in fleet_run.output
    for secret in (TOKEN, NONSUDO, PASSWORD):
        assert secret not in fleet_run.output + fleet_run.html + fleet_run.markdown


def test_the_html_report_draws_every_cluster_and_link_with_its_labels(fleet_run: FleetRun) -> None:
    page = parse(fleet_run.html)
    assert set(page.clusters) == CLUSTERS
    assert set(page.links) == LINKS == page.rows
    for (primary, secondary, kind), text in page.links.items():
        label = " ".join(text)
        assert label.startswith(f"{kind}: "), label
        assert "WAL lag 0" in label, label
        assert re.search(r"canary \d+ ms", label), label
        state = HOSTILE[:32] + "..." if secondary == "C" else "stream-wals"
        assert f"{kind}: {state}," in label, (primary, label)
    a = " ".join(page.clusters["A"]["text"])
    assert "127.0.0.1" in a
    assert "ops" not in a
    assert f"enterprise {scenario('four-cluster', 0).cluster('A').version}" in a
    assert "dr primary, performance primary" in a
    assert "dr secondary, performance disabled" in " ".join(page.clusters["D"]["text"])


def test_the_html_report_is_self_contained(fleet_run: FleetRun) -> None:
    page = parse(fleet_run.html)
    assert "script" not in page.tags
    assert "img" not in page.tags
    assert "link" not in page.tags
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", fleet_run.html)
    assert "@import" not in fleet_run.html
    assert "url(http" not in fleet_run.html


def test_a_failed_check_is_marked_on_its_cluster(fleet_run: FleetRun) -> None:
    page = parse(fleet_run.html)
    assert {name for name, c in page.clusters.items() if c["failed"]} == {"C"}
    text = " ".join(page.clusters["C"]["text"])
    assert "failed check(s)" in text
    assert "test_current_contract[C-" in text
    assert "$.data.dr.state" in text, text  # the one-line message names the field


def test_markup_from_a_target_is_escaped(fleet_run: FleetRun) -> None:
    assert HOSTILE not in fleet_run.html
    assert "&lt;script&gt;" in fleet_run.html
    page = parse(fleet_run.html)
    assert page.handlers == []
    assert "script" not in page.tags
    assert "img" not in page.tags
    fleet = fleet_run.markdown.split("## The fleet")[1]
    assert "<script" not in fleet
    assert "&lt;script&gt;" in fleet
    table = [line for line in fleet_run.markdown.splitlines() if "<script" in line]
    assert all(re.search(r"`[^`]*<script[^`]*`", line) for line in table), table  # only inside code spans


def test_the_drift_report_carries_the_same_graph_as_mermaid(fleet_run: FleetRun) -> None:
    block = re.search(r"```mermaid\n(.*?)```", fleet_run.markdown, re.S)
    assert block, fleet_run.markdown[-2000:]
    body = block.group(1)
    assert body.startswith("flowchart LR\n")
    nodes = dict(re.findall(r'^\s+(\w+)\["([^"\n]*)"\]$', body, re.M))
    assert {label.split("<br/>")[0] for label in nodes.values()} == CLUSTERS
    names = {node: label.split("<br/>")[0] for node, label in nodes.items()}
    edges = re.findall(r'^\s+(\w+) -->\|"([^"\n]*)"\| (\w+)$', body, re.M)
    assert {(names[a], names[b], label.split(":")[0]) for a, label, b in edges} == LINKS
    failed = re.search(r"^\s+class (\S+) failed$", body, re.M)
    assert failed
    assert [names[n] for n in failed.group(1).split(",")] == ["C"]


def test_hostile_names_become_safe_node_ids_and_labels() -> None:
    status = {"data": {"dr": {"mode": "primary", "cluster_id": "x", "state": ']"|>'}, "performance": {}}}
    clusters = {
        'a"] --> b; click b "http://evil"': cluster_facts('a"]', "http://h", "enterprise", "<b>", status),
        "```": cluster_facts("```", "http://h", "enterprise", "1", {"data": {"dr": {"mode": "secondary"}}}),
    }
    fleet = Fleet(clusters, {"```": [("test_x[```]", "<script>x</script>")]})
    lines = render_mermaid(fleet)
    assert lines[0] == "```mermaid"
    assert lines[-1] == "```"
    assert all("```" not in line for line in lines[1:-1])
    assert all(
        re.fullmatch(r'\s+n\d+_\w*\["[^"<>\n]*(<br/>[^"<>\n]*)*"\]|flowchart LR|.*class.*', x) for x in lines[1:-1]
    )
    page = parse(render_html(fleet))
    assert page.handlers == []
    assert "script" not in page.tags
    assert "b" not in page.tags


@pytest.fixture
def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no headless Chromium here")


@pytest.fixture
def four_cluster_html(tmp_path: Path) -> Path:
    """The report of the four-cluster mock, built in-process from the clusters' status (no suite run)."""
    with MockTopology(scenario("four-cluster", 0), root_token=TOKEN) as mock:
        clusters = {
            name: cluster_facts(
                name, url, "enterprise", "", requests.get(url + "/v1/sys/replication/status", timeout=10).json()
            )
            for name, url in mock.urls.items()
        }
    path = tmp_path / "report.html"
    path.write_text(render_html(Fleet(clusters)), encoding="utf-8")
    return path


def test_a_headless_browser_renders_every_cluster_and_link(browser: str, four_cluster_html: Path) -> None:
    done = subprocess.run(
        [browser, "--headless", "--disable-gpu", "--no-sandbox", "--dump-dom", four_cluster_html.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    page = parse(done.stdout)
    assert set(page.clusters) == CLUSTERS
    assert set(page.links) == LINKS
