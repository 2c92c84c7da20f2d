"""Azure Databricks with Entra tokens, against the testkit's Entra and IMDS look-alikes:
AzureCredential (client secret, client assertion, managed identity, from the environment) and
AzureOnBehalfOf (users signed in with Entra)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

import dbfed
from dbfed.integrations import databricks_sdk
from testkit import Testkit

TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
APP = "5e7b2a31-2222-4333-8444-6f6f6f6f6f6f"
SECRET = "entra-app-secret-value"
FEDERATED_SUBJECT = "repo:acme/api:environment:prod"
MANAGED_IDENTITY = "0d1e5a77-3333-4444-8555-7a7a7a7a7a7a"
AZURE_DATABRICKS = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
ALICE = "alice@contoso.com"
BOB = "bob@contoso.com"


@pytest.fixture
def entra(kit: Testkit) -> Testkit:
    """The testkit with an Entra app that has a secret and trusts the testkit IdP's JWTs for
    `FEDERATED_SUBJECT`."""
    kit.add_entra_app(
        tenant=TENANT,
        client_id=APP,
        secret=SECRET,
        federated_credentials=[{"issuer": kit.issuer, "subject": FEDERATED_SUBJECT}],
    )
    return kit


def azure(kit: Testkit, **options: Any) -> dbfed.AzureCredential:
    options.setdefault("retry", dbfed.RetryPolicy.none())
    return dbfed.AzureCredential(authority_host=kit.entra_authority, tenant_id=TENANT, client_id=APP, **options)


def on_behalf_of(kit: Testkit, **options: Any) -> dbfed.AzureOnBehalfOf:
    options.setdefault("client_secret", SECRET)
    options.setdefault("retry", dbfed.RetryPolicy.none())
    return dbfed.AzureOnBehalfOf(authority_host=kit.entra_authority, tenant_id=TENANT, client_id=APP, **options)


def user_name(kit: Testkit, token: dbfed.AccessToken) -> str:
    status, me = kit.me(f"{token.token_type} {token.token}")
    assert status == 200, me
    name: str = me["userName"]
    return name


def test_a_client_secret_gets_a_token_azure_databricks_accepts(entra: Testkit) -> None:
    credential = azure(entra, client_secret=SECRET)

    token = credential.token()

    assert user_name(entra, token) == f"sp:{APP}"
    assert credential.token().token == token.token and credential.stats().exchanges == 1
    [request] = entra.entra_requests()
    assert (request["method"], request["path"]) == ("POST", f"/entra/{TENANT}/oauth2/token")
    assert request["form"] == [
        ["grant_type", "client_credentials"],
        ["client_id", APP],
        ["client_secret", SECRET],
        ["resource", AZURE_DATABRICKS],
    ]


def test_it_is_a_credential_for_every_integration(entra: Testkit) -> None:
    credential = azure(entra, client_secret=SECRET)
    assert isinstance(credential, dbfed.Credential)
    workspace = WorkspaceClient(host=entra.url, credentials_strategy=databricks_sdk.credentials_strategy(credential))

    assert workspace.current_user.me().user_name == f"sp:{APP}"
    token = asyncio.run(credential.token_async())
    assert credential.headers() == {"Authorization": f"Bearer {token.token}"}
    assert credential.invalidate_token(token) is True
    assert credential.token().token != token.token
    assert len(entra.entra_requests()) == 2


def test_a_callback_client_assertion_is_asked_at_every_entra_request(entra: Testkit) -> None:
    entra.settings(token_lifetime_secs=2)  # Entra tokens that live 2 s
    asked: list[str] = []
    assertions: list[str] = []

    def assertion(context: dbfed.sources.SourceContext) -> str:
        asked.append(context.audience)
        assertions.append(entra.mint(sub=FEDERATED_SUBJECT, aud=[context.audience], lifetime_secs=2))
        return assertions[-1]

    credential = azure(entra, client_assertion=dbfed.sources.Callback(assertion))
    first = credential.token()
    time.sleep(2.5)  # the token and the assertion it was had with have both expired
    second = credential.token()

    assert second.token != first.token and user_name(entra, second) == f"sp:{APP}"
    requests = entra.entra_requests()
    assert len(requests) == len(assertions) >= 2
    assert asked == [FEDERATED_AUDIENCE] * len(asked)
    assert [dict(request["form"])["client_assertion"] for request in requests] == assertions
    assert dict(requests[0]["form"])["client_assertion_type"] == (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    assert "client_secret" not in dict(requests[0]["form"])


def test_a_managed_identity_comes_from_imds(kit: Testkit) -> None:
    kit.add_managed_identity(tenant=TENANT, client_id=MANAGED_IDENTITY, system_assigned=True)
    credential = dbfed.AzureCredential(managed_identity=True, imds_endpoint=kit.imds_endpoint)

    assert user_name(kit, credential.token()) == f"sp:{MANAGED_IDENTITY}"
    [request] = kit.entra_requests()
    assert (request["method"], request["path"]) == ("GET", "/metadata/identity/oauth2/token")
    assert dict(request["query"]) == {"api-version": "2018-02-01", "resource": AZURE_DATABRICKS}


def test_a_user_assigned_managed_identity_is_named_by_its_client_id(kit: Testkit) -> None:
    kit.add_managed_identity(tenant=TENANT, client_id=MANAGED_IDENTITY)
    credential = dbfed.AzureCredential(
        managed_identity=True, client_id=MANAGED_IDENTITY, imds_endpoint=kit.imds_endpoint
    )

    assert user_name(kit, credential.token()) == f"sp:{MANAGED_IDENTITY}"
    assert dict(kit.entra_requests()[0]["query"])["client_id"] == MANAGED_IDENTITY


@pytest.fixture
def azure_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """`monkeypatch`, without any Azure Identity variable of the machine running the tests."""
    for name in (
        "AZURE_AUTHORITY_HOST",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_from_env_reads_the_azure_identity_variables(
    entra: Testkit, azure_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    azure_env.setenv("AZURE_AUTHORITY_HOST", entra.entra_authority)
    azure_env.setenv("AZURE_TENANT_ID", TENANT)
    azure_env.setenv("AZURE_CLIENT_ID", APP)
    azure_env.setenv("AZURE_CLIENT_SECRET", SECRET)
    assert user_name(entra, dbfed.AzureCredential.from_env().token()) == f"sp:{APP}"

    # AKS workload identity: the projected token file, read at every Entra request.
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(entra.mint(sub=FEDERATED_SUBJECT, aud=[FEDERATED_AUDIENCE]))
    azure_env.delenv("AZURE_CLIENT_SECRET")
    azure_env.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    credential = dbfed.AzureCredential.from_env(retry=dbfed.RetryPolicy.none())

    assert user_name(entra, credential.token()) == f"sp:{APP}"
    assert dict(entra.entra_requests()[-1]["form"])["client_assertion"] == token_file.read_text()
    assert repr(credential) == "AzureCredential.from_env()"


def test_from_env_with_a_managed_identity(kit: Testkit, azure_env: pytest.MonkeyPatch) -> None:
    kit.add_managed_identity(tenant=TENANT, client_id=MANAGED_IDENTITY)
    azure_env.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", kit.url)
    azure_env.setenv("AZURE_CLIENT_ID", MANAGED_IDENTITY)

    credential = dbfed.AzureCredential.from_env(managed_identity=True)

    assert user_name(kit, credential.token()) == f"sp:{MANAGED_IDENTITY}"
    assert repr(credential) == "AzureCredential.from_env(managed_identity=True)"


def test_on_app_service_from_env_uses_the_identity_endpoint(kit: Testkit, ci_env: pytest.MonkeyPatch) -> None:
    kit.add_managed_identity(tenant=TENANT, client_id=MANAGED_IDENTITY, system_assigned=True)
    ci_env.setenv("IDENTITY_ENDPOINT", kit.app_service_identity_endpoint)
    ci_env.setenv("IDENTITY_HEADER", kit.app_service_identity_header)
    ci_env.setenv("DATABRICKS_HOST", kit.url)

    azure = dbfed.AzureCredential.from_env()
    detected = dbfed.Credential.from_env()

    assert user_name(kit, azure.token()) == f"sp:{MANAGED_IDENTITY}"
    assert user_name(kit, detected.token()) == f"sp:{MANAGED_IDENTITY}"
    request = kit.entra_requests()[-1]
    assert (request["method"], request["path"]) == ("GET", "/msi/token")
    assert dict(request["query"])["api-version"] == "2019-08-01"
    assert kit.app_service_identity_header not in repr(azure) + repr(detected)


def test_entra_refusals_are_exchange_errors_in_entras_words(entra: Testkit) -> None:
    with pytest.raises(dbfed.ExchangeError) as raised:
        azure(entra, client_secret="wrong").token()
    error = raised.value
    assert (error.status, error.error) == (401, "invalid_client")
    assert error.endpoint == f"{entra.entra_authority}/{TENANT}/oauth2/token"
    assert error.description is not None and error.description.startswith("AADSTS7000215")

    with pytest.raises(dbfed.ExchangeError, match="Identity not found") as raised:
        dbfed.AzureCredential(
            managed_identity=True, imds_endpoint=entra.imds_endpoint, retry=dbfed.RetryPolicy.none()
        ).token()
    assert raised.value.status == 400

    def failing(context: dbfed.sources.SourceContext) -> str:
        raise RuntimeError("no assertion today")

    with pytest.raises(dbfed.SourceError, match="no assertion today") as failed:
        azure(entra, client_assertion=dbfed.sources.Callback(failing)).token()
    assert isinstance(failed.value.__cause__, RuntimeError)
    assert len(entra.entra_requests()) == 2, "no request without an assertion"


def test_on_behalf_of_sends_the_exact_form_and_acts_as_each_user(entra: Testkit) -> None:
    users = on_behalf_of(entra)
    alice = entra.mint_entra_user_token(tenant=TENANT, upn=ALICE, audience=APP)
    bob = entra.mint_entra_user_token(tenant=TENANT, upn=BOB, audience=f"api://{APP}")

    assert user_name(entra, users.token_for(alice)) == ALICE
    assert user_name(entra, users.token_for(bob)) == BOB

    first = entra.entra_requests()[0]
    assert (first["method"], first["path"]) == ("POST", f"/entra/{TENANT}/oauth2/v2.0/token")
    assert first["content_type"] == "application/x-www-form-urlencoded"
    assert first["form"] == [
        ["grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
        ["client_id", APP],
        ["client_secret", SECRET],
        ["assertion", alice],
        ["scope", f"{AZURE_DATABRICKS}/user_impersonation"],
        ["requested_token_use", "on_behalf_of"],
    ]


def test_on_behalf_of_caches_per_user_with_one_request_per_user(entra: Testkit) -> None:
    users = on_behalf_of(entra)
    alice = entra.mint_entra_user_token(tenant=TENANT, upn=ALICE, audience=APP)
    bob = entra.mint_entra_user_token(tenant=TENANT, upn=BOB, audience=APP)
    entra.inject(path="/entra/", delay_ms=300, count=2)

    async def many() -> list[dbfed.AccessToken]:
        return await asyncio.gather(*(users.token_for_async(alice if n % 2 else bob) for n in range(200)))

    tokens = asyncio.run(many())

    assert len({token.token for token in tokens}) == 2
    assert users.token_for(alice).token == tokens[1].token and users.token_for(bob).token == tokens[0].token
    assert len(entra.entra_requests()) == 2
    stats = users.stats()
    assert (stats.entries, stats.exchanges, stats.failures) == (2, 2, 0)
    assert users.headers_for(alice) == {"Authorization": f"Bearer {tokens[1].token}"}
    assert users.invalidate_token_for(alice, tokens[1]) is True
    assert users.token_for(alice).token != tokens[1].token
    assert users.cached_token_for(bob) is not None


def test_on_behalf_of_with_a_client_assertion(entra: Testkit) -> None:
    asked: list[str] = []

    def assertion(context: dbfed.sources.SourceContext) -> str:
        asked.append(context.audience)
        return entra.mint(sub=FEDERATED_SUBJECT, aud=[context.audience], lifetime_secs=60)

    users = on_behalf_of(entra, client_secret=None, client_assertion=dbfed.sources.Callback(assertion))
    for upn in (ALICE, BOB):
        token = users.token_for(entra.mint_entra_user_token(tenant=TENANT, upn=upn, audience=APP))
        assert user_name(entra, token) == upn

    assert asked == [FEDERATED_AUDIENCE, FEDERATED_AUDIENCE], "asked at every request"
    form = dict(entra.entra_requests()[1]["form"])
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert "client_secret" not in form


def test_on_behalf_of_refusals(entra: Testkit) -> None:
    users = on_behalf_of(entra, expected_audiences=[APP, f"api://{APP}"])
    other_app = entra.mint_entra_user_token(tenant=TENANT, upn=ALICE, audience="another-app")
    expired = entra.mint_entra_user_token(tenant=TENANT, upn=ALICE, audience=APP, expired=True)
    with pytest.raises(dbfed.SourceError, match="audience"):
        users.token_for(other_app)
    with pytest.raises(dbfed.SourceError, match="expired"):
        users.token_for(expired)
    assert entra.entra_requests() == []

    other_tenant = entra.mint_entra_user_token(tenant="contoso.onmicrosoft.com", upn=ALICE, audience=APP)
    with pytest.raises(dbfed.ExchangeError) as raised:
        users.token_for(other_tenant)
    assert (raised.value.status, raised.value.error) == (400, "invalid_grant")
    assert raised.value.description is not None and "invalid issuer" in raised.value.description

    with pytest.raises(dbfed.ConfigError, match="not both"):
        on_behalf_of(entra, client_assertion=dbfed.sources.Fixed("jwt"))


def test_reprs_and_errors_show_no_secret_or_token(entra: Testkit) -> None:
    credential = azure(entra, client_secret=SECRET)
    token = credential.token()
    users = on_behalf_of(entra, max_users=100)
    alice = entra.mint_entra_user_token(tenant=TENANT, upn=ALICE, audience=APP)
    user_token = users.token_for(alice)
    with pytest.raises(dbfed.ExchangeError) as raised:
        azure(entra, client_secret="wrong-" + SECRET).token()
    assertion = entra.mint(sub=FEDERATED_SUBJECT, aud=[FEDERATED_AUDIENCE])
    federated = azure(entra, client_assertion=dbfed.sources.Fixed(assertion))

    shown = [repr(credential), repr(token), repr(users), repr(user_token), repr(federated)]
    shown += [str(raised.value), repr(raised.value.__dict__)]
    for text in shown:
        for secret in (SECRET, token.token, alice, user_token.token, assertion):
            assert secret not in text, text
    assert repr(credential) == (
        f"AzureCredential(tenant_id='{TENANT}', client_id='{APP}', client_secret=<redacted>, "
        f"authority_host='{entra.entra_authority}')"
    )
    assert repr(federated).endswith("client_assertion=Fixed(<redacted>), " f"authority_host='{entra.entra_authority}')")
    assert repr(users) == (
        f"AzureOnBehalfOf(tenant_id='{TENANT}', client_id='{APP}', client_secret=<redacted>, "
        f"authority_host='{entra.entra_authority}', max_users=100)"
    )
