"""Cross-language end-to-end tests: real Databricks SDKs against dbfed and the testkit.

They reuse the Python package's testkit client (python/tests/testkit.py) and need the `dbfed`
and `dbfed-testkit` binaries (target/debug, built by scripts/test).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "python" / "tests"))

from testkit import Testkit, serve  # noqa: E402

DBFED = REPOSITORY / "target" / "debug" / "dbfed"


@pytest.fixture(scope="session")
def testkit_server() -> Iterator[Testkit]:
    with serve() as testkit:
        yield testkit


@pytest.fixture
def kit(testkit_server: Testkit) -> Testkit:
    """The testkit, reset."""
    testkit_server.reset()
    return testkit_server


@pytest.fixture(scope="session")
def dbfed_binary() -> Path:
    if not DBFED.is_file():
        pytest.exit(f"no dbfed binary at {DBFED}: run `cargo build -p dbfed-cli`", returncode=3)
    return DBFED


def run(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Runs a command and returns its result, output as text."""
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
