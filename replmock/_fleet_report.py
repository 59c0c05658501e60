"""A picture of the fleet: the clusters a conformance run saw, their replication links and the failed checks.

Two renderings of one graph: a self-contained HTML page (inline CSS and SVG, no script, nothing fetched) for
``--report``, and a Mermaid flowchart for the Markdown drift report. Every string that came from a target is
escaped (``html.escape`` for HTML, numeric entities for Mermaid) and clipped; lists are capped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replmock.schemas._fields import SHIPPED_WAL, WAL_INDEXES

REPLICATION_TYPES = ("performance", "dr")
"""The replication types drawn, in the order of the status payload's keys (``performance`` before ``dr``)."""
PRIMARY_WAL = {kind: (wal, "last_wal") for kind, wal in SHIPPED_WAL.items()}
"""The primary's WAL index a secondary of that type follows (first present field wins)."""
MAX_CLUSTERS = 64
MAX_LINKS = 256
MAX_FAILURES = 20
"""Failed checks listed per cluster (the rest are counted)."""
MAX_TEXT = 120
_FACT_KEYS = ("mode", "cluster_id", "state", *WAL_INDEXES)


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    """``value`` as one clipped line of text (never a newline: a label stays one line)."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "..."


def _int(value: Any) -> int | None:
    """A WAL index or an age: an int, or a string of digits (Vault sends some numbers as strings); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,20}", value.strip()):
        return int(value.strip())
    return None


def cluster_facts(name: str, address: str, kind: str, version: str, status: Any) -> dict[str, Any]:
    """What the picture needs of one target, small and JSON-able, from its ``sys/replication/status`` body.

    ``address`` must already be free of credentials. Any shape of ``status`` is accepted (hostile input).
    """
    data = status.get("data") if isinstance(status, dict) else None
    replication: dict[str, dict[str, Any]] = {}
    if isinstance(data, dict):
        flat = data.get("mode") if not any(t in data for t in REPLICATION_TYPES) else None
        for kind_ in REPLICATION_TYPES:
            section = data.get(kind_)
            if not isinstance(section, dict):
                if flat is not None:
                    replication[kind_] = {"mode": _text(flat, 40)}
                continue
            facts: dict[str, Any] = {}
            for key in _FACT_KEYS:
                if key in section:
                    number = _int(section[key])
                    facts[key] = number if number is not None and key.startswith("last_") else _text(section[key])
            primaries = section.get("primaries")
            if isinstance(primaries, list) and primaries and isinstance(primaries[0], dict):
                facts["canary_age_ms"] = _int(primaries[0].get("replication_primary_canary_age_ms"))
            replication[kind_] = facts
    return {
        "name": _text(name),
        "address": _text(address, 200),
        "kind": _text(kind, 40),
        "version": _text(version, 60),
        "replication": replication,
    }


@dataclass(frozen=True)
class Link:
    """A replication link: ``primary`` streams to ``secondary`` (target names)."""

    primary: str
    secondary: str
    type: str
    state: str
    lag: int | None
    """Primary WAL minus the secondary's last_remote_wal; None when either is unknown."""
    canary_age_ms: int | None

    def label(self) -> str:
        lag = "?" if self.lag is None else str(self.lag)
        canary = "?" if self.canary_age_ms is None else f"{self.canary_age_ms} ms"
        return f"{self.type}: {_text(self.state, 32) or '?'}, WAL lag {lag}, canary {canary}"


@dataclass
class Fleet:
    """The clusters (facts by target name), the links between them, and each cluster's failed checks."""

    clusters: dict[str, dict[str, Any]]
    failures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Target name (or ``cross-cluster``) -> (check name, one-line message)."""
    unusable: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.links:
            self.links = find_links(self.clusters)


def find_links(clusters: Mapping[str, Mapping[str, Any]]) -> list[Link]:
    """Every (primary, secondary, type) whose status sections share a cluster_id, at most :data:`MAX_LINKS`."""
    links: list[Link] = []
    for kind in REPLICATION_TYPES:
        primaries: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
        for name, facts in clusters.items():
            section = facts.get("replication", {}).get(kind, {})
            if section.get("mode") == "primary" and section.get("cluster_id"):
                primaries.setdefault(section["cluster_id"], []).append((name, section))
        for name, facts in clusters.items():
            section = facts.get("replication", {}).get(kind, {})
            if section.get("mode") != "secondary":
                continue
            for primary, theirs in primaries.get(section.get("cluster_id", ""), []):
                wal = next((theirs[k] for k in PRIMARY_WAL[kind] if isinstance(theirs.get(k), int)), None)
                remote = section.get("last_remote_wal")
                lag = wal - remote if isinstance(wal, int) and isinstance(remote, int) else None
                links.append(
                    Link(primary, name, kind, str(section.get("state", "")), lag, section.get("canary_age_ms"))
                )
                if len(links) >= MAX_LINKS:
                    return links
    return links


def _modes(facts: Mapping[str, Any]) -> str:
    rep = facts.get("replication", {})
    return ", ".join(f"{k} {rep.get(k, {}).get('mode', '?')}" for k in ("dr", "performance"))


def _kind(facts: Mapping[str, Any]) -> str:
    return " ".join(filter(None, [facts.get("kind", ""), facts.get("version", "")])) or "?"


def failures_of(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(check, message) of summary lines ``FAILED check: message``."""
    out = []
    for line in lines:
        check, _, message = line.removeprefix("FAILED ").partition(": ")
        out.append((_text(check), _text(message, 300)))
    return out


# --- HTML ------------------------------------------------------------------------------------------

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 300, 110, 320, 50, 20
_CSS = """
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #bbb;padding:.3em .6em}
.cluster{border:2px solid #4a7;border-radius:6px;padding:.5em 1em;margin:.6em 0;display:inline-block;
 vertical-align:top;min-width:18em;margin-right:1em}
.cluster.failed{border-color:#c00;border-width:3px} .cluster h3{margin:.2em 0}
.failures li{color:#900} code{font-size:.9em}
svg text{font:12px system-ui,sans-serif} svg .name{font-weight:bold;font-size:14px}
"""


def _layout(fleet: Fleet) -> dict[str, tuple[int, int]]:
    """Column by replication depth (primaries on the left), row by order within a column."""
    names = list(fleet.clusters)
    depth = dict.fromkeys(names, 0)
    for _ in range(len(names)):  # longest path, bounded (a cycle stops growing after len(names) rounds)
        changed = False
        for link in fleet.links:
            if link.primary in depth and link.secondary in depth and depth[link.secondary] < depth[link.primary] + 1:
                depth[link.secondary] = depth[link.primary] + 1
                changed = True
        if not changed:
            break
    rows: dict[int, int] = {}
    place = {}
    for name in names:
        col = min(depth[name], len(names))
        place[name] = (col, rows.get(col, 0))
        rows[col] = rows.get(col, 0) + 1
    return place


def _svg(fleet: Fleet) -> str:
    e = html.escape
    place = _layout(fleet)
    cols = max((c for c, _ in place.values()), default=0) + 1
    rows = max((r for _, r in place.values()), default=0) + 1
    width, height = MARGIN * 2 + cols * BOX_W + (cols - 1) * GAP_X, MARGIN * 2 + rows * (BOX_H + GAP_Y)

    def corner(name: str) -> tuple[int, int]:
        col, row = place[name]
        return MARGIN + col * (BOX_W + GAP_X), MARGIN + row * (BOX_H + GAP_Y)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-label="replication topology">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
    ]
    for name, facts in fleet.clusters.items():
        x, y = corner(name)
        failed = fleet.failures.get(name, [])
        colour, stroke = ("#c00", 3) if failed else ("#4a7", 2)
        lines = [
            f'<text class="name" x="{x + 10}" y="{y + 20}">{e(name)}</text>',
            f'<text x="{x + 10}" y="{y + 38}">{e(_text(facts.get("address", ""), 45))}</text>',
            f'<text x="{x + 10}" y="{y + 56}">{e(_text(_kind(facts), 45))}</text>',
            f'<text x="{x + 10}" y="{y + 74}">{e(_modes(facts))}</text>',
        ]
        if failed:
            first = ", ".join(check for check, _ in failed[:2])
            lines.append(
                f'<text x="{x + 10}" y="{y + 94}" fill="#c00">{len(failed)} failed: {e(_text(first, 40))}</text>'
            )
        parts.append(
            f'<g class="cluster{" failed" if failed else ""}" data-name="{e(name)}">'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#fff" stroke="{colour}" '
            f'stroke-width="{stroke}"/>{"".join(lines)}</g>'
        )
    seen: dict[tuple[str, str], int] = {}
    for link in fleet.links:
        (x1, y1), (x2, y2) = corner(link.primary), corner(link.secondary)
        nth = seen[link.primary, link.secondary] = seen.get((link.primary, link.secondary), -1) + 1
        offset = 14 * nth
        if x2 > x1:
            ax, ay, bx, by = x1 + BOX_W, y1 + BOX_H // 2 + offset, x2, y2 + BOX_H // 2 + offset
        else:  # same column or backwards: from the bottom edge to the top edge
            ax, ay, bx, by = x1 + BOX_W // 2 + offset, y1 + BOX_H, x2 + BOX_W // 2 + offset, y2
        colour = "#36c" if link.type == "performance" else "#a50"
        parts.append(
            f'<g class="link" data-type="{e(link.type)}" data-from="{e(link.primary)}" data-to="{e(link.secondary)}">'
            f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="{colour}" stroke-width="2" '
            f'marker-end="url(#arrow)"/>'
            f'<text x="{(ax + bx) // 2}" y="{(ay + by) // 2 - 6}" text-anchor="middle" fill="{colour}">'
            f"{e(_text(link.label(), 70))}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def render_html(fleet: Fleet, title: str = "replmock conformance: the fleet") -> str:
    """The whole page: inline CSS and SVG, no script, no external resource; every target string escaped."""
    e = html.escape
    failed_total = sum(len(v) for v in fleet.failures.values())
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # no script, no fetch: the page works offline and cannot run anything a target sent
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p>{len(fleet.clusters)} cluster(s), {len(fleet.links)} replication link(s), "
        f"{failed_total} failed check(s).</p>",
        _svg(fleet),
        "<h2>Replication links</h2>",
    ]
    if fleet.links:
        body.append(
            "<table><tr><th>primary</th><th>secondary</th><th>type</th><th>state</th><th>WAL lag</th>"
            "<th>canary age (ms)</th></tr>"
        )
        for link in fleet.links:
            cells = [
                link.primary,
                link.secondary,
                link.type,
                link.state or "?",
                "?" if link.lag is None else str(link.lag),
                "?" if link.canary_age_ms is None else str(link.canary_age_ms),
            ]
            body.append(
                f'<tr class="link-row" data-type="{e(link.type)}" data-from="{e(link.primary)}" '
                f'data-to="{e(link.secondary)}">' + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>"
            )
        body.append("</table>")
    else:
        body.append("<p>No replication link found between the targets.</p>")
    body.append("<h2>Clusters</h2>")
    for name, facts in fleet.clusters.items():
        body.append(_cluster_div(name, facts, fleet.failures.get(name, [])))
    for name in fleet.unusable:
        body.append(
            f'<div class="cluster failed unusable" data-name="{e(name)}"><h3>{e(name)}</h3>'
            "<p>unusable: preflight failed, no checks run</p></div>"
        )
    others = {k: v for k, v in fleet.failures.items() if k not in fleet.clusters and v}
    for name, failed in others.items():
        body.append(_cluster_div(name, None, failed))
    body.append("</body></html>")
    return "\n".join(body) + "\n"


def _cluster_div(name: str, facts: Mapping[str, Any] | None, failed: Sequence[tuple[str, str]]) -> str:
    e = html.escape
    out = [f'<div class="cluster{" failed" if failed else ""}" data-name="{e(name)}"><h3>{e(name)}</h3>']
    if facts is not None:
        out.append(
            f"<p>address: <code>{e(facts.get('address', ''))}</code><br>kind: {e(_kind(facts))}<br>"
            f"modes: {e(_modes(facts))}</p>"
        )
    if failed:
        out.append(f'<p>{len(failed)} failed check(s):</p><ul class="failures">')
        for check, message in failed[:MAX_FAILURES]:
            out.append(f'<li><code class="check">{e(check)}</code>: <span class="message">{e(message)}</span></li>')
        if len(failed) > MAX_FAILURES:
            out.append(f"<li>... and {len(failed) - MAX_FAILURES} more (first {MAX_FAILURES} shown)</li>")
        out.append("</ul>")
    else:
        out.append("<p>every check passed</p>" if facts is not None else "")
    out.append("</div>")
    return "".join(out)


def write_html(fleet: Fleet, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(fleet), encoding="utf-8")
    return path


# --- Mermaid -------------------------------------------------------------------------------------

_SAFE = re.compile(r"[^A-Za-z0-9 .,:/+=@()_-]")


def mermaid_text(text: str) -> str:
    """``text`` fit for a quoted Mermaid label: any other character becomes a numeric entity (``#60;``)."""
    return _SAFE.sub(lambda m: f"#{ord(m.group(0))};", _text(text))


def node_id(index: int, name: str) -> str:
    """A Mermaid node id: the name's letters and digits (at most 20), made unique by its index."""
    return f"n{index}_{re.sub(r'[^A-Za-z0-9]', '', name)[:20]}"


def render_mermaid(fleet: Fleet) -> list[str]:
    """The fleet as a fenced Mermaid flowchart (lines of Markdown)."""
    ids = {name: node_id(i, name) for i, name in enumerate(fleet.clusters)}
    lines = ["```mermaid", "flowchart LR"]
    for name, facts in fleet.clusters.items():
        failed = fleet.failures.get(name, [])
        parts = [name, _kind(facts), _modes(facts)]
        if failed:
            parts.append(f"{len(failed)} failed check(s)")
        label = "<br/>".join(mermaid_text(p) for p in parts)
        lines.append(f'  {ids[name]}["{label}"]')
    for link in fleet.links:
        lines.append(f'  {ids[link.primary]} -->|"{mermaid_text(link.label())}"| {ids[link.secondary]}')
    failed_ids = [ids[n] for n in fleet.clusters if fleet.failures.get(n)]
    if failed_ids:
        lines.append("  classDef failed stroke:#c00,stroke-width:3px")
        lines.append(f"  class {','.join(failed_ids)} failed")
    lines.append("```")
    return lines


def markdown_section(fleet: Fleet) -> list[str]:
    """The drift report's fleet section: the Mermaid graph, then each failed check under its cluster."""
    lines = ["## The fleet", "", *render_mermaid(fleet), ""]
    for name, failed in fleet.failures.items():
        if not failed:
            continue
        lines.append(f"Failed checks of **{_md(name)}**:")
        lines += [f"- {_md(check)}: {_md(message)}" for check, message in failed[:MAX_FAILURES]]
        if len(failed) > MAX_FAILURES:
            lines.append(f"- ... and {len(failed) - MAX_FAILURES} more (first {MAX_FAILURES} shown)")
        lines.append("")
    return lines


def _md(text: str) -> str:
    """A target's string as inert Markdown text: HTML escaped, Markdown's markup characters backslashed."""
    return re.sub(r"([\\`*_\[\]|#!])", r"\\\1", html.escape(_text(text, 300)))


def capped_clusters(clusters: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return dict(sorted(clusters.items())[:MAX_CLUSTERS])
