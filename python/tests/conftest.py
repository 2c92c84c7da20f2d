"""Fixtures: one testkit server for the session (see testkit.py), reset before every test."""

from __future__ import annotations

from typing import Iterator

import pytest

from testkit import Testkit, serve


@pytest.fixture(scope="session")
def testkit_server() -> Iterator[Testkit]:
    try:
        with serve() as testkit:
            yield testkit
    except FileNotFoundError as missing:
        pytest.exit(str(missing), returncode=3)


@pytest.fixture
def kit(testkit_server: Testkit) -> Testkit:
    """The testkit, reset: no policies, faults, counters or issued tokens."""
    testkit_server.reset()
    return testkit_server
