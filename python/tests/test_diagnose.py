"""Diagnosis: `dbfed.diagnose` names every mismatch between a JWT and a federation policy, and
`Credential.diagnose` does it with the credential's own source and audience."""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
from typing import Any

import pytest

import dbfed
from dbfed import FederationPolicy, Mismatch, MismatchKind
from testkit import AUDIENCE, SP_CLIENT_ID, SUBJECT, USER, Testkit


def unsigned(alg: str, **claims: Any) -> str:
    """A JWT with header `alg` and `claims`, and a made-up signature (diagnosis never verifies)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def policy(kit: Testkit, **changes: Any) -> FederationPolicy:
    """The service principal's policy: the testkit's issuer, `AUDIENCE`, `SUBJECT`."""
    fields: dict[str, Any] = {"issuer": kit.issuer, "audiences": [AUDIENCE], "subject": SUBJECT}
    fields.update(changes)
    return FederationPolicy(**fields)


def test_a_matching_jwt_has_no_mismatch(kit: Testkit) -> None:
    for alg in ("RS256", "ES256"):
        jwt = kit.mint(sub=SUBJECT, aud=[AUDIENCE], alg=alg)
        assert dbfed.diagnose(jwt, policy(kit)) == []
    account_policy = FederationPolicy(kit.issuer)
    assert dbfed.diagnose(kit.mint(sub=USER, aud=[kit.account_id]), account_policy, kit.account_id) == []


def test_each_kind_of_mismatch_is_named(kit: Testkit) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    cases: list[tuple[str, FederationPolicy, Mismatch]] = [
        (
            "not-a-jwt",
            policy(kit),
            Mismatch(MismatchKind.NOT_A_JWT, "not a JWT: InvalidToken"),
        ),
        (
            unsigned("HS256", iss=kit.issuer, aud=AUDIENCE, sub=SUBJECT),
            policy(kit),
            Mismatch(
                MismatchKind.UNSUPPORTED_ALGORITHM,
                "signed with HS256; Databricks accepts only RS256 and ES256",
                claim="alg",
                actual=("HS256",),
                expected=("RS256", "ES256"),
            ),
        ),
        (
            kit.mint(sub=SUBJECT, aud=[AUDIENCE], iss="https://gitlab.com"),
            policy(kit),
            Mismatch(
                MismatchKind.WRONG_ISSUER,
                f'wrong issuer: the JWT\'s iss is "https://gitlab.com" but the policy expects "{kit.issuer}"',
                claim="iss",
                actual=("https://gitlab.com",),
                expected=(kit.issuer,),
            ),
        ),
        (
            kit.mint(sub=SUBJECT, aud=["x", "y"]),
            policy(kit),
            Mismatch(
                MismatchKind.AUDIENCE_NOT_ACCEPTED,
                f'audience not accepted: the JWT\'s aud is ["x", "y"] but the policy accepts ["{AUDIENCE}"]',
                claim="aud",
                actual=("x", "y"),
                expected=(AUDIENCE,),
            ),
        ),
        (
            kit.mint(sub="repo:acme/other:ref:refs/heads/main", aud=[AUDIENCE]),
            policy(kit),
            Mismatch(
                MismatchKind.WRONG_SUBJECT,
                f'subject mismatch: the JWT\'s sub is "repo:acme/other:ref:refs/heads/main" but the policy expects "{SUBJECT}"',
                claim="sub",
                actual=("repo:acme/other:ref:refs/heads/main",),
                expected=(SUBJECT,),
            ),
        ),
        (
            kit.mint(sub=USER, aud=[AUDIENCE]),
            policy(kit, subject=None, subject_claim="email"),
            Mismatch(
                MismatchKind.MISSING_SUBJECT_CLAIM,
                "the JWT has no email claim, which the policy uses as the Databricks user name",
                claim="email",
            ),
        ),
    ]
    for jwt, checked, expected in cases:
        assert dbfed.diagnose(jwt, checked) == [expected]

    [expired] = dbfed.diagnose(kit.mint(sub=SUBJECT, aud=[AUDIENCE], expired=True), policy(kit))
    assert (expired.kind, expired.claim) == (MismatchKind.EXPIRED, "exp")
    assert expired.at is not None and now - datetime.timedelta(minutes=5) < expired.at < now
    assert expired.message.startswith("expired at ")

    [early] = dbfed.diagnose(kit.mint(sub=SUBJECT, aud=[AUDIENCE], not_before_in_secs=3600), policy(kit))
    assert (early.kind, early.claim) == (MismatchKind.NOT_YET_VALID, "nbf")
    assert early.at is not None and early.at > now + datetime.timedelta(minutes=55)
    assert early.message.startswith("not valid before ")


def test_every_mismatch_of_a_jwt_is_named_at_once(kit: Testkit) -> None:
    jwt = kit.mint(sub="someone", aud=["x"], iss="https://gitlab.com", expired=True)

    found = dbfed.diagnose(jwt, policy(kit))

    assert [mismatch.kind for mismatch in found] == ["wrong_issuer", "audience_not_accepted", "wrong_subject", "expired"]
    assert [str(kind) for kind in MismatchKind] == [
        "not_a_jwt",
        "unsupported_algorithm",
        "wrong_issuer",
        "audience_not_accepted",
        "wrong_subject",
        "missing_subject_claim",
        "expired",
        "not_yet_valid",
    ]
    assert str(found[0]) == found[0].message


def test_the_token_endpoint_trap_is_recognised(kit: Testkit) -> None:
    jwt = kit.mint(sub=SUBJECT, aud=[kit.workspace_token_endpoint])

    [mismatch] = dbfed.diagnose(jwt, policy(kit, audiences=[]), account_id=kit.account_id)

    assert mismatch.kind == "audience_not_accepted"
    assert mismatch.token_endpoint_trap
    assert mismatch.expected == (kit.account_id,), "a policy without audiences expects the account id"
    assert "usually the account id" in mismatch.message
    assert dbfed.diagnose(jwt, policy(kit, audiences=[])) == [], "without an account id, the audience is unknowable"


def test_a_credential_diagnoses_its_own_jwt_without_exchanging(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed(kit.mint(sub=SUBJECT, aud=["x"])), account_id=kit.account_id)

    found = credential.diagnose(policy(kit))

    assert [mismatch.kind for mismatch in found] == [MismatchKind.AUDIENCE_NOT_ACCEPTED]

    async def main() -> list[Mismatch]:
        return await credential.diagnose_async(policy(kit, audiences=["x"]))

    assert asyncio.run(main()) == []
    assert kit.counters()["exchanges"] == 0


def test_a_failing_source_fails_the_diagnosis(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.EnvVar("DBFED_TEST_SURELY_UNSET"))
    with pytest.raises(dbfed.SourceError, match="DBFED_TEST_SURELY_UNSET"):
        credential.diagnose(policy(kit))

    async def main() -> list[Mismatch]:
        return await credential.diagnose_async(policy(kit))

    with pytest.raises(dbfed.SourceError, match="DBFED_TEST_SURELY_UNSET"):
        asyncio.run(main())


def test_a_policy_shows_and_compares_its_fields() -> None:
    sp = FederationPolicy("https://token.actions.githubusercontent.com", ("acc",), subject="repo:acme/etl:ref:main")
    assert sp == FederationPolicy("https://token.actions.githubusercontent.com", ["acc"], "repo:acme/etl:ref:main")
    assert (sp.issuer, sp.audiences, sp.subject, sp.subject_claim) == (
        "https://token.actions.githubusercontent.com",
        ["acc"],
        "repo:acme/etl:ref:main",
        None,
    )
    assert repr(sp) == (
        "FederationPolicy('https://token.actions.githubusercontent.com', audiences=['acc'], "
        "subject='repo:acme/etl:ref:main')"
    )
    assert repr(FederationPolicy("https://idp", subject_claim="email")) == (
        "FederationPolicy('https://idp', subject_claim='email')"
    )
    with pytest.raises(TypeError):
        FederationPolicy("https://idp", "acc")  # a str is not a list of audiences


def test_the_mismatches_of_a_credential_name_no_secret(kit: Testkit) -> None:
    jwt = kit.mint(sub="someone", aud=["x"], iss="https://gitlab.com")
    credential = kit.credential(dbfed.sources.Fixed(jwt), client_id=SP_CLIENT_ID)

    shown = repr(credential.diagnose(policy(kit)))

    assert jwt not in shown and jwt.split(".")[2] not in shown
