"""Stubs of the extension module (``bindings/python``); checked against it by stubtest."""

import datetime
import os
from typing import Awaitable, Callable, ClassVar, Coroutine, Literal, Optional, Sequence, Union, final

from typing_extensions import disjoint_base

from ._diagnosis import Mismatch

__all__ = [
    "__version__",
    "AccessToken",
    "AzureCredential",
    "AzureDevOps",
    "AzureOnBehalfOf",
    "Bitbucket",
    "Callback",
    "Chain",
    "CircleCI",
    "Command",
    "Credential",
    "diagnose",
    "Endpoints",
    "EnvVar",
    "FederationPolicy",
    "File",
    "Fixed",
    "GcpMetadata",
    "GitHubActions",
    "GitLab",
    "Kubernetes",
    "OidcClientCredentials",
    "RetryPolicy",
    "Source",
    "SourceContext",
    "Stats",
    "Terraform",
    "UserExchanger",
    "UserStats",
    "UserTokens",
    "_after_fork_in_child",
    "_panic_for_tests",
]
__version__: str

_Path = Union[str, os.PathLike[str]]

@disjoint_base
class Credential:
    """Databricks tokens for one workspace or account, exchanged for the JWTs of one source,
    cached and refreshed ahead of expiry; one exchange however many threads and tasks ask.

    Keyword arguments (`source` is required, and a host or a `token_endpoint`):

    - `source`: where the JWTs come from, a `dbfed.sources` object.
    - `host`: the workspace URL (`https://` may be omitted), or `account_host` and
      `account_id` for account-level APIs.
    - `account_id`: for a workspace, makes the account id the default audience.
    - `client_id`: the service principal's application id (workload identity federation);
      leave it out for account-wide federation.
    - `scopes` (default `["all-apis"]`), `audience`, `token_endpoint`, `discovery_url`.
    - `connect_timeout` (default 10), `request_timeout` (default 30), in seconds;
      `ca_bundle`: a PEM file of extra CA certificates; `retry`: a `dbfed.RetryPolicy`.

    `Credential.from_env()` reads all of it from the Databricks environment variables instead.
    Raises `dbfed.ConfigError` if the configuration is incomplete or unsafe; no network call is
    made before the first token is asked for."""

    def __new__(
        cls,
        *,
        source: Source,
        host: Optional[str] = None,
        account_host: Optional[str] = None,
        account_id: Optional[str] = None,
        client_id: Optional[str] = None,
        scopes: Optional[Sequence[str]] = None,
        audience: Optional[str] = None,
        token_endpoint: Optional[str] = None,
        discovery_url: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[_Path] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> Credential: ...
    @classmethod
    def from_env(
        cls,
        *,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[_Path] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> Credential:
        """A credential configured from the Databricks environment variables, as the Databricks
        SDKs read them: `DATABRICKS_HOST`, `DATABRICKS_ACCOUNT_ID`, `DATABRICKS_CLIENT_ID`,
        `DATABRICKS_TOKEN_AUDIENCE`, `DATABRICKS_DISCOVERY_URL`, and the source named by
        `DATABRICKS_AUTH_TYPE` or else detected (GitHub Actions, Azure DevOps, GitLab, …; see the
        README). When no source fits, the `ConfigError` lists every one tried and why it was
        skipped. The keyword arguments are those of the constructor that no variable sets."""
    def token(self) -> AccessToken:
        """A valid token: from the cache (no I/O), or after one exchange shared by every caller
        waiting for it. Releases the GIL while it waits."""
    def cached_token(self) -> Optional[AccessToken]:
        """The cached token if it can be had without waiting, else None (then call `token`)."""
    def token_async(self) -> Coroutine[object, object, AccessToken]:
        """A valid token, like `token()`, awaited without blocking the event loop (asyncio)."""
    def headers(self) -> dict[str, str]:
        """`{"Authorization": "Bearer <token>"}` for a request."""
    def invalidate(self) -> None:
        """Forgets the cached token, so the next call exchanges anew."""
    def invalidate_token(self, token: AccessToken) -> bool:
        """Forgets `token` if it is still the cached one (call it after an API answered 401 to
        it); many callers reporting the same token cause a single refresh. Returns whether it did."""
    def stats(self) -> Stats:
        """Counters of exchanges, cache hits, refreshes and failures."""
    @property
    def source_name(self) -> Optional[str]:
        """The name of the source the JWTs come from (`github-actions`, `kubernetes`, `env`, …)."""
    @property
    def account_id(self) -> Optional[str]:
        """The Databricks account id, when configured."""
    def endpoints(self) -> Endpoints:
        """The token endpoint and the audience, and how each was found (discovered on first use,
        then remembered). Releases the GIL while it waits."""
    def endpoints_async(self) -> Coroutine[object, object, Endpoints]:
        """`endpoints()` awaited without blocking the event loop (asyncio)."""
    def diagnose(self, policy: FederationPolicy) -> list[Mismatch]:
        """Every reason `policy` would refuse this credential's JWTs: a JWT from the source, for
        the credential's audience, compared with the policy (the account id, when configured,
        stands for a policy without audiences). Nothing is exchanged. Releases the GIL while it
        waits."""
    def diagnose_async(self, policy: FederationPolicy) -> Coroutine[object, object, list[Mismatch]]:
        """`diagnose(policy)` awaited without blocking the event loop (asyncio)."""

@final
class Endpoints:
    """Where a credential exchanges its JWTs, the audience it asks its source for, and how each was
    found."""

    __hash__: ClassVar[None]  # type: ignore[assignment]
    @property
    def token_endpoint(self) -> str:
        """The token endpoint URL."""
    @property
    def token_endpoint_origin(self) -> Literal["configured", "discovery_url", "host_metadata", "fallback"]:
        """How the token endpoint was found: "configured", "discovery_url", "host_metadata"
        (`/.well-known/databricks-config`) or "fallback" (the conventional path on the host)."""
    @property
    def audience(self) -> str:
        """The audience the source is asked for."""
    @property
    def audience_origin(self) -> Literal["configured", "host_metadata", "account_id", "token_endpoint"]:
        """Why this audience: "configured", "host_metadata" (the host's default federation
        audience), "account_id" or "token_endpoint" (the last resort)."""

@final
class FederationPolicy:
    """The OIDC part of a Databricks federation policy, as an admin configured it: the required
    `issuer`, the accepted `audiences` (none: the Databricks account id), the required `subject`
    (service-principal policies; None for account-wide ones) and the claim holding the subject
    (`subject_claim`, default "sub")."""

    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __new__(
        cls,
        issuer: str,
        audiences: Sequence[str] = (),
        subject: Optional[str] = None,
        subject_claim: Optional[str] = None,
    ) -> FederationPolicy: ...
    @property
    def issuer(self) -> str:
        """The required `iss`."""
    @property
    def audiences(self) -> list[str]:
        """The accepted audiences; empty means the Databricks account id."""
    @property
    def subject(self) -> Optional[str]:
        """The required subject; None for an account-wide policy."""
    @property
    def subject_claim(self) -> Optional[str]:
        """The claim holding the subject; None means "sub"."""

def diagnose(jwt: str, policy: FederationPolicy, account_id: Optional[str] = None) -> list[Mismatch]:
    """Every reason Databricks would refuse `jwt` under `policy`, as `Mismatch` objects; an empty
    list means it would match (if its signature verifies). The JWT is decoded, not verified;
    `account_id` stands for the audiences of a policy that lists none. Nothing is sent anywhere."""

@final
class AccessToken:
    """A Databricks OAuth access token. Its `repr()` never shows the token."""

    @property
    def token(self) -> str:
        """The token itself, for an `Authorization` header; keep it out of logs."""
    @property
    def token_type(self) -> str:
        """The token type, normally `Bearer`."""
    @property
    def scope(self) -> Optional[str]:
        """The scopes the server granted, when it said."""
    @property
    def expires_at(self) -> datetime.datetime:
        """When the token expires, as an aware `datetime` in UTC."""
    @property
    def expires_in(self) -> float:
        """Seconds until the token expires; 0.0 once it has."""
    def authorization_header(self) -> str:
        """The `Authorization` header value: `Bearer <token>`."""

@final
class Stats:
    """What a credential's cache did since the credential was made."""

    @property
    def exchanges(self) -> int:
        """Token fetches performed (each one exchange, possibly with retries)."""
    @property
    def cache_hits(self) -> int:
        """Calls answered from the cache without waiting."""
    @property
    def refreshes(self) -> int:
        """Background refreshes started ahead of expiry."""
    @property
    def failures(self) -> int:
        """Fetches that failed."""
    @property
    def stale_served(self) -> int:
        """Calls answered with the previous, still-valid token because a refresh failed or lagged."""

@final
class RetryPolicy:
    """Retry rules for token and discovery requests. Retried: HTTP 429, 502, 503, 504, connection
    errors and timeouts, with full-jitter exponential backoff that honours `Retry-After`.
    Durations are in seconds; an argument left out keeps its default."""

    def __new__(
        cls,
        *,
        max_attempts: Optional[int] = None,
        initial_backoff: Optional[float] = None,
        max_backoff: Optional[float] = None,
        total_budget: Optional[float] = None,
    ) -> RetryPolicy: ...
    @staticmethod
    def none() -> RetryPolicy:
        """A policy that never retries."""
    @property
    def max_attempts(self) -> int:
        """Attempts in all, the first included."""
    @property
    def initial_backoff(self) -> float:
        """Upper bound of the first backoff, in seconds; doubles at each retry."""
    @property
    def max_backoff(self) -> float:
        """Upper bound of any backoff, in seconds."""
    @property
    def total_budget(self) -> float:
        """Seconds from the first attempt after which no retry starts."""

@disjoint_base
class Source:
    """Where the subject JWTs come from; use one of its subclasses."""

    @property
    def name(self) -> str:
        """The source's short name, as errors and `Credential.source_name` give it
        (`github-actions`, `kubernetes`, `env`, …)."""

@final
class Fixed(Source):
    """Always returns the same JWT (for tests, or a JWT whose lifetime you manage yourself)."""

    def __new__(cls, jwt: str) -> Fixed: ...

@final
class EnvVar(Source):
    """Reads the JWT from an environment variable, anew at every exchange."""

    def __new__(cls, name: str) -> EnvVar: ...

@final
class File(Source):
    """Reads the JWT from a file, anew at every exchange (Kubernetes projected tokens rotate it);
    surrounding whitespace is trimmed."""

    def __new__(cls, path: _Path) -> File: ...

@final
class Kubernetes(Source):
    """A Kubernetes service account token, read from its file at every exchange (the kubelet
    rotates it): `path` is the projected volume's file, by default
    `/var/run/secrets/kubernetes.io/serviceaccount/token`.

    `Kubernetes.azure_federated_token()` (AKS workload identity) and
    `Kubernetes.aws_web_identity_token()` (EKS) read the file their platform's variable names."""

    def __new__(cls, path: Optional[_Path] = None) -> Kubernetes: ...
    @staticmethod
    def azure_federated_token() -> Kubernetes:
        """The file named by `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity)."""
    @staticmethod
    def aws_web_identity_token() -> Kubernetes:
        """The file named by `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS IAM roles for service accounts)."""

@final
class GitHubActions(Source):
    """GitHub Actions: the job's OIDC ID token (the job needs `permissions: id-token: write`),
    requested from `ACTIONS_ID_TOKEN_REQUEST_URL` with `ACTIONS_ID_TOKEN_REQUEST_TOKEN` for
    `audience`, by default the credential's."""

    def __new__(
        cls,
        audience: Optional[str] = None,
        *,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[_Path] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> GitHubActions: ...

@final
class AzureDevOps(Source):
    """Azure DevOps Pipelines: an ID token for the service connection `service_connection` (its id;
    subject `sc://org/project/connection`), else for the one `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID`
    names, else the pipeline's own (subject `p://org/project/pipeline`). Needs
    `SYSTEM_ACCESSTOKEN` mapped into the step (`SYSTEM_ACCESSTOKEN: $(System.AccessToken)`)."""

    def __new__(
        cls,
        service_connection: Optional[str] = None,
        *,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[_Path] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> AzureDevOps: ...

@final
class GitLab(Source):
    """GitLab CI: the ID token in `variable`, the name given to it under the job's `id_tokens:`.
    Read at every exchange; an expired one is refused with an error saying it cannot be renewed
    inside the job."""

    def __new__(cls, variable: str) -> GitLab: ...

@final
class CircleCI(Source):
    """CircleCI: `CIRCLE_OIDC_TOKEN_V2`, else `CIRCLE_OIDC_TOKEN`, read at every exchange; an
    expired one is refused with an error saying it cannot be renewed inside the job."""

    def __new__(cls) -> CircleCI: ...

@final
class Bitbucket(Source):
    """Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN` (a step with `oidc: true`), read at every
    exchange; an expired one is refused with an error saying it cannot be renewed inside the step."""

    def __new__(cls) -> Bitbucket: ...

@final
class Terraform(Source):
    """HCP Terraform: `TFC_WORKLOAD_IDENTITY_TOKEN`, or `TFC_WORKLOAD_IDENTITY_TOKEN_<tag>` for a
    tagged token, read at every exchange; an expired one is refused with an error saying it
    cannot be renewed inside the run."""

    def __new__(cls, tag: Optional[str] = None) -> Terraform: ...

@final
class GcpMetadata(Source):
    """Google Cloud (GCE, GKE, Cloud Run): the default service account's identity token for the
    audience, from the metadata server at `host` (host and port), else `GCE_METADATA_HOST`,
    else `metadata.google.internal`."""

    def __new__(
        cls,
        host: Optional[str] = None,
        *,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[_Path] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> GcpMetadata: ...

@final
class OidcClientCredentials(Source):
    """Any OIDC identity provider (Okta, Auth0, Keycloak, Entra, …) by the client-credentials grant.

    The client authenticates with `client_secret` (HTTP Basic, or in the form with
    `auth_method="client_secret_post"`) or with `private_key_pem` (RFC 7523 `private_key_jwt`,
    signed with `algorithm` "RS256" (the default) or "ES256", `key_id` in its header if the IdP needs one);
    give exactly one. The token endpoint comes from `{issuer}/.well-known/openid-configuration`
    unless `token_endpoint` is given. `scope` is sent when given; `audience_parameter` names the
    form field that carries the credential's audience (Auth0: "audience", Entra v1:
    "resource"). `token_field` is the response field holding the JWT: "access_token" (the default) or
    "id_token". The secret and the key are never shown."""

    def __new__(
        cls,
        issuer: str,
        client_id: str,
        *,
        client_secret: Optional[str] = None,
        private_key_pem: Optional[str] = None,
        auth_method: Optional[Literal["client_secret_basic", "client_secret_post", "private_key_jwt"]] = None,
        algorithm: Optional[Literal["RS256", "ES256"]] = None,
        key_id: Optional[str] = None,
        token_endpoint: Optional[str] = None,
        scope: Optional[str] = None,
        audience_parameter: Optional[str] = None,
        token_field: Optional[Literal["access_token", "id_token"]] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[_Path] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> OidcClientCredentials: ...

@final
class Command(Source):
    """Runs `program` with `args` (never through a shell, no standard input) and exchanges the JWT
    it prints, cached until shortly before it expires. `{audience}` in an argument is replaced by
    the audience. Its output is a bare JWT or
    `{"version": 1, "success": true, "id_token": "…", "expiration_time": …}`; when it fails, the
    error quotes its standard error. It is killed after `timeout` seconds (default 30).

    `Command.buildkite()` runs `buildkite-agent oidc request-token --audience <audience>`."""

    def __new__(cls, program: _Path, args: Sequence[str] = (), *, timeout: Optional[float] = None) -> Command: ...
    @staticmethod
    def buildkite() -> Command:
        """Buildkite: `buildkite-agent oidc request-token --audience <audience>`."""

@final
class Chain(Source):
    """Tries its sources in order and exchanges the first JWT one produces; when all fail, the
    `SourceError` gives each one's reason."""

    def __new__(cls, *sources: Source) -> Chain: ...

@final
class Callback(Source):
    """Calls `function(context)` for every JWT: a plain or an `async` function returning the JWT as
    a `str`. An exception it raises becomes a `SourceError` chained to it; a call that takes
    longer than `timeout` seconds (default 60) fails.

    Plain functions run in a worker thread; `async` ones on an event loop of dbfed's own, in a
    thread of its own (not the caller's loop)."""

    def __new__(
        cls,
        function: Callable[[SourceContext], Union[str, Awaitable[str]]],
        /,
        *,
        timeout: Optional[float] = None,
    ) -> Callback: ...

@final
class SourceContext:
    """What a source callback is told: the audience its JWT should carry."""

    @property
    def audience(self) -> str:
        """The audience the JWT should carry."""

def _after_fork_in_child() -> None: ...
def _panic_for_tests(how: Literal["call", "blocking", "async"]) -> Awaitable[None]:
    """Internal, for dbfed's own tests (not part of the API): panics on purpose in a sync call
    (``"call"``), in a task a sync call waits for (``"blocking"``), or in the task of the
    coroutine it returns (``"async"``)."""

# Acting for signed-in users (users.rs); Azure Databricks with Entra tokens (azure.rs).

@disjoint_base
class UserTokens:
    """Tokens for the signed-in users of a service, each obtained with the user's own token and
    cached per user (the base of `UserExchanger` and `AzureOnBehalfOf`). The users' tokens are
    never shown or logged, and never a cache key (the keys are their SHA-256 hashes)."""

    def token_for(self, jwt: str) -> AccessToken:
        """A token acting as the user whose token is `jwt`: from the cache (no I/O), or after one
        request shared by every caller waiting for that user. A token that is not a JWT, has
        expired or fails the configured issuer and audience checks raises `SourceError` without a
        request. Releases the GIL while it waits."""
    def token_for_async(self, jwt: str) -> Coroutine[object, object, AccessToken]:
        """`token_for(jwt)` awaited without blocking the event loop (asyncio)."""
    def cached_token_for(self, jwt: str) -> Optional[AccessToken]:
        """The user's cached token if it can be had without waiting (no I/O), else None (then call
        `token_for`)."""
    def headers_for(self, jwt: str) -> dict[str, str]:
        """`{"Authorization": "Bearer <token>"}` acting as the user whose token is `jwt`."""
    def invalidate_token_for(self, jwt: str, token: AccessToken) -> bool:
        """Forgets the user's `token` if it is still the cached one (call it after an API answered
        401 to it); returns whether it did."""
    def stats(self) -> UserStats:
        """Counters of cached users, hits, misses, requests, failures, evictions and refusals."""

@final
class UserExchanger(UserTokens):
    """Databricks tokens acting as the signed-in users of a service: each user's own JWT (from an
    identity provider that an account-wide federation policy trusts) is exchanged for a
    Databricks token acting as that user, cached per user.

    Keyword arguments (a host or a `token_endpoint` is required):

    - `host`: the workspace URL, or `account_host` and `account_id` for account-level APIs.
    - `scopes` (default `["all-apis"]`), `token_endpoint`, `discovery_url`.
    - `max_users` (default 10,000): users cached; the least recently used goes first.
    - `negative_cache`: seconds during which a JWT that Databricks refused is answered with the
      same error without asking again (default off).
    - `expected_issuers`, `expected_audiences`: a JWT from another issuer, or for none of these
      audiences, is refused with `SourceError` without a request. dbfed does not verify
      signatures (Databricks does): authenticate your users as you do today.
    - `expiry_leeway` (default 0): seconds past its `exp` a JWT is still accepted.
    - `connect_timeout`, `request_timeout`, `ca_bundle`, `retry`: as for `Credential`.

    Raises `dbfed.ConfigError` if the configuration is incomplete or unsafe; no network call is
    made before the first token is asked for."""

    def __new__(
        cls,
        *,
        host: Optional[str] = None,
        account_host: Optional[str] = None,
        account_id: Optional[str] = None,
        scopes: Optional[Sequence[str]] = None,
        token_endpoint: Optional[str] = None,
        discovery_url: Optional[str] = None,
        max_users: Optional[int] = None,
        negative_cache: Optional[float] = None,
        expected_issuers: Optional[Sequence[str]] = None,
        expected_audiences: Optional[Sequence[str]] = None,
        expiry_leeway: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[Union[str, os.PathLike[str]]] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> UserExchanger: ...

@final
class UserStats:
    """What a per-user cache did since it was made."""

    @property
    def entries(self) -> int:
        """Users cached now."""
    @property
    def hits(self) -> int:
        """Calls answered from the cache without waiting."""
    @property
    def misses(self) -> int:
        """Calls that waited for a request (a new user, or a token due for refresh)."""
    @property
    def exchanges(self) -> int:
        """Token requests made (one per user and refresh, however many callers waited)."""
    @property
    def failures(self) -> int:
        """Token requests that failed."""
    @property
    def evictions(self) -> int:
        """Users evicted because the cache was full."""
    @property
    def refused(self) -> int:
        """Calls refused without a request: the token failed a local check, or was refused recently."""

@final
class AzureCredential(Credential):
    """A `Credential` for Azure Databricks whose tokens are Microsoft Entra ID tokens for the Azure
    Databricks resource, which it accepts as they are (no token exchange); cached and refreshed
    like every credential's.

    Keyword arguments, with one way to authenticate:

    - `tenant_id`, `client_id` and `client_secret`: client credentials at the tenant's v1 token
      endpoint;
    - `tenant_id`, `client_id` and `client_assertion`: the same with a JWT from any
      `dbfed.sources` source as federated client assertion, asked for (audience
      `api://AzureADTokenExchange`) at every Entra request;
    - `managed_identity=True`: the managed identity of the VM, container or pod, from IMDS
      (`client_id` picks a user-assigned one; `imds_endpoint` moves the endpoint).

    `authority_host` (default `https://login.microsoftonline.com`), `resource` (default the Azure
    Databricks resource id), `connect_timeout`, `request_timeout`, `ca_bundle` and `retry` as
    for `Credential`. `AzureCredential.from_env()` reads the Azure Identity variables instead."""

    def __new__(
        cls,
        *,
        tenant_id: Optional[str] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        client_assertion: Optional[Source] = None,
        managed_identity: bool = False,
        imds_endpoint: Optional[str] = None,
        authority_host: Optional[str] = None,
        resource: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[Union[str, os.PathLike[str]]] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> AzureCredential: ...
    @classmethod
    def from_env(
        cls,
        *,
        managed_identity: bool = False,
        resource: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[Union[str, os.PathLike[str]]] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> AzureCredential:
        """An Azure credential configured from the standard Azure Identity variables that are set:
        `AZURE_AUTHORITY_HOST`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and `AZURE_CLIENT_SECRET` or
        else `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity; the file is read at every Entra
        request). With `managed_identity=True`, the managed identity (`AZURE_CLIENT_ID` picks a
        user-assigned one, `AZURE_POD_IDENTITY_AUTHORITY_HOST` moves IMDS); on App Service,
        Functions and Container Apps (`IDENTITY_ENDPOINT` and `IDENTITY_HEADER` set), their
        identity endpoint, also without `managed_identity=True` when no secret or token file is
        set. The keyword arguments
        are those of the constructor that no variable sets."""

@final
class AzureOnBehalfOf(UserTokens):
    """Azure Databricks tokens acting as the signed-in users of an Entra application: each user's
    Entra access token (issued to this application) is exchanged with the OAuth 2.0 on-behalf-of
    grant at `{authority}/{tenant}/oauth2/v2.0/token`, and the result cached per user, as
    `UserExchanger` does.

    Keyword arguments: `tenant_id` and `client_id` (the application the users' tokens are for),
    and its `client_secret` or `client_assertion` (any `dbfed.sources` source, asked at every
    request); `authority_host`; `scope` (default
    `2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation`); the cache settings of
    `UserExchanger` (`max_users`, `negative_cache`, `expected_issuers`, `expected_audiences`,
    `expiry_leeway`); `connect_timeout`, `request_timeout`, `ca_bundle`, `retry`."""

    def __new__(
        cls,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: Optional[str] = None,
        client_assertion: Optional[Source] = None,
        authority_host: Optional[str] = None,
        scope: Optional[str] = None,
        max_users: Optional[int] = None,
        negative_cache: Optional[float] = None,
        expected_issuers: Optional[Sequence[str]] = None,
        expected_audiences: Optional[Sequence[str]] = None,
        expiry_leeway: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[Union[str, os.PathLike[str]]] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> AzureOnBehalfOf: ...
