"""CLI: ``replmock validate | fixtures | serve | conformance``; each command imports its layer lazily."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from replmock import __version__
from replmock._errors import ReplmockError
from replmock.schemas import SCHEMA_DESCRIPTIONS

if TYPE_CHECKING:  # pragma: no cover
    from replmock.schemas import Report

EXIT_OK, EXIT_INVALID, EXIT_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replmock",
        description="Schemas, mock server, fixtures and conformance suite for Vault's /v1/sys/replication API.",
    )
    parser.add_argument("--version", action="version", version=f"replmock {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    val = sub.add_parser("validate", help="validate JSON payloads against the replication schemas")
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
        "--out", default="generated-fixtures", metavar="DIR", help="output folder (default: generated-fixtures)"
    )

    srv = sub.add_parser("serve", help="serve a scenario as mock Vault servers until interrupted")
    srv.add_argument("--scenario", default="perf-primary", metavar="NAME")
    srv.add_argument("--seed", type=int, default=0)
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8200, help="first port; 0 picks free ports")
    srv.add_argument("--root-token", default="root", help="token with sudo (default: root)")
    srv.add_argument("--token", action="append", default=[], metavar="T", help="token with update but no sudo")
    srv.add_argument("--tls-cert", metavar="FILE")
    srv.add_argument("--tls-key", metavar="FILE")

    conf = sub.add_parser(
        "conformance",
        help="run the conformance suite (extra arguments go to pytest)",
        description="Run the conformance suite against VAULT_ADDR / --vault-addr, or against the mock when no "
        "target is given. Unknown arguments are passed to pytest.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""suite options (passed to pytest):
  --vault-token T            token for --vault-addr (default: $VAULT_TOKEN; status checks need none)
  --vault-nonsudo-token T    a valid token without sudo: checks that reindex refuses it
  --targets FILE             TOML [[target]] tables (name, address, token | token_env, nonsudo_token)
  --replmock-profile P       lenient (default) or strict schemas
  --replmock-allow-mutations run recover; add --replmock-allow-reindex to run reindex
  --replmock-drift-report P  write P.json and P.md: fields that differ from the documented contract
  --replmock-polls N, --replmock-poll-interval S   reads for the WAL monotonicity check
  --replmock-scenario NAME, --replmock-seed N      the mock's scenario when no target is given
  --junitxml FILE, -n 2, -k EXPR ...               any pytest option
environment: VAULT_ADDR, VAULT_TOKEN, VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY, VAULT_SKIP_VERIFY""",
    )
    conf.add_argument("--vault-addr", metavar="URL")
    return parser


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
        if args.command == "fixtures":
            from replmock.generate.fixtures import fixtures_command

            return fixtures_command(args, out, err)
        if args.command == "serve":
            from replmock.server.standalone import serve_command

            return serve_command(args, out, err)
        from replmock.conformance import conformance_command

        return conformance_command(args, extra, out, err)
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


def _read(name: str) -> tuple[Any, str | None]:
    """Return (payload, None) or (None, error message) for a file name or '-'."""
    label = "<stdin>" if name == "-" else name
    try:
        text = sys.stdin.read() if name == "-" else open(name, encoding="utf-8").read()  # noqa: PTH123, SIM115
    except OSError as exc:
        return None, f"{label}: cannot read: {exc.strerror or exc}"
    except UnicodeDecodeError as exc:
        return None, f"{label}: not UTF-8 text: {exc.reason} at byte {exc.start}"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"{label}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"


def _validate(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from replmock.schemas import SCHEMA_NAMES, catalog

    if args.schema is not None and args.schema not in SCHEMA_NAMES:
        print(f"replmock: unknown schema {args.schema!r}; expected one of: {', '.join(SCHEMA_NAMES)}", file=err)
        return EXIT_INPUT
    code = EXIT_OK
    cat = catalog()
    files: list[str] = []
    for name in args.files:
        if name != "-" and Path(name).is_dir():
            found = sorted(str(p) for p in Path(name).rglob("*.json"))
            if not found:
                print(f"replmock: {name}: a folder with no .json file", file=err)
                code = EXIT_INPUT
            files.extend(found)
        else:
            files.append(name)
    for name in files:
        label = "<stdin>" if name == "-" else name
        payload, problem = _read(name)
        if problem is not None:
            code = max(code, EXIT_INPUT)
            if args.json:
                print(json.dumps({"file": label, "ok": False, "error": problem}), file=out)
            print(f"replmock: {problem}", file=err)
            continue
        report = cat.validate(payload, args.schema, args.profile)
        if not report.ok:
            code = max(code, EXIT_INVALID)
        if args.json:
            print(json.dumps({"file": label, **report.as_dict()}, default=str), file=out)
        else:
            _print_report(label, report, out)
    return code


def _print_report(label: str, report: Report, out: IO[str]) -> None:
    head = f"{label}: {'OK' if report.ok else 'INVALID'} ({report.schema}, {report.profile})"
    print(head, file=out)
    for issue in report.issues:
        print(f"  {issue.path}: {issue.message}", file=out)
        print(f"    expected: {issue.expected}", file=out)
        print(f"    source: {issue.source}", file=out)


if __name__ == "__main__":
    main()
