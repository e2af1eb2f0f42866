"""Passwords and API keys as the server stores them."""
from __future__ import annotations

import hashlib
import hmac
import os


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """Salted SHA-256 (the real server uses bcrypt; the simulator needs speed, not strength)."""
    salt = salt if salt is not None else os.urandom(8)
    digest = hashlib.sha256(salt + secret.encode("utf-8")).hexdigest()
    return f"{salt.hex()}${digest}"


def check_secret(secret: str, stored: str) -> bool:
    if not stored or "$" not in stored:
        return False
    salt_hex, _ = stored.split("$", 1)
    return hmac.compare_digest(hash_secret(secret, bytes.fromhex(salt_hex)), stored)


def api_key_digest(api_key: str) -> str:
    # Unsalted so that a login finds its node in O(1); the key itself is a random uuid4.
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()
