"""Every source of `dbfed.sources` against the testkit's look-alikes (GitHub Actions, Azure
DevOps, the GCP metadata server, an OIDC IdP) or real files, variables and programs: a JWT that
Databricks accepts, the typical failure as the right exception, and for sources that fetch their
JWT, one fetch and one exchange for 1,000 calls."""

from __future__ import annotations

import concurrent.futures
import os
import stat
from pathlib import Path
from typing import Callable

import pytest

import dbfed
from dbfed.sources import (
    AzureDevOps,
    Bitbucket,
    Chain,
    CircleCI,
    Command,
    EnvVar,
    File,
    Fixed,
    GcpMetadata,
    GitHubActions,
    GitLab,
    Kubernetes,
    OidcClientCredentials,
    Terraform,
)
from testkit import (
    AUDIENCE,
    AZURE_DEVOPS_ACCESS_TOKEN,
    AZURE_DEVOPS_AUDIENCE,
    CI_SUBJECT,
    GITHUB_REQUEST_TOKEN,
    SP_CLIENT_ID,
    Testkit,
)


def assert_api_accepts(kit: Testkit, token: dbfed.AccessToken, client_id: str = SP_CLIENT_ID) -> None:
    status, me = kit.me(f"{token.token_type} {token.token}")
    assert (status, me["userName"]) == (200, f"sp:{client_id}")


def thousand_calls(credential: dbfed.Credential) -> None:
    """1,000 `token()` calls from 8 threads at once, from a cold cache."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        tokens = {token.token for token in pool.map(lambda _: credential.token(), range(1000))}
    assert len(tokens) == 1


def fetches_and_exchanges(kit: Testkit) -> tuple[int, int]:
    counters = kit.counters()
    return counters["ci_token_requests"], counters["exchanges"]


# GitHub Actions


def github_env(kit: Testkit, env: pytest.MonkeyPatch, request_token: str = GITHUB_REQUEST_TOKEN) -> None:
    env.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", kit.github_request_url)
    env.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token)


def test_github_actions_one_jwt_fetch_and_one_exchange_for_a_thousand_calls(
    kit: Testkit, ci_env: pytest.MonkeyPatch
) -> None:
    kit.add_policy(client_id=SP_CLIENT_ID, audiences=[AUDIENCE], subject=CI_SUBJECT)
    github_env(kit, ci_env)
    credential = kit.credential(GitHubActions())

    thousand_calls(credential)

    assert fetches_and_exchanges(kit) == (1, 1)
    assert_api_accepts(kit, credential.token())
    assert credential.source_name == "github-actions"


def test_github_actions_asks_for_its_own_audience(kit: Testkit, ci_env: pytest.MonkeyPatch) -> None:
    kit.add_policy(client_id=SP_CLIENT_ID, audiences=["https://github.com/acme"], subject=CI_SUBJECT)
    github_env(kit, ci_env)

    token = kit.credential(GitHubActions(audience="https://github.com/acme")).token()

    assert_api_accepts(kit, token)


def test_github_actions_outside_a_job_or_with_a_wrong_request_token_is_a_source_error(
    kit: Testkit, ci_env: pytest.MonkeyPatch
) -> None:
    with pytest.raises(dbfed.SourceError, match="ACTIONS_ID_TOKEN_REQUEST_URL is not set") as raised:
        kit.credential(GitHubActions()).token()
    assert raised.value.source_name == "github-actions"
    assert "id-token: write" in str(raised.value)

    github_env(kit, ci_env, request_token="wrong")
    with pytest.raises(dbfed.SourceError, match="HTTP 401") as raised:
        kit.credential(GitHubActions()).token()
    cause = raised.value.__cause__
    assert isinstance(cause, dbfed.ExchangeError) and cause.status == 401
    assert kit.counters()["exchanges"] == 0


def test_github_actions_requests_follow_its_retry_policy_and_timeouts(kit: Testkit, ci_env: pytest.MonkeyPatch) -> None:
    kit.add_policy(client_id=SP_CLIENT_ID, audiences=[AUDIENCE], subject=CI_SUBJECT)
    github_env(kit, ci_env)
    kit.inject(path="/ci/github/", status=503)
    retrying = GitHubActions(retry=dbfed.RetryPolicy(max_attempts=2, initial_backoff=0.01))
    assert_api_accepts(kit, kit.credential(retrying).token())
    assert kit.counters()["faults"] == 1

    kit.inject(path="/ci/github/", status=503)
    with pytest.raises(dbfed.SourceError) as raised:
        kit.credential(GitHubActions(retry=dbfed.RetryPolicy.none())).token()
    assert isinstance(raised.value.__cause__, dbfed.ExchangeError) and raised.value.__cause__.status == 503

    kit.inject(path="/ci/github/", delay_ms=3000)
    hasty = GitHubActions(request_timeout=0.2, retry=dbfed.RetryPolicy.none())
    with pytest.raises(dbfed.SourceError) as raised:
        kit.credential(hasty).token()
    assert isinstance(raised.value.__cause__, dbfed.TransportError)

    with pytest.raises(dbfed.ConfigError, match="connect_timeout"):
        GitHubActions(connect_timeout=-1)


# Azure DevOps


def test_azure_devops_service_connection_and_pipeline_tokens(kit: Testkit, ci_env: pytest.MonkeyPatch) -> None:
    kit.add_policy(client_id="sp-ado-connection", audiences=[AZURE_DEVOPS_AUDIENCE], subject="sc://acme/pipelines/conn-42")
    kit.add_policy(client_id="sp-ado-pipeline", audiences=[AZURE_DEVOPS_AUDIENCE], subject="p://acme/proj-7/pipeline")
    for name, value in {
        "SYSTEM_ACCESSTOKEN": AZURE_DEVOPS_ACCESS_TOKEN,
        "SYSTEM_OIDCREQUESTURI": f"{kit.url}/ci/azure-devops/oidc",
        "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI": f"{kit.url}/ci/azure-devops/",
        "SYSTEM_TEAMPROJECTID": "proj-7",
        "SYSTEM_HOSTTYPE": "build",
        "SYSTEM_PLANID": "plan-1",
        "SYSTEM_JOBID": "job-1",
    }.items():
        ci_env.setenv(name, value)

    connection = kit.credential(AzureDevOps(service_connection="conn-42"), client_id="sp-ado-connection")
    thousand_calls(connection)
    assert fetches_and_exchanges(kit) == (1, 1)
    assert_api_accepts(kit, connection.token(), "sp-ado-connection")

    pipeline = kit.credential(AzureDevOps(), client_id="sp-ado-pipeline")
    assert_api_accepts(kit, pipeline.token(), "sp-ado-pipeline")

    ci_env.delenv("SYSTEM_ACCESSTOKEN")
    with pytest.raises(dbfed.SourceError, match="SYSTEM_ACCESSTOKEN is not set") as raised:
        kit.credential(AzureDevOps(), client_id="sp-ado-pipeline").token()
    assert "System.AccessToken" in str(raised.value), "the hint says how to map it"
    assert raised.value.source_name == "azure-devops"


# Tokens a CI system sets once per job


def test_ci_tokens_in_variables_are_read_and_an_expired_one_cannot_be_renewed(
    kit: Testkit, ci_env: pytest.MonkeyPatch
) -> None:
    jwt = kit.service_principal_jwt()
    ci_env.setenv("DATABRICKS_ID_TOKEN", jwt)
    ci_env.setenv("CIRCLE_OIDC_TOKEN", jwt)
    ci_env.setenv("TFC_WORKLOAD_IDENTITY_TOKEN", jwt)
    ci_env.setenv("TFC_WORKLOAD_IDENTITY_TOKEN_DATABRICKS", jwt)
    ci_env.setenv("BITBUCKET_STEP_OIDC_TOKEN", jwt)

    for source, name in [
        (GitLab("DATABRICKS_ID_TOKEN"), "gitlab"),
        (CircleCI(), "circleci"),
        (Bitbucket(), "bitbucket"),
        (Terraform(), "terraform"),
        (Terraform(tag="DATABRICKS"), "terraform"),
    ]:
        assert source.name == name
        assert_api_accepts(kit, kit.credential(source).token())

    expired = kit.mint(sub="repo:acme/deploy:ref:refs/heads/main", aud=[AUDIENCE], expired=True)
    ci_env.setenv("DATABRICKS_ID_TOKEN", expired)
    with pytest.raises(dbfed.SourceError, match="cannot be renewed") as raised:
        kit.credential(GitLab("DATABRICKS_ID_TOKEN")).token()
    assert "DATABRICKS_ID_TOKEN" in str(raised.value) and raised.value.source_name == "gitlab"

    for variable in ["BITBUCKET_STEP_OIDC_TOKEN", "TFC_WORKLOAD_IDENTITY_TOKEN_DATABRICKS", "CIRCLE_OIDC_TOKEN"]:
        ci_env.delenv(variable)
    for source, says in [
        (Bitbucket(), "BITBUCKET_STEP_OIDC_TOKEN"),
        (Terraform("DATABRICKS"), "TFC_WORKLOAD_IDENTITY_TOKEN_DATABRICKS"),
        (CircleCI(), "CIRCLE_OIDC_TOKEN_V2, CIRCLE_OIDC_TOKEN"),
    ]:
        with pytest.raises(dbfed.SourceError, match=says):
            kit.credential(source).token()


# Kubernetes


def test_kubernetes_token_files_follow_the_azure_and_aws_conventions(
    kit: Testkit, ci_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(kit.service_principal_jwt() + "\n")
    ci_env.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))

    for source in [Kubernetes(token_file), Kubernetes(str(token_file)), Kubernetes.azure_federated_token()]:
        assert source.name == "kubernetes"
        assert_api_accepts(kit, kit.credential(source).token())

    with pytest.raises(dbfed.SourceError, match="AWS_WEB_IDENTITY_TOKEN_FILE is not set") as raised:
        kit.credential(Kubernetes.aws_web_identity_token()).token()
    assert raised.value.source_name == "kubernetes"
    with pytest.raises(dbfed.SourceError, match="cannot read file"):
        kit.credential(Kubernetes(tmp_path / "absent")).token()


# Google Cloud


def test_gcp_metadata_identity_token_is_cached_and_a_refusal_is_explained(
    kit: Testkit, ci_env: pytest.MonkeyPatch
) -> None:
    kit.add_policy(client_id=SP_CLIENT_ID, audiences=[AUDIENCE], subject=CI_SUBJECT)
    host = kit.url.removeprefix("http://")
    credential = kit.credential(GcpMetadata(host=host))

    thousand_calls(credential)

    assert fetches_and_exchanges(kit) == (1, 1)
    assert_api_accepts(kit, credential.token())

    ci_env.setenv("GCE_METADATA_HOST", host)
    assert_api_accepts(kit, kit.credential(GcpMetadata()).token())

    kit.inject(
        path="/computeMetadata/",
        status=403,
        body="Your service account is not allowed to mint identity tokens",
        content_type="text/plain",
    )
    with pytest.raises(dbfed.SourceError, match="not allowed") as raised:
        kit.credential(GcpMetadata(host=host)).token()
    assert raised.value.source_name == "gcp-metadata"
    assert isinstance(raised.value.__cause__, dbfed.ExchangeError) and raised.value.__cause__.status == 403


# Any OIDC identity provider


SECRET = "s3cret/with+chars"


@pytest.fixture
def okta(kit: Testkit) -> Testkit:
    """The testkit with a client "svc-etl" (secret `SECRET`, or any of the IdP's keys) whose
    JWTs act as the service principal "sp-okta"."""
    kit.add_oidc_client("svc-etl", SECRET)
    kit.add_policy(client_id="sp-okta", audiences=[AUDIENCE], subject="svc-etl")
    return kit


@pytest.mark.parametrize(
    "make",
    [
        lambda kit: OidcClientCredentials(kit.issuer, "svc-etl", client_secret=SECRET, audience_parameter="audience"),
        lambda kit: OidcClientCredentials(
            kit.issuer,
            "svc-etl",
            client_secret=SECRET,
            auth_method="client_secret_post",
            audience_parameter="audience",
            token_field="id_token",
        ),
        lambda kit: OidcClientCredentials(
            kit.issuer, "svc-etl", private_key_pem=kit.signing_key_pem("RS256"), audience_parameter="audience"
        ),
        lambda kit: OidcClientCredentials(
            kit.issuer,
            "svc-etl",
            private_key_pem=kit.signing_key_pem("ES256"),
            auth_method="private_key_jwt",
            algorithm="ES256",
            key_id=kit.key_id("ES256"),
            token_endpoint=f"{kit.issuer}/token",
            scope="databricks",
            audience_parameter="audience",
            token_field="id_token",
        ),
    ],
    ids=["client_secret_basic", "client_secret_post", "private_key_jwt-RS256", "private_key_jwt-ES256"],
)
def test_oidc_client_credentials_with_each_client_authentication(
    okta: Testkit, make: Callable[[Testkit], OidcClientCredentials]
) -> None:
    credential = okta.credential(make(okta), client_id="sp-okta")

    thousand_calls(credential)

    assert fetches_and_exchanges(okta) == (1, 1)
    assert_api_accepts(okta, credential.token(), "sp-okta")
    assert credential.source_name == "oidc-client-credentials"


def test_oidc_client_credentials_refused_is_a_source_error_without_the_secret(okta: Testkit) -> None:
    wrong = OidcClientCredentials(okta.issuer, "svc-etl", client_secret="nope-not-it")
    with pytest.raises(dbfed.SourceError, match="invalid_client") as raised:
        okta.credential(wrong, client_id="sp-okta").token()
    cause = raised.value.__cause__
    assert isinstance(cause, dbfed.ExchangeError) and (cause.status, cause.error) == (401, "invalid_client")
    assert "nope-not-it" not in str(raised.value) and "nope-not-it" not in repr(wrong)

    # Refused when the credential is built, not at its first token.
    with pytest.raises(dbfed.ConfigError, match="not a usable PEM key"):
        okta.credential(OidcClientCredentials(okta.issuer, "svc-etl", private_key_pem="not a key"))


# Programs


def script(directory: Path, name: str, body: str) -> Path:
    """An executable shell script `directory/name`."""
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_command_runs_once_for_a_thousand_calls_and_its_failures_show_stderr(kit: Testkit, tmp_path: Path) -> None:
    jwt_file = tmp_path / "jwt"
    jwt_file.write_text(kit.service_principal_jwt())
    runs = tmp_path / "runs"
    body = "\n".join(
        [
            f'echo "$1" >> {runs}',
            'echo "diagnostics on stderr" >&2',
            f"""printf '{{"version": 1, "success": true, "id_token": "%s"}}' "$(cat {jwt_file})" """,
        ]
    )
    json_token = script(tmp_path, "json-token", body)
    credential = kit.credential(Command(json_token, ["{audience}"]))

    thousand_calls(credential)

    assert runs.read_text() == f"{AUDIENCE}\n", "one run, with the audience substituted"
    assert kit.counters()["exchanges"] == 1
    assert_api_accepts(kit, kit.credential(Command(str(script(tmp_path, "bare", f"cat {jwt_file}")))).token())

    failures = [
        (Command(script(tmp_path, "failing", "echo 'vault sealed' >&2; exit 3")), "vault sealed"),
        (
            Command(
                script(tmp_path, "reported", """echo '{"version":1,"success":false,"code":"401","message":"not logged in"}'""")
            ),
            "not logged in",
        ),
        (Command(script(tmp_path, "slow", "sleep 5"), timeout=0.2), "did not finish"),
        (Command("/nonexistent/dbfed-helper"), "cannot run"),
    ]
    for source, says in failures:
        with pytest.raises(dbfed.SourceError, match=says) as raised:
            kit.credential(source).token()
        assert raised.value.source_name == "command"
    with pytest.raises(TypeError):
        Command("/bin/true", "--not-a-list")  # a str is not a list of arguments


def test_buildkite_runs_buildkite_agent_with_the_audience(
    kit: Testkit, ci_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    jwt_file = tmp_path / "jwt"
    jwt_file.write_text(kit.service_principal_jwt())
    script(
        tmp_path,
        "buildkite-agent",
        f"""[ "$1 $2 $3 $4" = "oidc request-token --audience {AUDIENCE}" ] || {{ echo "unexpected: $*" >&2; exit 2; }}
cat {jwt_file}""",
    )
    ci_env.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")

    source = Command.buildkite()
    assert source.name == "buildkite"
    assert_api_accepts(kit, kit.credential(source).token())

    ci_env.setenv("PATH", "/nonexistent")
    with pytest.raises(dbfed.SourceError, match="cannot run `buildkite-agent`"):
        kit.credential(Command.buildkite()).token()


# Chains


def test_a_chain_takes_the_first_source_that_works_and_lists_every_failure(kit: Testkit, tmp_path: Path) -> None:
    jwt = kit.service_principal_jwt()
    unset = EnvVar("DBFED_TEST_CHAIN_UNSET")
    absent = File(tmp_path / "absent")

    chain = Chain(unset, absent, Fixed(jwt))
    assert_api_accepts(kit, kit.credential(chain).token())
    assert chain.name == "chain"

    with pytest.raises(dbfed.SourceError, match="DBFED_TEST_CHAIN_UNSET") as raised:
        kit.credential(Chain(unset, absent)).token()
    assert str(tmp_path / "absent") in str(raised.value)
    with pytest.raises(dbfed.SourceError, match="no sources"):
        kit.credential(Chain()).token()
    with pytest.raises(TypeError, match="Source objects, not str"):
        Chain(unset, "DBFED_TEST_CHAIN_UNSET")  # type: ignore[arg-type]


def test_sources_show_their_configuration(tmp_path: Path) -> None:
    assert [
        repr(source)
        for source in (
            GitHubActions(),
            GitHubActions("https://github.com/acme", request_timeout=5),
            AzureDevOps(service_connection="conn-42"),
            GitLab("DATABRICKS_ID_TOKEN"),
            CircleCI(),
            Bitbucket(),
            Terraform(),
            Terraform("DATABRICKS"),
            Kubernetes(),
            Kubernetes("/var/run/secrets/tokens/databricks"),
            Kubernetes.azure_federated_token(),
            Kubernetes.aws_web_identity_token(),
            GcpMetadata(),
            GcpMetadata(host="127.0.0.1:8080"),
            Command("/usr/local/bin/get-jwt", ["--audience", "{audience}", "--password=hunter2"], timeout=10),
            Command.buildkite(),
            Chain(GitHubActions(), Kubernetes()),
        )
    ] == [
        "GitHubActions()",
        "GitHubActions(audience='https://github.com/acme')",
        "AzureDevOps(service_connection='conn-42')",
        "GitLab('DATABRICKS_ID_TOKEN')",
        "CircleCI()",
        "Bitbucket()",
        "Terraform()",
        "Terraform('DATABRICKS')",
        "Kubernetes()",
        "Kubernetes('/var/run/secrets/tokens/databricks')",
        "Kubernetes.azure_federated_token()",
        "Kubernetes.aws_web_identity_token()",
        "GcpMetadata()",
        "GcpMetadata(host='127.0.0.1:8080')",
        "Command('/usr/local/bin/get-jwt', <3 arguments>, timeout=10.0)",
        "Command.buildkite()",
        "Chain(GitHubActions(), Kubernetes())",
    ]
    assert repr(
        OidcClientCredentials(
            "https://idp.example.com",
            "svc-etl",
            private_key_pem="-----BEGIN PRIVATE KEY-----",
            algorithm="ES256",
            key_id="k1",
            scope="databricks",
            audience_parameter="audience",
            token_field="id_token",
        )
    ) == (
        "OidcClientCredentials('https://idp.example.com', 'svc-etl', auth_method='private_key_jwt', "
        "algorithm='ES256', key_id='k1', scope='databricks', audience_parameter='audience', token_field='id_token')"
    )
