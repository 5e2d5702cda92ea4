"""Encryption at rest for identity numbers: Fernet (AES-128-CBC + HMAC-SHA256, from the
`cryptography` package) with a list of keys, so keys can be rotated.

IDENTITY_KEYS is a comma-separated list of Fernet keys (`flask odr identity-key` prints a new one);
the first encrypts, all of them decrypt. To rotate: put a new key first, run
`flask odr rotate-identity-keys` (re-encrypts every stored number with it), then drop the old key.
Without IDENTITY_KEYS (the embedded default) a key is made once and kept in instance/identity_keys,
like the session secret.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

KEY_FILE = "identity_keys"


def _configured_keys() -> list[str]:
    configured = current_app.config.get("IDENTITY_KEYS")
    if configured:
        keys = configured if isinstance(configured, list | tuple) else str(configured).split(",")
        return [key.strip() for key in keys if key.strip()]
    key_file = Path(current_app.instance_path) / KEY_FILE
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(Fernet.generate_key().decode() + "\n")
        key_file.chmod(0o600)
    return [line.strip() for line in key_file.read_text().splitlines() if line.strip()]


def keyring() -> MultiFernet:
    keys = tuple(_configured_keys())
    cache = current_app.extensions.setdefault("odr_identity_keyring", {})
    if keys not in cache:
        try:
            cache[keys] = MultiFernet([Fernet(key.encode()) for key in keys])
        except (ValueError, TypeError) as error:
            raise RuntimeError("IDENTITY_KEYS must be Fernet keys (flask odr identity-key makes one)") from error
    return cache[keys]


def encrypt(text: str) -> str:
    return keyring().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return keyring().decrypt(token.encode()).decode()
    except InvalidToken as error:
        # Only if a key still in use was removed from IDENTITY_KEYS: an operator's mistake.
        raise RuntimeError("An identity number cannot be decrypted with the configured IDENTITY_KEYS") from error


def rotate(token: str) -> str:
    """The same text, encrypted with the first (current) key."""
    return keyring().rotate(token.encode()).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()


def code_digest(code: str, purpose: str, user_id: int) -> str:
    """One-time codes are stored as a keyed hash: the table alone does not give them away."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()
