"""The keyword arguments that several constructors share (the network settings, the exchange
target, the Entra application, the per-user cache): the extension reads them from `**options`,
and checks them as Python checks named ones, so an unknown name or a value of the wrong type is a
TypeError that names it."""

from __future__ import annotations

import re
import sys
from typing import Any, Callable

import pytest

import dbfed
from dbfed import sources

HOST = "https://workspace.example.com"

#: Each constructor that takes the network keyword arguments, by the name its errors give it,
#: with the other arguments it needs (the `from_env` ones read them from `configured`).
NETWORKED: dict[str, Callable[..., object]] = {
    "Credential.__new__": lambda **options: dbfed.Credential(source=sources.Fixed("jwt"), host=HOST, **options),
    "Credential.from_env": dbfed.Credential.from_env,
    "UserExchanger.__new__": lambda **options: dbfed.UserExchanger(host=HOST, **options),
    "AzureCredential.__new__": lambda **options: dbfed.AzureCredential(
        tenant_id="tenant", client_id="app", client_secret="secret", **options
    ),
    "AzureCredential.from_env": dbfed.AzureCredential.from_env,
    "AzureOnBehalfOf.__new__": lambda **options: dbfed.AzureOnBehalfOf(
        tenant_id="tenant", client_id="app", client_secret="secret", **options
    ),
    "GitHubActions.__new__": sources.GitHubActions,
    "AzureDevOps.__new__": sources.AzureDevOps,
    "GcpMetadata.__new__": sources.GcpMetadata,
    "OidcClientCredentials.__new__": lambda **options: sources.OidcClientCredentials(
        "https://idp.example.com", "app", client_secret="secret", **options
    ),
}


@pytest.fixture
def configured(ci_env: pytest.MonkeyPatch) -> None:
    """An environment from which `Credential.from_env()` and `AzureCredential.from_env()` build."""
    ci_env.setenv("DATABRICKS_HOST", HOST)
    ci_env.setenv("DATABRICKS_OIDC_TOKEN", "jwt")
    ci_env.setenv("AZURE_TENANT_ID", "tenant")
    ci_env.setenv("AZURE_CLIENT_ID", "app")
    ci_env.setenv("AZURE_CLIENT_SECRET", "secret")


def assert_names(error: BaseException, keyword: str) -> None:
    """`error` names `keyword` in a note, as for a named argument (notes: Python 3.11 on)."""
    if sys.version_info >= (3, 11):
        assert getattr(error, "__notes__", None) == [f"while processing '{keyword}'"]


class CaBundle:
    """A path-like object that is not a `pathlib.Path`."""

    def __fspath__(self) -> str:
        return "/nonexistent/dbfed-ca.pem"


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("name", NETWORKED)
def test_an_unknown_keyword_is_a_type_error_naming_it(name: str) -> None:
    says = f"{name}() got an unexpected keyword argument 'conect_timeout'"
    with pytest.raises(TypeError, match=re.escape(says)):
        NETWORKED[name](request_timeout=1.0, conect_timeout=1.0)


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("name", NETWORKED)
@pytest.mark.parametrize(
    ("keyword", "value", "says"),
    [
        ("connect_timeout", "10", "must be real number, not str"),
        ("request_timeout", [30], "must be real number, not list"),
        ("ca_bundle", 3, "expected str, bytes or os.PathLike object, not int"),
        ("retry", 3, "'int' object is not an instance of 'RetryPolicy'"),
    ],
)
def test_a_network_keyword_of_the_wrong_type_is_a_type_error_naming_it(
    name: str, keyword: str, value: object, says: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(says)) as raised:
        NETWORKED[name](**{keyword: value})
    assert_names(raised.value, keyword)


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("name", NETWORKED)
def test_timeouts_may_be_whole_seconds_and_none_keeps_the_defaults(name: str) -> None:
    NETWORKED[name](connect_timeout=5, request_timeout=30, retry=dbfed.RetryPolicy(max_attempts=2))
    NETWORKED[name](connect_timeout=None, request_timeout=None, ca_bundle=None, retry=None)
    with pytest.raises(dbfed.ConfigError, match="`request_timeout` must be a finite number of seconds ≥ 0, not -1"):
        NETWORKED[name](request_timeout=-1)


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("name", NETWORKED)
def test_a_ca_bundle_may_be_any_path_like(name: str) -> None:
    with pytest.raises(dbfed.ConfigError, match="cannot read CA bundle /nonexistent/dbfed-ca.pem"):
        built = NETWORKED[name](ca_bundle=CaBundle())
        if isinstance(built, sources.Source):  # a source reads it when it first asks for a JWT
            dbfed.Credential(source=built, token_endpoint=f"{HOST}/oidc/v1/token", audience="aud").token()


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize(
    ("name", "keyword"),
    [
        ("Credential.__new__", "max_users"),
        ("Credential.from_env", "host"),
        ("UserExchanger.__new__", "client_id"),
        ("UserExchanger.__new__", "audience"),
        ("AzureCredential.__new__", "scope"),
        ("AzureCredential.from_env", "tenant_id"),
        ("AzureOnBehalfOf.__new__", "host"),
        ("GitHubActions.__new__", "host"),
    ],
)
def test_a_constructor_takes_only_its_own_groups_of_keywords(name: str, keyword: str) -> None:
    says = f"{name}() got an unexpected keyword argument '{keyword}'"
    with pytest.raises(TypeError, match=re.escape(says)):
        NETWORKED[name](**{keyword: "value"})


@pytest.mark.parametrize(
    ("build", "options", "says"),
    [
        (dbfed.UserExchanger, {"host": 1}, "'int' object is not an instance of 'str'"),
        (dbfed.UserExchanger, {"host": HOST, "scopes": [1]}, "'int' object is not an instance of 'str'"),
        (dbfed.UserExchanger, {"host": HOST, "max_users": "10"}, "'str' object cannot be interpreted as an integer"),
        (dbfed.UserExchanger, {"host": HOST, "expected_issuers": "https://idp"}, "Can't extract `str` to `Vec`"),
        (dbfed.UserExchanger, {"host": HOST, "expiry_leeway": "1"}, "must be real number, not str"),
        (dbfed.AzureCredential, {"tenant_id": "t", "client_id": 1}, "'int' object is not an instance of 'str'"),
        (dbfed.AzureCredential, {"client_assertion": "jwt"}, "'str' object is not an instance of 'Source'"),
    ],
)
def test_the_other_shared_keywords_of_the_wrong_type_are_type_errors_naming_them(
    build: Callable[..., object], options: dict[str, Any], says: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(says)) as raised:
        build(**options)
    assert_names(raised.value, list(options)[-1])


def test_the_other_shared_keywords_are_taken() -> None:
    users = dbfed.UserExchanger(host=HOST, scopes=["sql"], max_users=5, negative_cache=1, expiry_leeway=2)
    assert repr(users) == (
        f"UserExchanger(host={HOST!r}, scopes=['sql'], max_users=5, negative_cache=1.0, expiry_leeway=2.0)"
    )
    on_behalf_of = dbfed.AzureOnBehalfOf(
        tenant_id="tenant", client_id="app", client_assertion=sources.Fixed("jwt"), expected_issuers=["https://idp"]
    )
    assert "client_assertion=Fixed(<redacted>)" in repr(on_behalf_of)
    assert "expected_issuers=['https://idp']" in repr(on_behalf_of)
