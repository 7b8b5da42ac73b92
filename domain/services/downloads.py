"""Short-lived signed download links, bound to the viewer who asked for them.

A link carries the document, the viewer (principal, organisation, roles) and
an expiry, signed with HMAC-SHA256 (RFC 2104) under a key derived for this
purpose only. The download route re-checks the signature and the expiry,
then loads the document through the tenancy scope of the viewer in the link,
so it serves only what that viewer may still see.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.errors import DomainError
from domain.models.identity import Role
from domain.viewer import PrincipalKind, Viewer

PURPOSE = b"dermaga.download-link.v1"


class InvalidDownloadLinkError(DomainError):
    """The link is forged, damaged or expired."""

    code = "INVALID_DOWNLOAD_LINK"


@dataclass(frozen=True, slots=True)
class DownloadGrant:
    """Who may fetch which document until when (unix seconds, UTC)."""

    document_id: uuid.UUID
    viewer: Viewer
    expires_at: int


def sign_link(key: str, grant: DownloadGrant) -> str:
    """The opaque token of a grant: base64url JSON, a dot, base64url HMAC."""
    viewer = grant.viewer
    claims = {
        "d": str(grant.document_id),
        "p": str(viewer.principal_id),
        "o": str(viewer.organisation_id) if viewer.organisation_id else None,
        "r": sorted(role.value for role in viewer.roles),
        "k": viewer.kind.value,
        "e": grant.expires_at,
    }
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_signature(key, body)}"


def read_link(key: str, token: str, now: datetime) -> DownloadGrant:
    """The grant a token carries, if its signature holds and it has not expired."""
    body, _, signature = token.partition(".")
    # Constant-time comparison, so the signature cannot be guessed byte by byte.
    if not hmac.compare_digest(_signature(key, body), signature):
        raise InvalidDownloadLinkError("the download link is not valid")
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        grant = DownloadGrant(
            document_id=uuid.UUID(claims["d"]),
            viewer=Viewer(
                principal_id=uuid.UUID(claims["p"]),
                organisation_id=uuid.UUID(claims["o"]) if claims["o"] else None,
                roles=frozenset(Role(r) for r in claims["r"]),
                kind=PrincipalKind(claims["k"]),
            ),
            expires_at=int(claims["e"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidDownloadLinkError("the download link is damaged") from error
    if now.timestamp() >= grant.expires_at:
        raise InvalidDownloadLinkError(
            "the download link has expired", code="DOWNLOAD_LINK_EXPIRED"
        )
    return grant


def _signature(key: str, body: str) -> str:
    derived = hmac.new(key.encode(), PURPOSE, hashlib.sha256).digest()
    return _b64(hmac.new(derived, body.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
