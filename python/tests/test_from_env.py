"""`Credential.from_env()`: the Databricks environment variables, the source named by
`DATABRICKS_AUTH_TYPE` or detected, and the report when none fits."""

from __future__ import annotations

from pathlib import Path

import pytest

import dbfed
from testkit import AUDIENCE, CI_SUBJECT, SP_CLIENT_ID, Testkit

WORKSPACE = "https://dbc-1234abcd-5678.cloud.databricks.com"

#: Every auth type, in the order the environment is searched.
AUTH_TYPES = [
    "github-oidc",
    "azure-devops-oidc",
    "gitlab-oidc",
    "env-oidc",
    "file-oidc",
    "circleci-oidc",
    "bitbucket-oidc",
    "terraform-oidc",
    "buildkite-oidc",
    "gcp-oidc",
    "oidc-client-credentials",
    "command-oidc",
    "kubernetes-oidc",
]


def on_google_cloud() -> bool:
    """Whether this machine is a Google Cloud VM, where `gcp-oidc` is detected."""
    try:
        return Path("/sys/class/dmi/id/product_name").read_text().strip().startswith("Google")
    except OSError:
        return False


@pytest.mark.parametrize(
    ("auth_type", "extra", "source_name"),
    [
        ("github-oidc", {}, "github-actions"),
        ("azure-devops-oidc", {}, "azure-devops"),
        ("env-oidc", {}, "env"),
        ("file-oidc", {"DATABRICKS_OIDC_TOKEN_FILEPATH": "/var/run/token"}, "file"),
        ("gitlab-oidc", {}, "gitlab"),
        ("circleci-oidc", {}, "circleci"),
        ("bitbucket-oidc", {}, "bitbucket"),
        ("terraform-oidc", {}, "terraform"),
        ("buildkite-oidc", {}, "buildkite"),
        ("kubernetes-oidc", {}, "kubernetes"),
        ("gcp-oidc", {}, "gcp-metadata"),
        (
            "oidc-client-credentials",
            {
                "DBFED_OIDC_ISSUER": "https://idp.example.com",
                "DBFED_OIDC_CLIENT_ID": "svc",
                "DBFED_OIDC_CLIENT_SECRET": "s",
            },
            "oidc-client-credentials",
        ),
        ("command-oidc", {"DBFED_OIDC_COMMAND": "/usr/bin/get-token --json", "DBFED_ALLOW_COMMAND": "1"}, "command"),
    ],
)
def test_each_auth_type_picks_its_source(
    ci_env: pytest.MonkeyPatch, auth_type: str, extra: dict[str, str], source_name: str
) -> None:
    ci_env.setenv("DATABRICKS_HOST", WORKSPACE)
    ci_env.setenv("DATABRICKS_AUTH_TYPE", auth_type)
    for name, value in extra.items():
        ci_env.setenv(name, value)

    credential = dbfed.Credential.from_env()

    assert credential.source_name == source_name
    assert repr(credential) == f"Credential.from_env(source_name='{source_name}')"


def test_github_actions_is_detected_before_a_token_variable(kit: Testkit, ci_env: pytest.MonkeyPatch) -> None:
    kit.add_policy(client_id=SP_CLIENT_ID, audiences=[AUDIENCE], subject=CI_SUBJECT)
    ci_env.setenv("DATABRICKS_HOST", kit.url)
    ci_env.setenv("DATABRICKS_CLIENT_ID", SP_CLIENT_ID)
    ci_env.setenv("DATABRICKS_TOKEN_AUDIENCE", AUDIENCE)
    ci_env.setenv("DATABRICKS_OIDC_TOKEN", "not-what-is-exchanged")
    ci_env.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", kit.github_request_url)
    ci_env.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "testkit-github-request-token")

    credential = dbfed.Credential.from_env(retry=dbfed.RetryPolicy.none(), request_timeout=10)
    assert credential.source_name == "github-actions"
    for _ in range(1000):
        credential.token()

    counters = kit.counters()
    assert (counters["ci_token_requests"], counters["exchanges"]) == (1, 1)
    status, me = kit.me(credential.headers()["Authorization"])
    assert (status, me["userName"]) == (200, f"sp:{SP_CLIENT_ID}")


def test_a_token_variable_is_exchanged_with_the_configured_audience_and_account(
    kit: Testkit, ci_env: pytest.MonkeyPatch
) -> None:
    ci_env.setenv("DATABRICKS_HOST", kit.url)
    ci_env.setenv("DATABRICKS_ACCOUNT_ID", kit.account_id)
    ci_env.setenv("DATABRICKS_CLIENT_ID", SP_CLIENT_ID)
    ci_env.setenv("TOKEN_AUDIENCE", AUDIENCE)
    ci_env.setenv("DATABRICKS_OIDC_TOKEN_ENV", "DBFED_TEST_FROM_ENV_JWT")
    ci_env.setenv("DBFED_TEST_FROM_ENV_JWT", kit.service_principal_jwt())

    credential = dbfed.Credential.from_env()

    assert (credential.source_name, credential.account_id) == ("env", kit.account_id)
    assert repr(credential) == f"Credential.from_env(source_name='env', account_id='{kit.account_id}')"
    status, me = kit.me(credential.headers()["Authorization"])
    assert (status, me["userName"]) == (200, f"sp:{SP_CLIENT_ID}")
    assert credential.endpoints().audience == AUDIENCE


@pytest.mark.skipif(on_google_cloud(), reason="on Google Cloud, the metadata server is always found")
def test_nothing_found_names_every_source_tried(ci_env: pytest.MonkeyPatch) -> None:
    ci_env.setenv("DATABRICKS_HOST", WORKSPACE)

    with pytest.raises(dbfed.ConfigError, match="no subject-token source found") as raised:
        dbfed.Credential.from_env()

    message = str(raised.value)
    assert [auth_type for auth_type in AUTH_TYPES if auth_type not in message] == []
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" in message, "each says why it was skipped"
    assert "DATABRICKS_AUTH_TYPE" in message


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"DATABRICKS_OIDC_TOKEN": "jwt"}, "DATABRICKS_HOST is not set"),
        (
            {"DATABRICKS_HOST": "https://accounts.cloud.databricks.com", "DATABRICKS_OIDC_TOKEN": "jwt"},
            "DATABRICKS_ACCOUNT_ID",
        ),
        ({"DATABRICKS_HOST": WORKSPACE, "DATABRICKS_AUTH_TYPE": "pat"}, "github-oidc"),
        ({"DATABRICKS_HOST": WORKSPACE, "DATABRICKS_AUTH_TYPE": "command-oidc"}, "DBFED_ALLOW_COMMAND=1"),
    ],
    ids=["no host", "account host without account id", "unknown auth type", "command not allowed"],
)
def test_an_incomplete_environment_is_a_config_error(
    ci_env: pytest.MonkeyPatch, variables: dict[str, str], says: str
) -> None:
    for name, value in variables.items():
        ci_env.setenv(name, value)
    with pytest.raises(dbfed.ConfigError, match=says):
        dbfed.Credential.from_env()


def test_the_keyword_arguments_are_checked(ci_env: pytest.MonkeyPatch) -> None:
    ci_env.setenv("DATABRICKS_HOST", WORKSPACE)
    ci_env.setenv("DATABRICKS_OIDC_TOKEN", "jwt")
    with pytest.raises(dbfed.ConfigError, match="connect_timeout"):
        dbfed.Credential.from_env(connect_timeout=float("inf"))
    with pytest.raises(dbfed.ConfigError, match="CA bundle"):
        dbfed.Credential.from_env(ca_bundle="/nonexistent/ca.pem")
