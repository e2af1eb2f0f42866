"""The realms' keys: one well-known RSA signing key for every simulated realm (as moto ships one
for Cognito), and an HMAC key per realm for refresh tokens (Keycloak signs those HS512 with the
realm's ``hmac-generated`` key).

Both are fixed by the committed key file and the realm's home issuer, never by a random draw, so a
token minted in one process verifies in another (``python -m simulator token`` beside a ``serve``)
and a network at another URL has other key ids. The key file is read once per process, on first
need: building a network never pays for it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from pathlib import Path
from typing import Optional

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_FILE = Path(__file__).parent / "data" / "realm-key.json"

_LOCK = threading.Lock()
_RSA: Optional[rsa.RSAPrivateKey] = None


def well_known_key() -> rsa.RSAPrivateKey:
    """The simulator's realm signing key (protects nothing; never trust it outside tests)."""
    global _RSA
    with _LOCK:
        if _RSA is None:
            jwk = {k: v for k, v in json.loads(KEY_FILE.read_text()).items()
                   if not k.startswith("_")}
            _RSA = RSAAlgorithm.from_jwk(jwk)
        return _RSA


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url_uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class RealmKeys:
    """The keys of one realm. ``issuer`` is its home issuer: it names the key ids and the HMAC
    secret (Keycloak's kids are random; these are stable, so tokens survive a restart)."""

    def __init__(self, issuer: str, key: Optional[rsa.RSAPrivateKey] = None) -> None:
        self._own = key
        self.kid = b64url(hashlib.sha256(issuer.encode()).digest())
        self.hmac_kid = str(uuid.uuid5(uuid.NAMESPACE_URL, issuer + "#hmac-generated"))
        # 64 bytes: PyJWT warns about shorter HS512 keys
        self.hmac_secret = hashlib.sha512(b"simulated-keycloak-hs512|" + issuer.encode()).digest()

    @property
    def private(self) -> rsa.RSAPrivateKey:
        return self._own or well_known_key()

    @property
    def public(self) -> rsa.RSAPublicKey:
        return self.private.public_key()

    def public_key_b64(self) -> str:
        """What ``GET /realms/{realm}`` publishes as ``public_key``: base64 DER
        SubjectPublicKeyInfo, no PEM armour (HQ 5.x wraps it itself)."""
        der = self.public.public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(der).decode()

    def public_key_pem(self) -> str:
        return self.public.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def jwks(self) -> dict:
        """``protocol/openid-connect/certs``: the signing key only (Keycloak never publishes its
        HMAC keys)."""
        numbers = self.public.public_numbers()
        return {"keys": [{"kid": self.kid, "kty": "RSA", "alg": "RS256", "use": "sig",
                          "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}]}
