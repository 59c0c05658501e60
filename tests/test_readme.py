"""The README's examples run as written."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytest_plugins = ["pytester"]

BLOCKS = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)


def test_the_readme_has_its_examples() -> None:
    assert len(BLOCKS) >= 2


def test_the_pytest_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme_example=BLOCKS[0])
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_the_custom_topology_example_runs() -> None:
    done = subprocess.run([sys.executable, "-c", BLOCKS[1]], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "'A': 'http://127.0.0.1:" in done.stdout
    assert "'Z': " in done.stdout


def test_the_readme_test_command_is_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = "pip install '.[test]' && pytest -n 2"
    assert command in readme
    runs = [line for line in ci.splitlines() if command in line and not line.lstrip().startswith("#")]
    assert len(runs) == 1, runs  # CI runs the README's command itself (then ruff and mypy), not a variant of it
