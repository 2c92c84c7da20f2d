"""No token, JWT or secret in a repr(), an error message or a log record."""

from __future__ import annotations

import logging
import time
from typing import Iterator

import pytest

import dbfed
from testkit import Testkit
from dbfed.integrations import databricks_sdk, databricks_sql
from dbfed.integrations import httpx as dbfed_httpx
from dbfed.integrations import requests as dbfed_requests


def test_reprs_show_no_secret(kit: Testkit) -> None:
    jwt = kit.service_principal_jwt()
    credential = kit.credential(dbfed.sources.Fixed(jwt))
    token = credential.token()

    shown = [
        repr(credential),
        repr(token),
        str(token),
        repr(dbfed.sources.Fixed(jwt)),
        repr(databricks_sdk.credentials_strategy(credential)),
        repr(databricks_sql.credentials_provider(credential)),
        repr(dbfed_requests.DatabricksAuth(credential)),
        repr(dbfed_httpx.DatabricksAuth(credential)),
        repr(credential.stats()),
    ]

    for text in shown:
        assert jwt not in text and token.token not in text, text
        assert jwt.split(".")[2] not in text, text  # not even the signature
    assert repr(credential) == (
        f"Credential(host='{kit.url}', client_id='5c2a0e2b-0000-4d6e-8f00-5e7b1ce0c11d', "
        "audience='dbfed-tests', source=Fixed(<redacted>))"
    )
    assert repr(token).startswith("AccessToken(token=<redacted>, token_type='Bearer', scope='all-apis'")
    assert repr(dbfed.sources.EnvVar("X")) == "EnvVar('X')"


def test_sources_with_secrets_never_show_them() -> None:
    secret = "s3cret-value-never-shown"
    key = "-----BEGIN PRIVATE KEY-----\nMIIEvQ-never-shown\n-----END PRIVATE KEY-----"
    sources = [
        dbfed.sources.OidcClientCredentials("https://idp.example.com", "svc", client_secret=secret),
        dbfed.sources.OidcClientCredentials(
            "https://idp.example.com", "svc", client_secret=secret, auth_method="client_secret_post"
        ),
        dbfed.sources.OidcClientCredentials("https://idp.example.com", "svc", private_key_pem=key),
    ]
    shown = [repr(source) for source in sources]
    shown.append(repr(dbfed.sources.Chain(*sources, dbfed.sources.Fixed(secret))))
    for text in shown:
        assert secret not in text and "never-shown" not in text, text
    assert shown[0] == "OidcClientCredentials('https://idp.example.com', 'svc', auth_method='client_secret_basic')"


def test_error_messages_show_no_secret(kit: Testkit) -> None:
    kit.service_principal_jwt()
    wrong = kit.mint(sub="repo:acme/other", aud=["dbfed-tests"])
    with pytest.raises(dbfed.ExchangeError) as raised:
        kit.credential(dbfed.sources.Fixed(wrong)).token()
    assert wrong not in str(raised.value) and wrong not in repr(raised.value.__dict__)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name} {record.levelname} {record.getMessage()}")

    def wait_for(self, text: str, timeout: float = 10) -> None:
        """Waits for a record containing `text` (records arrive from dbfed's logging thread)."""
        deadline = time.monotonic() + timeout
        while not any(text in message for message in self.messages):
            assert time.monotonic() < deadline, f"no record with {text!r} in {self.messages}"
            time.sleep(0.01)


@pytest.fixture
def records() -> Iterator[Records]:
    logger = logging.getLogger("dbfed")
    handler = Records()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.setLevel(level)
        logger.removeHandler(handler)


def test_log_records_go_to_the_dbfed_logger_without_secrets(kit: Testkit, records: Records) -> None:
    jwt = kit.service_principal_jwt()
    credential = kit.credential(dbfed.sources.Fixed(jwt))
    token = credential.token()
    credential.invalidate()
    records.wait_for("exchanged the subject token")
    records.wait_for("token cache invalidated")
    failing = kit.credential(dbfed.sources.Fixed(jwt), client_id="redaction-probe")
    with pytest.raises(dbfed.ExchangeError):
        failing.token()
    records.wait_for("Client 'redaction-probe' is not a service principal")

    assert all(message.startswith("dbfed.") for message in records.messages)
    for message in records.messages:
        assert jwt not in message and token.token not in message, message
        assert jwt.split(".")[2] not in message, message


def test_the_logger_level_filters_records(kit: Testkit, records: Records) -> None:
    logging.getLogger("dbfed").setLevel(logging.WARNING)
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()), client_id="level-probe")
    with pytest.raises(dbfed.ExchangeError):
        credential.token()
    records.wait_for("Client 'level-probe'")
    assert not any(" DEBUG " in message for message in records.messages), records.messages


def shown(error: BaseException) -> str:
    """Everything an error shows: its message, repr, fields and cause chain."""
    parts = [str(error), repr(error), repr(vars(error))]
    if error.__cause__ is not None:
        parts.append(shown(error.__cause__))
    return "\n".join(parts)


def test_the_leak_scan_finds_no_secret_in_any_error_repr_or_record(kit: Testkit, records: Records) -> None:
    """At DEBUG (the most the binding forwards): an exchange, a refused refresh whose server
    echoes the JWT, per-user exchanges (one refused, echoing the user's JWT), an IdP echoing the
    client secret, and URLs carrying a password: configured, and named by discovery."""
    jwt = kit.service_principal_jwt()
    credential = kit.credential(dbfed.sources.Fixed(jwt), retry=dbfed.RetryPolicy.none())
    token = credential.token()
    seen: list[str] = [repr(credential), repr(token)]

    def echoing(path: str, status: int, echo: str) -> None:
        kit.inject(path=path, status=status, body=f'{{"error": "invalid_request", "error_description": "echo {echo}"}}')

    echoing("/oidc/v1/token", 400, jwt)
    credential.invalidate()
    with pytest.raises(dbfed.ExchangeError) as refused:
        credential.token()
    assert refused.value.description == "echo <redacted>", "the server did echo, and it is masked"
    seen.append(shown(refused.value))

    kit.add_policy(client_id=None, audiences=["dbfed-tests"])
    users = dbfed.UserExchanger(host=kit.url, retry=dbfed.RetryPolicy.none())
    alice, bob = kit.mint(sub="alice@example.com", aud=["dbfed-tests"]), kit.mint(sub="bob@example.com", aud=["dbfed-tests"])
    user_token = users.token_for(alice)
    echoing("/oidc/v1/token", 401, bob)
    with pytest.raises(dbfed.ExchangeError) as refused:
        users.token_for(bob)
    seen += [repr(users), repr(user_token), shown(refused.value)]

    client_secret = "s3cret/client-secret-for-the-leak-scan"
    kit.add_oidc_client("svc-leak", client_secret)
    echoing("/idp/token", 401, f"client_secret={client_secret}")
    oidc = dbfed.sources.OidcClientCredentials(kit.issuer, "svc-leak", client_secret=client_secret)
    with pytest.raises(dbfed.SourceError) as source_refused:
        kit.credential(oidc, retry=dbfed.RetryPolicy.none()).token()
    seen += [repr(oidc), shown(source_refused.value)]

    password = "hunter2-url-password"
    with_password = kit.url.replace("://", f"://admin:{password}@", 1)
    for options in ({"host": with_password}, {"token_endpoint": f"{with_password}/oidc/v1/token"}):
        with pytest.raises(dbfed.ConfigError) as config_error:
            kit.credential(dbfed.sources.Fixed(jwt), **options)
        seen.append(shown(config_error.value))
    discovery = "/oidc/.well-known/oauth-authorization-server"
    kit.inject(path=discovery, status=200, body=f'{{"token_endpoint": "{with_password}/oidc/v1/token"}}')
    discovered = kit.credential(dbfed.sources.Fixed(jwt), discovery_url=f"{kit.url}{discovery}")
    with pytest.raises(dbfed.DbfedError) as discovered_refused:
        discovered.token()
    seen += [repr(discovered), shown(discovered_refused.value)]

    records.wait_for("echo <redacted>")
    seen += records.messages
    assert len(records.messages) > 5, records.messages
    secrets = {
        "the JWT": jwt,
        "its signature": jwt.split(".")[2],
        "the token": token.token,
        "a user's JWT signature": bob.split(".")[2],
        "alice's signature": alice.split(".")[2],
        "a user's token": user_token.token,
        "the client secret": client_secret,
        "the URL password": password,
    }
    for text in seen:
        for what, secret in secrets.items():
            assert secret not in text, f"{what} shown in: {text}"
