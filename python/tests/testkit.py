"""A client of the `dbfed-testkit serve` binary: starting it, and its control API (`/_testkit/…`).

The binary is `$DBFED_TESTKIT`, else `target/debug/dbfed-testkit` of this repository (built by
`scripts/test`). Used by the tests and the benchmarks.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import urllib.error
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

import dbfed

REPOSITORY = Path(__file__).resolve().parents[2]
SP_CLIENT_ID = "5c2a0e2b-0000-4d6e-8f00-5e7b1ce0c11d"
SUBJECT = "repo:acme/deploy:ref:refs/heads/main"
AUDIENCE = "dbfed-tests"
USER = "alice@example.com"
#: The subject of the JWTs the CI look-alikes (GitHub, GCP) issue: the testkit's `ci_subject`.
CI_SUBJECT = "repo:acme/pipelines:environment:prod"
#: The bearer token the GitHub look-alike expects in `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
GITHUB_REQUEST_TOKEN = "testkit-github-request-token"
#: The bearer token the Azure DevOps look-alikes expect in `SYSTEM_ACCESSTOKEN`.
AZURE_DEVOPS_ACCESS_TOKEN = "testkit-azure-devops-access-token"
#: The audience Azure DevOps puts in every ID token.
AZURE_DEVOPS_AUDIENCE = "api://AzureADTokenExchange"


class Testkit:
    """The testkit server and its control API (`/_testkit/…`)."""

    __test__ = False

    def __init__(self, info: dict[str, Any]) -> None:
        self.url: str = info["url"]
        self.issuer: str = info["issuer"]
        self.account_id: str = info["account_id"]
        self.workspace_token_endpoint: str = info["workspace_token_endpoint"]
        self.account_token_endpoint: str = info["account_token_endpoint"]
        self.entra_authority: str = info["entra_authority"]
        self.imds_endpoint: str = info["imds_endpoint"]
        self.app_service_identity_endpoint: str = info["app_service_identity_endpoint"]
        self.app_service_identity_header: str = info["app_service_identity_header"]

    def _call(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None

    def reset(self) -> None:
        self._call("POST", "/_testkit/reset", {})

    def mint(self, **claims: Any) -> str:
        """A JWT signed by the fake IdP (fields of the testkit's MintRequest)."""
        jwt: str = self._call("POST", "/_testkit/mint", claims)["jwt"]
        return jwt

    def add_policy(self, **policy: Any) -> None:
        self._call("POST", "/_testkit/policies", {"issuer": self.issuer, **policy})

    def add_oidc_client(self, client_id: str, client_secret: Optional[str] = None) -> None:
        """Registers a client of the fake IdP's client-credentials endpoint (`{issuer}/token`)."""
        self._call("POST", "/_testkit/oidc-clients", {"client_id": client_id, "client_secret": client_secret})

    def signing_key_pem(self, alg: str) -> str:
        """The fake IdP's private key for `alg` ("RS256" or "ES256"), PKCS#8 PEM."""
        pem: str = self._call("GET", f"/_testkit/keys/{alg}")["private_key_pem"]
        return pem

    def key_id(self, alg: str) -> str:
        """The `kid` of the fake IdP's key for `alg`, from its JWKS."""
        discovery = self._call("GET", "/idp/.well-known/openid-configuration")
        with urllib.request.urlopen(discovery["jwks_uri"], timeout=10) as response:
            keys = json.loads(response.read())["keys"]
        kid: str = next(key["kid"] for key in keys if key.get("alg") == alg)
        return kid

    @property
    def github_request_url(self) -> str:
        """`ACTIONS_ID_TOKEN_REQUEST_URL` for the GitHub look-alike."""
        return f"{self.url}/ci/github/token?api-version=2.0"

    def inject(self, **fault: Any) -> None:
        self._call("POST", "/_testkit/faults", fault)

    def settings(self, **changes: Any) -> None:
        self._call("POST", "/_testkit/settings", changes)

    def counters(self) -> dict[str, int]:
        counters: dict[str, int] = self._call("GET", "/_testkit/counters")
        return counters

    def exchanges(self) -> list[dict[str, Any]]:
        exchanges: list[dict[str, Any]] = self._call("GET", "/_testkit/exchanges")
        return exchanges

    def me(self, authorization: str) -> tuple[int, dict[str, Any]]:
        """Calls the protected SCIM `Me` API with an `Authorization` header value."""
        request = urllib.request.Request(
            self.url + "/api/2.0/preview/scim/v2/Me", headers={"Authorization": authorization}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    # Ready-made set-ups used by most tests.

    def service_principal_jwt(self) -> str:
        """Adds a policy for the service principal and returns a JWT it accepts."""
        self.add_policy(client_id=SP_CLIENT_ID, audiences=[AUDIENCE], subject=SUBJECT)
        return self.mint(sub=SUBJECT, aud=[AUDIENCE])

    def credential(self, source: dbfed.sources.Source, **options: Any) -> dbfed.Credential:
        """A workload-identity credential for the workspace, without retries unless asked."""
        options.setdefault("host", self.url)
        options.setdefault("client_id", SP_CLIENT_ID)
        options.setdefault("audience", AUDIENCE)
        options.setdefault("retry", dbfed.RetryPolicy.none())
        return dbfed.Credential(source=source, **options)

    # Users, and the Entra look-alike.

    def mint_many(self, subjects: Iterable[str], audience: str, lifetime: int = 3600) -> list[str]:
        """One ES256 JWT of the fake IdP per subject, signed here with the IdP's own key (fetched
        once over the control API): thousands a second, where `mint` makes a request for each."""
        import jwt as pyjwt
        from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key = load_pem_private_key(self._call("GET", "/_testkit/keys/ES256")["private_key_pem"].encode(), None)
        assert isinstance(key, EllipticCurvePrivateKey)
        with urllib.request.urlopen(self.issuer + "/jwks", timeout=10) as response:
            kid = next(jwk["kid"] for jwk in json.load(response)["keys"] if jwk["alg"] == "ES256")
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": audience, "iat": now, "exp": now + lifetime}
        return [
            pyjwt.encode({**claims, "sub": subject}, key, algorithm="ES256", headers={"kid": kid})
            for subject in subjects
        ]

    def add_entra_app(self, **app: Any) -> None:
        """Registers an application in a tenant of the fake Entra (fields of `EntraApp`)."""
        self._call("POST", "/_testkit/entra/apps", app)

    def add_managed_identity(self, **identity: Any) -> None:
        """Registers a managed identity the fake IMDS hands tokens for (`ManagedIdentity`)."""
        self._call("POST", "/_testkit/entra/managed_identities", identity)

    def mint_entra_user_token(self, **request: Any) -> str:
        """A signed-in user's Entra access token, as a front end passes it on (`EntraUserToken`)."""
        token: str = self._call("POST", "/_testkit/entra/user_tokens", request)["access_token"]
        return token

    def entra_requests(self) -> list[dict[str, Any]]:
        """The requests the fake Entra and IMDS received, as sent (method, path, query, form)."""
        requests: list[dict[str, Any]] = self._call("GET", "/_testkit/entra/requests")
        return requests


def testkit_binary() -> Path:
    """`$DBFED_TESTKIT`, else this repository's `target/debug/dbfed-testkit`."""
    configured = os.environ.get("DBFED_TESTKIT")
    return Path(configured) if configured else REPOSITORY / "target" / "debug" / "dbfed-testkit"


@contextlib.contextmanager
def serve() -> Iterator[Testkit]:
    """Runs `dbfed-testkit serve` until the block ends."""
    binary = testkit_binary()
    if not binary.is_file():
        raise FileNotFoundError(f"no testkit binary at {binary}: run `cargo build -p dbfed-testkit`")
    process = subprocess.Popen([str(binary), "serve"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("dbfed-testkit exited without printing its address")
        yield Testkit(json.loads(line))
    finally:
        process.terminate()
        process.wait(timeout=10)
