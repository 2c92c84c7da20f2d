"""Every failure maps to the right exception, with the server's status and words."""

from __future__ import annotations

import pickle
import socket
from pathlib import Path

import pytest

import dbfed
from testkit import AUDIENCE, SP_CLIENT_ID, SUBJECT, Testkit


def test_every_exception_is_a_dbfed_error() -> None:
    for error in (
        dbfed.ConfigError,
        dbfed.SourceError,
        dbfed.ExchangeError,
        dbfed.MalformedResponseError,
        dbfed.TransportError,
    ):
        assert issubclass(error, dbfed.DbfedError)
    assert issubclass(dbfed.MalformedResponseError, dbfed.ExchangeError)


def test_an_unset_variable_is_a_source_error(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.EnvVar("DBFED_TEST_SURELY_UNSET"))
    with pytest.raises(dbfed.SourceError, match="DBFED_TEST_SURELY_UNSET is not set") as raised:
        credential.token()
    assert raised.value.source_name == "env"
    assert kit.counters()["exchanges"] == 0


def test_a_missing_file_is_a_source_error(kit: Testkit, tmp_path: Path) -> None:
    with pytest.raises(dbfed.SourceError, match="cannot read file") as raised:
        kit.credential(dbfed.sources.File(tmp_path / "absent")).token()
    assert raised.value.source_name == "file"


def test_an_expired_jwt_is_refused_before_the_exchange(kit: Testkit) -> None:
    kit.service_principal_jwt()
    expired = kit.mint(sub=SUBJECT, aud=[AUDIENCE], expired=True)
    with pytest.raises(dbfed.SourceError, match="expired"):
        kit.credential(dbfed.sources.Fixed(expired)).token()
    assert kit.counters()["exchanges"] == 0


def test_an_unknown_client_is_an_exchange_error_with_the_servers_words(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()), client_id="not-a-sp")
    with pytest.raises(dbfed.ExchangeError) as raised:
        credential.token()
    error = raised.value
    assert (error.status, error.error, error.endpoint) == (401, "invalid_client", kit.workspace_token_endpoint)
    assert error.description == "Client 'not-a-sp' is not a service principal with federation policies"
    assert error.description in str(error)


def test_a_policy_mismatch_says_which_claim(kit: Testkit) -> None:
    kit.add_policy(client_id=SP_CLIENT_ID, audiences=[AUDIENCE], subject=SUBJECT)
    wrong_subject = kit.mint(sub="repo:acme/other:ref:refs/heads/main", aud=[AUDIENCE])
    with pytest.raises(dbfed.ExchangeError) as raised:
        kit.credential(dbfed.sources.Fixed(wrong_subject)).token()
    assert (raised.value.status, raised.value.error) == (400, "invalid_grant")
    assert raised.value.description is not None and "does not match federation policy subject" in raised.value.description


def test_a_temporary_failure_keeps_its_retry_after(kit: Testkit) -> None:
    kit.inject(path="/oidc/v1/token", status=503, retry_after="7")
    with pytest.raises(dbfed.ExchangeError) as raised:
        kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt())).token()
    assert (raised.value.status, raised.value.retry_after) == (503, 7.0)
    assert not isinstance(raised.value, dbfed.MalformedResponseError)


def test_an_unusable_answer_is_a_malformed_response_error(kit: Testkit) -> None:
    kit.inject(path="/oidc/v1/token", status=200, body="<html>login</html>", content_type="text/html")
    with pytest.raises(dbfed.MalformedResponseError) as raised:
        kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt())).token()
    assert raised.value.status == 200
    assert raised.value.endpoint == kit.workspace_token_endpoint
    assert raised.value.description


def test_no_answer_is_a_transport_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    credential = dbfed.Credential(
        source=dbfed.sources.Fixed("jwt"),
        token_endpoint=f"http://127.0.0.1:{port}/oidc/v1/token",
        audience="x",
        retry=dbfed.RetryPolicy.none(),
    )
    with pytest.raises(dbfed.TransportError) as raised:
        credential.token()
    assert raised.value.endpoint == f"http://127.0.0.1:{port}/oidc/v1/token"
    assert raised.value.retryable is True


def test_a_request_that_times_out_is_a_transport_error(kit: Testkit) -> None:
    kit.inject(path="/oidc/v1/token", delay_ms=3000)
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()), request_timeout=0.2)
    with pytest.raises(dbfed.TransportError, match="timed out"):
        credential.token()


def test_the_async_api_raises_the_same_exceptions(kit: Testkit) -> None:
    import asyncio

    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()), client_id="not-a-sp")
    with pytest.raises(dbfed.ExchangeError) as raised:
        asyncio.run(credential.token_async())
    assert raised.value.status == 401


def test_exceptions_survive_pickling(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()), client_id="not-a-sp")
    with pytest.raises(dbfed.ExchangeError) as raised:
        credential.token()
    copy = pickle.loads(pickle.dumps(raised.value))
    assert type(copy) is dbfed.ExchangeError
    assert (copy.status, copy.error, copy.description, str(copy)) == (
        raised.value.status,
        raised.value.error,
        raised.value.description,
        str(raised.value),
    )
