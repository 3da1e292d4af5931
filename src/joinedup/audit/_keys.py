"""The checkpoint signing key (Ed25519): loading it, making a development one, and the signed message.

Verification needs only the public key, so an auditor can check a copy of the database offline without
anything that could sign.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class AuditKeyError(RuntimeError):
    """A signing or public key is missing or not an Ed25519 key; the message names the file."""


def public_key_path_for(private_key_path: Path) -> Path:
    """Where the public half is written beside a private key: ``NAME.pub.pem``."""
    return private_key_path.with_name(f"{private_key_path.stem}.pub.pem")


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def checkpoint_message(tree_size: int, root: str, signed_at: datetime, signer: str) -> bytes:
    return f"joinedup-audit-checkpoint/v1\n{tree_size}\n{root}\n{signed_at.isoformat()}\n{signer}\n".encode()


def verify_signature(public_key: Ed25519PublicKey, signature_hex: str, message: bytes) -> bool:
    try:
        public_key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as error:
        raise AuditKeyError(f"the audit signing key {path} does not exist") from error
    except ValueError as error:
        raise AuditKeyError(f"the audit signing key {path} is not a PEM private key") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"the audit signing key {path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError as error:
        raise AuditKeyError(f"the audit public key {path} does not exist") from error
    except ValueError as error:
        raise AuditKeyError(f"the audit public key {path} is not a PEM public key") from error
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"the audit public key {path} is not an Ed25519 key")
    return key


def create_development_key(path: Path) -> Ed25519PrivateKey:
    """Write a new key pair (private key readable by its owner only) for development and tests."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_key_path_for(path).write_bytes(public_pem)
    return key


def signing_key(path: Path, *, allow_development_key: bool) -> Ed25519PrivateKey:
    """The key at ``path``; where development allows it and none exists yet, a new one made there."""
    if not path.exists() and allow_development_key:
        return create_development_key(path)
    return load_private_key(path)
