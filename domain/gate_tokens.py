"""Signed gate-pass tokens a gate can check offline, and their QR codes.

A token is `GP1.<claims>.<mac>`: the claims are base64url JSON (pass id,
token id, container, truck plate, terminal, slot, expiry) and the mac is
HMAC-SHA256 (RFC 2104) over `GP1.<claims>` under the gate key. A gate
holding the key verifies a token without calling the portal; the portal
refuses a token twice through its token id (see domain.services.gate_events).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import qrcode

from domain.errors import DomainError

VERSION = "GP1"
PURPOSE = b"dermaga.gate-pass.v1"


class InvalidGatePassTokenError(DomainError):
    """The token is forged, damaged or of another format."""

    code = "TOKEN_INVALID"


@dataclass(frozen=True, slots=True)
class GatePassClaims:
    """What a gate pass token says; times are UTC."""

    pass_id: uuid.UUID
    token_id: str
    container_number: str
    truck_plate: str
    terminal: str
    slot_starts_at: datetime
    slot_ends_at: datetime
    expires_at: datetime


def gate_key(secret: str) -> bytes:
    """The key gates verify with, derived from the service secret for this use only."""
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


def new_token_id() -> str:
    return secrets.token_hex(16)


def sign(key: bytes, claims: GatePassClaims) -> str:
    """The token of a gate pass."""
    body = {
        "p": str(claims.pass_id),
        "t": claims.token_id,
        "c": claims.container_number,
        "v": claims.truck_plate,
        "g": claims.terminal,
        "s": _seconds(claims.slot_starts_at),
        "e": _seconds(claims.slot_ends_at),
        "x": _seconds(claims.expires_at),
    }
    encoded = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    signed = f"{VERSION}.{encoded}"
    return f"{signed}.{_mac(key, signed)}"


def verify(key: bytes, token: str) -> GatePassClaims:
    """The claims of a genuine token; InvalidGatePassTokenError otherwise.

    Expiry is not judged here: the gate compares the slot with the arrival
    time it records, which may differ from the clock of the check.
    """
    version, _, rest = token.strip().partition(".")
    encoded, _, mac = rest.partition(".")
    if version != VERSION or not encoded or not mac:
        raise InvalidGatePassTokenError("this is not a gate pass token")
    # Constant-time comparison, so a mac cannot be guessed byte by byte.
    if not hmac.compare_digest(_mac(key, f"{version}.{encoded}"), mac):
        raise InvalidGatePassTokenError("the gate pass token is not genuine")
    try:
        body = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        return GatePassClaims(
            pass_id=uuid.UUID(body["p"]),
            token_id=str(body["t"]),
            container_number=str(body["c"]),
            truck_plate=str(body["v"]),
            terminal=str(body["g"]),
            slot_starts_at=_moment(body["s"]),
            slot_ends_at=_moment(body["e"]),
            expires_at=_moment(body["x"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidGatePassTokenError("the gate pass token is damaged") from error


def qr_png(token: str) -> bytes:
    """A PNG QR code of the token, medium error correction (ISO/IEC 18004 level M)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(token)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()


def normalise_plate(plate: str) -> str:
    """A truck plate as compared at the gate: upper case, no spaces (B 1234 XYZ)."""
    return "".join(plate.split()).upper()


def _mac(key: bytes, message: str) -> str:
    return _b64(hmac.new(key, message.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(seconds: object) -> datetime:
    if not isinstance(seconds, int):
        raise TypeError("a time must be unix seconds")
    return datetime.fromtimestamp(seconds, UTC)
