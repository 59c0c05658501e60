"""CLI: ``replmock validate | fixtures | serve | conformance``; each command imports its layer lazily."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from replmock import __version__
from replmock._errors import ReplmockError
from replmock.schemas import SCHEMA_DESCRIPTIONS

if TYPE_CHECKING:  # pragma: no cover
    from replmock.schemas import Issue, Report

EXIT_OK, EXIT_INVALID, EXIT_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it

MAX_BYTES = 16 * 1024 * 1024
"""``validate`` refuses larger inputs: parsed JSON takes up to 25 times its size in memory
(measured: 64 MiB of ``[{},{},...]`` is 1.6 GB once parsed); a replication payload is a few KB."""
MAX_INT_DIGITS = 4300
"""The longest integer ``validate`` reads (Python's default conversion limit; Go's int64 has 19 digits)."""

_VALIDATE_EPILOG = f"""exit status:
  0  every payload is valid
  1  some payload is invalid: a schema mismatch, an unrecognised shape, or a key repeated
     within one JSON object (reported with its path; the last value is the one validated,
     as Go's encoding/json reads it)
  2  some input is unreadable: missing, not a regular file (a FIFO, a device), larger than
     {MAX_BYTES // (1024 * 1024)} MiB, not UTF-8, or not JSON (including NaN and Infinity, numbers out of
     range, integers over {MAX_INT_DIGITS} digits, nesting deeper than Python can parse)

Folders yield their regular *.json files (other entries are skipped with a note); a
manifest.json written by `replmock fixtures generate` is not a payload and is skipped
(unless --schema is given). At most 50 issues are shown per payload, then how many more."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replmock",
        description="Schemas, mock server, fixtures and conformance suite for Vault's /v1/sys/replication API.",
    )
    parser.add_argument("--version", action="version", version=f"replmock {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    val = sub.add_parser(
        "validate",
        help="validate JSON payloads against the replication schemas",
        description="Validate JSON payloads against the replication schemas (the payload type is detected).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_VALIDATE_EPILOG,
    )
    val.add_argument(
        "files", nargs="+", metavar="FILE", help="JSON files or folders (their *.json, recursively); '-' reads stdin"
    )
    val.add_argument("--profile", choices=["lenient", "strict"], default="lenient", help="default: lenient")
    val.add_argument(
        "--schema",
        metavar="NAME",
        help="schema to use (default: detected from each payload): "
        + "; ".join(f"{name} = {what}" for name, what in SCHEMA_DESCRIPTIONS.items()),
    )
    val.add_argument("--json", action="store_true", help="print one JSON report per file")

    fix = sub.add_parser("fixtures", help="list scenarios or write generated fixture files")
    fsub = fix.add_subparsers(dest="fixtures_command", metavar="ACTION")
    fsub.required = True
    fsub.add_parser("list", help="list the named scenarios")
    gen = fsub.add_parser("generate", help="write one JSON file per cluster, node view and endpoint")
    which = gen.add_mutually_exclusive_group(required=True)
    which.add_argument("--scenario", action="append", metavar="NAME", help="scenario to generate (repeatable)")
    which.add_argument("--all", action="store_true", help="every named scenario")
    gen.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    gen.add_argument(
        "--out",
        default="generated-fixtures",
        metavar="DIR",
        help="output folder (default: generated-fixtures), replaced as a whole once the new files are complete: "
        "it must be absent, empty or written by replmock fixtures generate; left untouched if already identical",
    )

    srv = sub.add_parser("serve", help="serve a scenario as mock Vault servers until interrupted")
    srv.add_argument("--scenario", default="perf-primary", metavar="NAME")
    srv.add_argument("--seed", type=int, default=0)
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8200, help="first port; 0 picks free ports")
    srv.add_argument("--root-token", default="root", help="token with sudo (default: root)")
    srv.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="NAME[:default]",
        help="a token with update on the replication paths but no sudo; NAME:default holds only Vault's default policy",
    )
    srv.add_argument(
        "--namespace", action="append", default=[], metavar="NS", help="a namespace that exists (others: not found)"
    )
    srv.add_argument(
        "--clock",
        choices=["wall", "frozen"],
        default="wall",
        help="wall: time starts now and follows the wall clock (default); frozen: it moves only with "
        "POST /_replmock/advance",
    )
    srv.add_argument("--json", action="store_true", help="print the start-up information as one JSON line")
    srv.add_argument("--tls-cert", metavar="FILE")
    srv.add_argument("--tls-key", metavar="FILE")
    srv.add_argument("--recording", metavar="DIR", help="serve a recording (replmock record) as a living topology")

    oas = sub.add_parser(
        "openapi", help="print or write an OpenAPI 3.1 document of every path the mock serves (from its route table)"
    )
    oas.add_argument(
        "--profile", choices=["strict", "lenient"], default="strict", help="schema profile (default strict)"
    )
    oas.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")

    rec = sub.add_parser(
        "record",
        help="read a live cluster's replication status into scrubbed fixtures (reads only, no token sent)",
        description="Read sys/replication/status, dr/status, performance/status and sys/health of every target "
        "(GET only, without a token), replace every identifier by a keyed pseudonym that keeps its format, write "
        "DIR and audit it for leaks. Exit codes: 0 written and clean; 1 the audit found an original identifier; "
        "2 usage error; 3 a target could not be read.",
    )
    rec.add_argument("--vault-addr", metavar="URL", help="the Vault to record (default: $VAULT_ADDR)")
    rec.add_argument("--targets", metavar="FILE", help="a TOML file of [[target]] tables, as for conformance")
    rec.add_argument("--out", metavar="DIR", help="the recording folder to write (replaced as a whole)")
    rec.add_argument("--shift-time", type=int, default=0, metavar="SECONDS", help="shift every time by SECONDS")
    rec.add_argument("--check", metavar="DIR", help="audit an existing recording instead (needs --against)")
    rec.add_argument("--against", metavar="RAW_DIR", help="raw captures whose identifiers must not appear in DIR")

    from replmock.conformance import EXIT_CODES_HELP, add_options

    conf = sub.add_parser(
        "conformance",
        help="run the conformance suite against a Vault (or --self-test: the mock); extra arguments go to pytest",
        description="Check a Vault (VAULT_ADDR / --vault-addr) or several (--targets) against the replication "
        "contract: a preflight per target (reachable, TLS, token, kind), then the checks, then a summary. "
        "--self-test checks replmock's own mock instead. Unknown arguments are passed to pytest.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"""{EXIT_CODES_HELP}

credentials, as the vault CLI takes them: VAULT_TOKEN, else ~/.vault-token; token_env (or token) per
target in a --targets file. --vault-token works but is visible to other users in ps.
environment: VAULT_ADDR, VAULT_TOKEN, VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY, VAULT_SKIP_VERIFY
pytest options pass through: --junitxml FILE, -n 2, -k EXPR, -q ...""",
    )
    add_options(conf.add_argument, hidden=argparse.SUPPRESS, command=True)
    return parser


COMMANDS = {
    "fixtures": ("replmock.fixtures", "fixtures_command"),
    "openapi": ("replmock.openapi", "openapi_command"),
    "record": ("replmock.record", "record_command"),
    "serve": ("replmock.server.standalone", "serve_command"),
}


def run(argv: Sequence[str] | None = None, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    """Run the CLI and return its exit code (testable without a subprocess)."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if args_list[:1] == ["conformance"]:
        args, extra = parser.parse_known_args(args_list)
    else:
        args, extra = parser.parse_args(args_list), []
    try:
        if args.command == "validate":
            return _validate(args, out, err)
        if args.command == "conformance":
            from replmock.conformance import conformance_command

            return conformance_command(args, extra, out, err)
        module, function = COMMANDS[args.command]  # each command imports its layer when it runs
        command = getattr(importlib.import_module(module), function)
        return int(command(args, out, err))
    except ReplmockError as exc:
        print(str(exc), file=err)
        return EXIT_INPUT


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console entry point."""
    try:
        code = run(argv)
        sys.stdout.flush()
    except BrokenPipeError:  # `replmock validate ... | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_OK
    sys.exit(code)


class _NotJSON(Exception):
    """A text Python's json module would read but JSON (RFC 8259) and Go's encoding/json reject."""

    def __init__(self, what: str, pattern: str) -> None:
        super().__init__(what)
        self.what, self.pattern = what, pattern
        """What is wrong; a regular expression that finds the offending token in the text."""


def _constant(token: str) -> Any:
    msg = f"{token} is not a JSON number (JSON has no NaN or Infinity; Go's encoding/json rejects it)"
    raise _NotJSON(msg, re.escape(token))


def _int(token: str) -> int:
    """int(), refusing more than MAX_INT_DIGITS digits (used when the interpreter itself has no limit)."""
    if len(token.lstrip("-")) > MAX_INT_DIGITS:
        msg = f"an integer of {len(token.lstrip('-'))} digits (replmock reads at most {MAX_INT_DIGITS})"
        raise _NotJSON(msg, re.escape(token))
    return int(token)


def _int_parser() -> Callable[[str], int]:
    """The builtin int when Python's own digit limit applies (3x faster than a hook), else ``_int``."""
    limit: int = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    return int if 0 < limit <= MAX_INT_DIGITS else _int


def _float(token: str) -> float:
    value = float(token)
    if value in {float("inf"), float("-inf")}:
        short = token if len(token) <= 40 else token[:37] + "..."  # noqa: PLR2004
        msg = f"the number {short} is out of range (Go's encoding/json rejects it too)"
        raise _NotJSON(msg, re.escape(token))
    return value


def _where(text: str, pattern: str) -> str:
    """' at line L column C' of the first token matching ``pattern`` outside a JSON string, or ''."""
    tokens = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.+-])(' + pattern + r")(?![\w.+-])", re.DOTALL)
    for match in tokens.finditer(text):
        if match.group(1) is not None:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            return f" at line {line} column {column}"
    return ""


_LABEL_MAX = 400


def _label(name: str) -> str:
    """``name`` as printed: stdin named, undecodable bytes and control characters escaped."""
    if name == "-":
        return "<stdin>"
    if not name:
        return "''"
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    if len(text) > _LABEL_MAX:  # an over-long name: its ends say enough
        text = f"{text[:100]}...({len(text) - 160} characters)...{text[-60:]}"
    return text


def _kind(mode: int) -> str:
    kinds: tuple[tuple[Callable[[int], bool], str], ...] = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    )
    return next((word for test, word in kinds if test(mode)), "not a regular file")


class _Unreadable(Exception):
    """An input ``validate`` cannot read as JSON; the message names it and says why (exit 2)."""


def _too_large(label: str, size: int | None = None) -> _Unreadable:
    what = f"{size} bytes" if size is not None else f"more than {MAX_BYTES} bytes"
    return _Unreadable(f"{label}: too large ({what}; replmock validate reads at most {MAX_BYTES >> 20} MiB)")


def _read_stdin() -> bytes | str:
    stream: Any = sys.stdin
    if stream is None:
        msg = "<stdin>: cannot read: standard input is closed"
        raise _Unreadable(msg)
    try:
        data: bytes | str = getattr(stream, "buffer", stream).read(MAX_BYTES + 1)
    except OSError as exc:
        raise _Unreadable(f"<stdin>: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"<stdin>: not UTF-8 text: {exc.reason}") from None
    return data


def _read_file(name: str, label: str) -> bytes:
    """The bytes of the regular file ``name``; never opens (or waits on) a FIFO or a device."""
    try:
        info = os.stat(name)  # noqa: PTH116 - not Path(name): Path("") would be the current folder
        if not stat.S_ISREG(info.st_mode):
            msg = (
                f"{label}: not a regular file ({_kind(info.st_mode)}); replmock validate reads files, "
                "folders of *.json files, or '-' for standard input"
            )
            raise _Unreadable(msg)
        if info.st_size > MAX_BYTES:
            raise _too_large(label, info.st_size)
        # Non-blocking: should the name become a FIFO after the check, opening it does not wait.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                msg = f"{label}: not a regular file (it changed while being opened)"
                raise _Unreadable(msg)
            return file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _Unreadable(f"{label}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL byte in the name (only through run(), never from argv)
        raise _Unreadable(f"{label}: cannot read: {exc}") from None


def _load(name: str) -> bytes | str:
    """The content of a regular file or of stdin ('-'), at most MAX_BYTES; raises _Unreadable."""
    data = _read_stdin() if name == "-" else _read_file(name, _label(name))
    if len(data) > MAX_BYTES:
        raise _too_large(_label(name))
    return data


Repeated = list[tuple[dict[str, Any], list[str]]]
"""Objects that had a key more than once, with those keys."""


def _parse(data: bytes | str, label: str) -> tuple[Any, Repeated]:
    """(payload, objects with repeated keys); raises _Unreadable for what is not JSON."""
    repeated: Repeated = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            counts: dict[str, int] = {}
            for key, _ in items:
                counts[key] = counts.get(key, 0) + 1
            repeated.append((obj, [k for k, n in counts.items() if n > 1]))  # keeps obj alive: its id() stays
        return obj

    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"{label}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    try:
        payload = json.loads(
            text, parse_constant=_constant, parse_int=_int_parser(), parse_float=_float, object_pairs_hook=pairs
        )
    except json.JSONDecodeError as exc:
        msg = f"{label}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise _Unreadable(msg) from None
    except _NotJSON as exc:
        raise _Unreadable(f"{label}: not valid JSON: {exc.what}{_where(text, exc.pattern)}") from None
    except RecursionError:
        msg = f"{label}: not readable: JSON nested too deeply (Python's parser stops near {sys.getrecursionlimit()} levels)"
        raise _Unreadable(msg) from None
    except ValueError as exc:  # Python's own limit on integer digits (int_max_str_digits)
        limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
        what = f"an integer of more than {limit} digits (Python reads at most {limit})" if limit else str(exc)
        raise _Unreadable(f"{label}: not valid JSON: {what}{_where(text, rf'-?[0-9]{{{limit + 1},}}')}") from None
    return payload, repeated


def _duplicate_issues(payload: Any, repeated: Repeated) -> tuple[list[Issue], bool]:
    """(one issue per key repeated within one object, with its JSON path; whether all were listed)."""
    from replmock.schemas import COUNT_LIMIT, Issue, json_path

    where = {id(obj): keys for obj, keys in repeated}
    found: list[Issue] = []
    # Each entry: (node, parent entry, key); paths are built only for the objects reported.
    stack: list[tuple[Any, Any, str | int]] = [(payload, None, "")]
    while stack:
        entry = stack.pop()
        node = entry[0]
        if isinstance(node, dict):
            keys = where.get(id(node), [])
            if keys:
                if len(found) + len(keys) > COUNT_LIMIT:
                    keys = keys[: COUNT_LIMIT - len(found)]
                    stack.clear()  # counting stops here
                parts: list[str | int] = []
                cursor = entry
                while cursor[1] is not None:
                    parts.append(cursor[2])
                    cursor = cursor[1]
                parts.reverse()
                found.extend(
                    Issue(
                        json_path([*parts, key]),
                        f"key {key!r} appears more than once in this object (the last value is the one validated, "
                        "as Go's encoding/json reads it)",
                        "each key at most once in an object",
                        None,
                        "RFC 8259 section 4: the names within an object should be unique",
                        "duplicate-key",
                    )
                    for key in keys
                )
                if not stack and len(found) >= COUNT_LIMIT:
                    return found, False
            stack.extend((v, entry, k) for k, v in reversed(node.items()) if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, entry, i) for i, v in reversed(list(enumerate(node))) if isinstance(v, (dict, list)))
    return found, True


def _is_manifest(name: str, payload: Any) -> bool:
    if Path(name).name != "manifest.json":
        return False
    from replmock.fixtures import is_manifest

    return is_manifest(payload)


def _walk(folder: str, err: IO[str]) -> tuple[list[str], bool]:
    """(the regular *.json files under ``folder``, sorted; whether every subfolder could be read)."""
    found: list[str] = []
    errors: list[str] = []

    def failed(exc: OSError) -> None:
        errors.append(f"replmock: {_label(str(exc.filename or folder))}: cannot read folder: {exc.strerror or exc}")

    for dirpath, _dirs, filenames in os.walk(folder, onerror=failed):
        for fname in filenames:
            if not fname.endswith(".json"):
                continue
            path = str(Path(dirpath) / fname)
            try:
                mode = Path(path).stat().st_mode
            except OSError:
                found.append(path)  # a dangling link...: reported as unreadable when read
                continue
            if stat.S_ISREG(mode):
                found.append(path)
            else:
                print(f"replmock: {_label(path)}: skipped: {_kind(mode)}, not a regular file", file=err)
    for line in errors:
        print(line, file=err)
    return sorted(found), not errors


def _inputs(names: list[str], err: IO[str]) -> tuple[list[str], int]:
    """The files to read (folders expanded) and the exit code so far."""
    code = EXIT_OK
    files: list[str] = []
    for name in names:
        try:
            is_dir = name != "-" and stat.S_ISDIR(os.stat(name).st_mode)  # noqa: PTH116 - as in _read_file
        except (OSError, ValueError):
            is_dir = False  # _load says why
        if not is_dir:
            files.append(name)
            continue
        found, readable = _walk(name, err)
        if not readable:
            code = EXIT_INPUT
        if not found:
            print(f"replmock: {_label(name)}: a folder with no .json file", file=err)
            code = EXIT_INPUT
        files.extend(found)
    return files, code


def _validate(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from replmock.schemas import SCHEMA_NAMES

    if args.schema is not None and args.schema not in SCHEMA_NAMES:
        print(f"replmock: unknown schema {args.schema!r}; expected one of: {', '.join(SCHEMA_NAMES)}", file=err)
        return EXIT_INPUT
    try:
        files, code = _inputs(args.files, err)
        for name in files:
            label = _label(name)
            try:
                code = max(code, _validate_one(name, label, args, out))
            except _Unreadable as exc:
                code = max(code, EXIT_INPUT)
                if args.json:
                    print(json.dumps({"file": label, "ok": False, "error": str(exc)}), file=out)
                print(f"replmock: {exc}", file=err)
    except KeyboardInterrupt:
        print("replmock: interrupted", file=err)
        return EXIT_INTERRUPTED
    return code


def _validate_one(name: str, label: str, args: argparse.Namespace, out: IO[str]) -> int:
    """Validate one input, print its report and return its exit code; raises _Unreadable."""
    from replmock.schemas import ISSUE_LIMIT, Report, catalog

    payload, repeated = _parse(_load(name), label)
    if args.schema is None and _is_manifest(name, payload):
        why = "a manifest written by replmock fixtures generate, not a payload"
        if args.json:
            print(json.dumps({"file": label, "ok": True, "skipped": why}), file=out)
        else:
            print(f"{label}: SKIPPED ({why})", file=out)
        return EXIT_OK
    try:
        report = catalog().validate(payload, args.schema, args.profile, limit=ISSUE_LIMIT)
        dups, all_dups = _duplicate_issues(payload, repeated) if repeated else ([], True)
    except RecursionError:
        msg = f"{label}: not readable: JSON nested too deeply to validate"
        raise _Unreadable(msg) from None
    if dups:
        shown = sorted([*dups, *report.issues], key=lambda i: (i.path, i.message))[:ISSUE_LIMIT]
        total, complete = report.issue_count + len(dups), report.complete and all_dups
        report = Report(report.schema, report.profile, tuple(shown), report.detection, total, complete)
    if args.json:
        print(json.dumps({"file": label, **report.as_dict()}, default=str), file=out)
    else:
        _print_report(label, report, out)
    return EXIT_OK if report.ok else EXIT_INVALID


def _print_report(label: str, report: Report, out: IO[str]) -> None:
    head = f"{label}: {'OK' if report.ok else 'INVALID'} ({report.schema}, {report.profile})"
    print(head, file=out)
    for issue in report.issues:
        print(f"  {issue.path}: {issue.message}", file=out)
        print(f"    expected: {issue.expected}", file=out)
        print(f"    source: {issue.source}", file=out)
    if report.omitted:
        shown = len(report.issues)
        if report.complete:
            print(f"  ... and {report.omitted} more ({shown} of {report.issue_count} issues shown)", file=out)
        else:
            print(
                f"  ... and more than {report.omitted} more ({shown} shown; counting stopped at "
                f"{report.issue_count} issues)",
                file=out,
            )


if __name__ == "__main__":
    main()
