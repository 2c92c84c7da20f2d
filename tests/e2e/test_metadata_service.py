"""The real databricks-sdk (from PyPI), configured with auth_type="metadata-service", gets its
tokens from `dbfed serve` / `dbfed exec` and calls the testkit's SCIM Me API."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config

from conftest import run
from testkit import SP_CLIENT_ID, Testkit


def dbfed_env(kit: Testkit) -> dict[str, str]:
    """A clean environment configuring dbfed for the testkit's service principal (env-oidc)."""
    jwt = kit.service_principal_jwt()
    return {
        "PATH": os.environ.get("PATH", ""),
        "DATABRICKS_HOST": kit.url,
        "DATABRICKS_CLIENT_ID": SP_CLIENT_ID,
        "DATABRICKS_TOKEN_AUDIENCE": "dbfed-tests",
        "DATABRICKS_OIDC_TOKEN": jwt,
    }


def sdk_client(kit: Testkit, metadata_service_url: str) -> WorkspaceClient:
    """A databricks-sdk client configured for the metadata-service auth type."""
    config = Config(host=kit.url, auth_type="metadata-service", metadata_service_url=metadata_service_url)
    return WorkspaceClient(config=config)


@pytest.fixture
def served(kit: Testkit, dbfed_binary: Path) -> Iterator[str]:
    """`dbfed serve` running for the testkit; yields its URL."""
    process = subprocess.Popen(
        [str(dbfed_binary), "serve"], env=dbfed_env(kit), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else url
        yield url
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0, "SIGTERM stops it cleanly"


def test_databricks_sdk_calls_the_api_with_tokens_from_dbfed_serve(kit: Testkit, served: str) -> None:
    client = sdk_client(kit, served)

    me = client.current_user.me()

    assert me.user_name == f"sp:{SP_CLIENT_ID}"
    assert kit.counters()["exchanges"] == 1


def test_databricks_sdk_keeps_working_across_token_lifetimes(kit: Testkit, dbfed_binary: Path) -> None:
    kit.settings(token_lifetime_secs=2)
    process = subprocess.Popen(
        [str(dbfed_binary), "serve"], env=dbfed_env(kit), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        client = sdk_client(kit, url)
        calls = 0
        started = time.monotonic()
        # Three and a half token lifetimes, and at least 50 calls however slow the machine.
        while time.monotonic() - started < 7 or calls < 50:
            assert client.current_user.me().user_name == f"sp:{SP_CLIENT_ID}"
            calls += 1
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=10)

    seconds = time.monotonic() - started
    exchanges = kit.counters()["exchanges"]
    # 2-second tokens count as 1 s (servers round expiry to whole seconds) and are refreshed
    # half-way: about two exchanges a second, however many calls the SDK makes.
    most = math.ceil(seconds * 2.5) + 2
    assert 4 <= exchanges <= most and exchanges < calls, f"{exchanges} exchanges in {seconds:.1f} s for {calls} calls"


def test_dbfed_exec_gives_a_child_sdk_its_tokens(kit: Testkit, dbfed_binary: Path) -> None:
    child = (
        "from databricks.sdk import WorkspaceClient\n"
        "client = WorkspaceClient()\n"
        "print(client.config.auth_type, client.current_user.me().user_name)\n"
    )

    result = run(str(dbfed_binary), "exec", "--", sys.executable, "-c", child, env=dbfed_env(kit))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["metadata-service", f"sp:{SP_CLIENT_ID}"]
