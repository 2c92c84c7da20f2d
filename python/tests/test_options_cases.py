"""The shared table of option cases (tests/cases/options.json) through the Python API: each case
builds one object from its options, and gets a ConfigError containing the expected text, or an
object whose repr shows the expected values and never a secret. Rust, Node.js and the JVM run
the same table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

import dbfed
from dbfed import sources

TABLE = json.loads((Path(__file__).parents[2] / "tests" / "cases" / "options.json").read_text())
CASES = [case for case in TABLE["cases"] if "python" not in case.get("not_in", {})]
NETWORK = ("connect_timeout", "request_timeout", "ca_bundle", "retry")


def network(options: dict[str, Any]) -> dict[str, Any]:
    """The HTTP keyword arguments of `options`, with `retry` as a `dbfed.RetryPolicy`."""
    taken = {name: options.pop(name) for name in NETWORK if name in options}
    if "retry" in taken:
        taken["retry"] = dbfed.RetryPolicy(**taken["retry"])
    return taken


def source(spec: dict[str, Any]) -> dbfed.sources.Source:
    """The source a case names: `{"fixed": jwt}`, `{"env_var": name}`, `{"file": path}`,
    `{"command": [program, args…]}`, `{"github_actions": {…}}`, `{"oidc_client_credentials": {…}}`."""
    [(kind, value)] = spec.items()
    if kind == "fixed":
        return sources.Fixed(value)
    if kind == "env_var":
        return sources.EnvVar(value)
    if kind == "file":
        return sources.File(value)
    if kind == "command":
        return sources.Command(value[0], value[1:])
    if kind == "github_actions":
        options = dict(value)
        return sources.GitHubActions(**network(options), **options)
    if kind == "oidc_client_credentials":
        return oidc_client_credentials(dict(value))
    raise AssertionError(f"unknown source kind {kind}")


def oidc_client_credentials(options: dict[str, Any]) -> sources.OidcClientCredentials:
    http = network(options)
    return sources.OidcClientCredentials(options.pop("issuer"), options.pop("client_id"), **http, **options)


def with_sources(options: dict[str, Any]) -> dict[str, Any]:
    """`options` with their HTTP settings and sources as Python objects."""
    options = dict(options)
    http = network(options)
    for name in ("source", "client_assertion"):
        if name in options:
            options[name] = source(options[name])
    return {**options, **http}


BUILD: dict[str, Callable[[dict[str, Any]], object]] = {
    "credential": lambda options: dbfed.Credential(**with_sources(options)),
    "user_exchanger": lambda options: dbfed.UserExchanger(**with_sources(options)),
    "azure_credential": lambda options: dbfed.AzureCredential(**with_sources(options)),
    "azure_on_behalf_of": lambda options: dbfed.AzureOnBehalfOf(**with_sources(options)),
    "oidc_client_credentials": lambda options: oidc_client_credentials(dict(options)),
    "github_actions": lambda options: sources.GitHubActions(**with_sources(options)),
    "azure_devops": lambda options: sources.AzureDevOps(**with_sources(options)),
    "gcp_metadata": lambda options: sources.GcpMetadata(**with_sources(options)),
    "retry_policy": lambda options: dbfed.RetryPolicy(**options),
}


def texts(value: Any) -> list[str]:
    """An expected value as Python shows it."""
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    if isinstance(value, bool):
        return [repr(value)]
    return [str(value)]


def test_the_table_is_whole() -> None:
    assert len(TABLE["cases"]) >= 60
    assert {case["build"] for case in CASES} == set(BUILD)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_an_options_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    never_shown = [text for text in texts(expect.get("never_shown", [])) if text != "None"]
    build = BUILD[case["build"]]
    if "error" in expect:
        with pytest.raises(dbfed.ConfigError) as raised:
            build(case["options"])
        message = str(raised.value)
        assert expect["contains"] in message
        assert not [secret for secret in never_shown if secret in message], message
        return
    shown = repr(build(case["options"]))
    for field, value in expect.get("shows", {}).items():
        for text in texts(value):
            assert text in shown, f"{field}: {text!r} not in {shown}"
    assert not [secret for secret in never_shown if secret in shown], shown
