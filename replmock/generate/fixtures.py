"""Fixture files: every scenario's views written as JSON, with a manifest, byte-identical for the same arguments."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from replmock import __version__
from replmock._errors import UsageError
from replmock.generate.payloads import ENDPOINTS, PATHS
from replmock.generate.scenarios import SCENARIOS, Generator, get_scenario
from replmock.model.clock import Clock

if TYPE_CHECKING:  # pragma: no cover
    import argparse

LAYOUT = "<scenario>/<cluster>/<node>/<endpoint>.json"


def request_id(*parts: object) -> str:
    """A Vault-style request id derived from ``parts`` (stable across runs)."""
    h = hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def render(names: list[str], seed: int) -> dict[str, str]:
    """{relative path: file text} for the scenarios ``names`` (the manifest included)."""
    generator = Generator()
    files: dict[str, str] = {}
    entries: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    clock_at = ""
    for name in names:
        sc = get_scenario(name)
        top = generator.build(sc.spec, seed, clock=Clock(), name=name)
        clock_at = top.now().isoformat()
        clusters: dict[str, Any] = {}
        for cname, cluster in top.clusters.items():
            clusters[cname] = {
                "dr": top.role(cname, "dr").mode if cluster.edition == "enterprise" else "oss",
                "performance": top.role(cname, "performance").mode if cluster.edition == "enterprise" else "oss",
                "nodes": [n.name for n in cluster.nodes],
                "active": cluster.active.name,
            }
            for node in cluster.nodes:
                # The same core that answers live requests writes the files, so they cannot diverge.
                from replmock.vault import Request, VaultNode

                core = VaultNode(top, cname, node=node.name)
                for endpoint in ENDPOINTS:
                    answer = core.handle(Request.build("GET", PATHS[endpoint]))
                    code, body = answer.status, json.loads(answer.body)
                    rel = f"{name}/{cname}/{node.name}/{endpoint}.json"
                    files[rel] = dump(body)
                    entries.append(
                        {
                            "file": rel,
                            "scenario": name,
                            "cluster": cname,
                            "node": node.name,
                            "endpoint": endpoint,
                            "method": "GET",
                            "path": PATHS[endpoint],
                            "status": code,
                        }
                    )
        summary[name] = {"description": sc.description, "focus": top.focus, "clusters": clusters}
    manifest = {
        "replmock_version": __version__,
        "seed": seed,
        "clock": clock_at,
        "layout": LAYOUT,
        "scenarios": summary,
        "files": entries,
    }
    files["manifest.json"] = dump(manifest)
    return files


def write(out: Path, names: list[str], seed: int) -> list[Path]:
    """Write the fixtures of ``names`` under ``out``; files already there and not ours are left alone."""
    written = []
    for rel, text in render(names, seed).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def fixtures_command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``replmock fixtures list|generate``."""
    if args.fixtures_command == "list":
        width = max(len(s.name) for s in SCENARIOS)
        for s in SCENARIOS:
            print(f"{s.name:<{width}}  {s.description}", file=out)
        return 0
    names = [s.name for s in SCENARIOS] if args.all else list(dict.fromkeys(args.scenario))
    for name in names:
        get_scenario(name)  # raises a UsageError listing the valid names
    target = Path(args.out)
    if target.exists() and not target.is_dir():
        msg = f"--out {target} exists and is not a folder"
        raise UsageError(msg)
    try:
        paths = write(target, names, args.seed)
    except OSError as exc:
        print(f"replmock: cannot write fixtures under {target}: {exc.strerror or exc}", file=err)
        return 2
    print(
        f"wrote {len(paths)} files for {len(names)} scenario(s) under {target} (seed {args.seed}, layout {LAYOUT})",
        file=out,
    )
    return 0
