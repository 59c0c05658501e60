"""Fixture files: every scenario's answers written as JSON, with a manifest, byte-identical for the same arguments.

Above the vault layer: the files are what :class:`replmock.vault.VaultNode` answers, the same core that
serves live requests, so files and live answers cannot diverge.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from replmock import __version__
from replmock._errors import ReplmockError, UsageError
from replmock.generate.payloads import ENDPOINTS, PATHS
from replmock.generate.scenarios import SCENARIOS, Generator, get_scenario
from replmock.model.clock import Clock
from replmock.vault import Request, VaultNode

if TYPE_CHECKING:  # pragma: no cover
    import argparse

LAYOUT = "<scenario>/<cluster>/<node>/<endpoint>.json"
MANIFEST = "manifest.json"
_MANIFEST_MAX_BYTES = 64 << 20
EXIT_INTERRUPTED = 130


def is_manifest(value: Any) -> bool:
    """Whether ``value`` (a parsed JSON document) is a manifest written by ``replmock fixtures generate`` or by
    ``replmock record`` (not a payload: ``replmock validate`` skips it)."""
    if isinstance(value, dict) and str(value.get("format", "")).startswith("replmock-recording/"):
        return "replmock_version" in value and isinstance(value.get("targets"), dict)
    return (
        isinstance(value, dict)
        and isinstance(value.get("layout"), str)
        and "replmock_version" in value
        and isinstance(value.get("files"), list)
    )


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


class Interrupted(ReplmockError):
    """Generation was interrupted (SIGINT or SIGTERM); the message says what the output folder holds."""


def _read_manifest(folder: Path) -> Any:
    """The parsed manifest.json of ``folder``, or None (absent, not a regular file, too large, not JSON)."""
    path = folder / MANIFEST
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MANIFEST_MAX_BYTES:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None


def _check_target(target: Path, label: str) -> bool:
    """Whether ``target`` exists; raise a UsageError unless it is absent, empty or replmock's output."""
    if target == Path(target.anchor):
        msg = f"--out {label} is a root folder; name a folder for the fixtures"
        raise UsageError(msg)
    cwd = Path.cwd()
    if target == cwd or target in cwd.parents:
        msg = f"--out {label} contains the current folder, which generation would replace; run from elsewhere"
        raise UsageError(msg)
    if not target.exists():
        return False
    if not target.is_dir():
        msg = f"--out {label} exists and is not a folder"
        raise UsageError(msg)
    if is_manifest(_read_manifest(target)):
        return True
    with os.scandir(target) as entries:
        if next(entries, None) is None:
            return True
    msg = (
        f"--out {label} is a non-empty folder that replmock did not write (it has no {MANIFEST} with a "
        "'layout' key); generation replaces the whole folder, so name a new or empty folder, or one "
        "written by replmock fixtures generate"
    )
    raise UsageError(msg)


def _holds(folder: Path, files: dict[str, str]) -> bool:
    """Whether ``folder`` holds exactly ``files``: the same names, the same bytes and nothing else."""
    wanted_dirs = {p.as_posix() for rel in files for p in Path(rel).parents}
    try:
        for dirpath, dirnames, filenames in os.walk(folder):
            here = Path(dirpath).relative_to(folder)
            for name in dirnames:
                if (here / name).as_posix() not in wanted_dirs or (Path(dirpath) / name).is_symlink():
                    return False
            for name in filenames:
                rel = (here / name).as_posix()
                path = Path(dirpath) / name
                if rel not in files or path.is_symlink() or path.read_bytes() != files[rel].encode("utf-8"):
                    return False
        return all((folder / rel).is_file() for rel in files)
    except OSError:
        return False


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the block, then raise KeyboardInterrupt if one came in meanwhile."""
    if threading.current_thread() is not threading.main_thread():
        yield  # Python runs signal handlers in the main thread only: nothing to hold here
        return
    caught: list[int] = []

    def hold(signum: int, _frame: object) -> None:
        caught.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if caught:
            raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the block (so it too leaves the previous output in place)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _sibling(target: Path, what: str) -> Path:
    """A new, unused name beside ``target`` (hidden; says whose it is)."""
    return target.with_name(f".{target.name[:200]}.{secrets.token_hex(4)}.replmock-{what}")  # < NAME_MAX


def _write_tree(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write(out: Path, names: list[str], seed: int, label: str | None = None) -> tuple[int, bool]:
    """Make the folder ``out`` hold exactly the fixtures of ``names``: (file count, whether it changed).

    The files are written to a new folder beside ``out``, which then replaces ``out`` (the old one is
    renamed away, the new one renamed in, the old one deleted), so ``out`` holds either its previous
    content or the complete new output, with its manifest, whatever interrupts the run; files of a
    previous generation that this one does not write disappear. If ``out`` already holds these very
    bytes, it is not touched. ``out`` must be absent, empty or a previous output (it has replmock's
    manifest): any other folder is refused with a UsageError.
    Raises ``Interrupted`` on SIGINT/SIGTERM, OSError when the file system refuses.
    """
    label = str(out) if label is None else label
    target = out.resolve()  # through symlinks: a link to the folder keeps pointing at the new output
    existed = _check_target(target, label)
    files = render(names, seed)
    if existed and _holds(target, files):
        return len(files), False
    target.parent.mkdir(parents=True, exist_ok=True)
    new, old = _sibling(target, "new"), _sibling(target, "old")
    swapped = False
    try:
        try:
            new.mkdir()
            _write_tree(new, files)
            with _signals_held():
                if existed:
                    target.rename(old)
                try:
                    new.rename(target)
                except BaseException:
                    if existed:
                        old.rename(target)
                    raise
                swapped = True
        finally:
            with _signals_held():
                shutil.rmtree(old if swapped else new, ignore_errors=True)
    except KeyboardInterrupt:
        state = "holds the new fixtures" if swapped else "was left as it was"
        msg = f"interrupted; {label} {state}"
        raise Interrupted(msg) from None
    return len(files), True


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
    if not args.out.strip():
        msg = "--out is empty; name the folder to write the fixtures to (default: generated-fixtures)"
        raise UsageError(msg)
    label = args.out
    try:
        with _sigterm_interrupts():
            count, changed = write(Path(args.out), names, args.seed, label)
    except (Interrupted, KeyboardInterrupt) as exc:
        why = str(exc) if isinstance(exc, Interrupted) else f"replmock: interrupted; {label} was left as it was"
        print(why, file=err)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"replmock: cannot write fixtures under {label}: {exc.strerror or exc}", file=err)
        return 2
    what = f"{count} files for {len(names)} scenario(s) under {label} (seed {args.seed}, layout {LAYOUT})"
    if changed:
        print(f"wrote {what}", file=out)
    else:
        print(f"unchanged: already {what}; left untouched", file=out)
    return 0
