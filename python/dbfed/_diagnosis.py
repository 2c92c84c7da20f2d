"""What :func:`dbfed.diagnose` and :meth:`dbfed.Credential.diagnose` return (built by the
native module from the core's mismatches)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, NamedTuple, Optional

if TYPE_CHECKING:
    import datetime

__all__ = ["Mismatch", "MismatchKind"]


class MismatchKind(str, enum.Enum):
    """The kinds of reason a federation policy refuses a JWT; each compares equal to its value."""

    NOT_A_JWT = "not_a_jwt"
    """The text is not a JWT at all."""
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    """Signed with an algorithm Databricks does not accept (only RS256 and ES256)."""
    WRONG_ISSUER = "wrong_issuer"
    """``iss`` differs from the policy's issuer."""
    AUDIENCE_NOT_ACCEPTED = "audience_not_accepted"
    """None of the JWT's audiences is one the policy accepts."""
    WRONG_SUBJECT = "wrong_subject"
    """The subject claim differs from the policy's subject, or is missing."""
    MISSING_SUBJECT_CLAIM = "missing_subject_claim"
    """An account-wide policy's subject claim (the user name) is missing."""
    EXPIRED = "expired"
    """The JWT has expired."""
    NOT_YET_VALID = "not_yet_valid"
    """The JWT's ``nbf`` lies in the future."""

    def __str__(self) -> str:
        return self.value


class Mismatch(NamedTuple):
    """One reason a federation policy would refuse a JWT (an immutable record; ``str()`` gives
    :attr:`message`)."""

    kind: MismatchKind
    """Which kind of reason."""
    message: str
    """The reason in words, with what to do about it where that is known."""
    claim: Optional[str] = None
    """The claim concerned (``iss``, ``aud``, the subject claim, ``exp``, ``nbf``; the header's
    ``alg`` for an unsupported algorithm); None for a text that is not a JWT."""
    actual: tuple[str, ...] = ()
    """The JWT's values of :attr:`claim` (empty when it has none)."""
    expected: tuple[str, ...] = ()
    """What the policy accepts there (empty when it names nothing, as for a missing claim)."""
    token_endpoint_trap: bool = False
    """For an audience not accepted: the JWT was requested for a Databricks token endpoint URL
    (the SDKs' last-resort audience) while the policy expects something else, usually the
    account id."""
    at: Optional[datetime.datetime] = None
    """For ``expired`` and ``not_yet_valid``: the JWT's ``exp`` or ``nbf`` (aware, UTC)."""

    def __str__(self) -> str:
        return self.message
