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
