"""Fixtures: one testkit server for the session (see testkit.py), reset before every test; an
environment without the variables of CI systems and Databricks."""

from __future__ import annotations

import os
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


#: Prefixes of the variables that sources and `Credential.from_env()` read.
CI_AND_DATABRICKS_PREFIXES = (
    "ACTIONS_ID_TOKEN_",
    "ARM_",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AZURE",
    "BITBUCKET_",
    "BUILDKITE",
    "CIRCLE_",
    "DATABRICKS_",
    "DBFED_ALLOW_COMMAND",
    "DBFED_AZURE_",
    "DBFED_OIDC_",
    "DBFED_TFC_",
    "GCE_METADATA_HOST",
    "GITLAB_",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "SYSTEM_",
    "TFC_WORKLOAD_IDENTITY_TOKEN",
    "TOKEN_AUDIENCE",
)


@pytest.fixture
def ci_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """`monkeypatch`, after removing every variable of a CI system or of Databricks (so that a
    test run inside CI sees only what the test sets)."""
    for name in list(os.environ):
        if name.startswith(CI_AND_DATABRICKS_PREFIXES):
            monkeypatch.delenv(name)
    return monkeypatch
