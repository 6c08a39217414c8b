"""Passwords and secrets at rest: bcrypt hashing and its check, the rules a password and a username must meet, and
the sha256 a kiosk token is kept as. Pure: no database."""

from __future__ import annotations

import base64
import hashlib
import secrets

import bcrypt

MIN_PASSWORD_LENGTH = 8
MAX_USERNAME_LENGTH = 64
BCRYPT_ROUNDS = 12  # tests lower it; hashes record their own cost, so old hashes keep verifying


def _password_bytes(password: str) -> bytes:
    """bcrypt reads at most 72 bytes: a longer password is first reduced to base64(sha256), always the same way."""
    raw = password.encode("utf-8")
    if len(raw) > 72:
        raw = base64.b64encode(hashlib.sha256(raw).digest())
    return raw


def hash_password(password: str) -> str:
    return bcrypt.hashpw(_password_bytes(password), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_password_bytes(password), password_hash.encode("ascii"))
    except (ValueError, UnicodeEncodeError):  # not a bcrypt hash: never a match
        return False


_dummy_hashes: dict[int, str] = {}


def dummy_verify(password: str) -> None:
    """Spend the time a real check takes, so an unknown user answers as slowly as a wrong password."""
    dummy = _dummy_hashes.get(BCRYPT_ROUNDS)
    if dummy is None:
        dummy = _dummy_hashes[BCRYPT_ROUNDS] = hash_password(secrets.token_urlsafe(16))
    verify_password(password, dummy)


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()[:200]  # bounded: the name is stored with every attempt


def check_password_strength(password: str, *, username: str = "") -> None:
    """ValueError (in Chinese) for a password too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码至少{MIN_PASSWORD_LENGTH}个字符")
    if not password.strip():
        raise ValueError("密码不能全是空格")
    if username and password.strip().lower() == normalise_username(username):
        raise ValueError("密码不能与用户名相同")
    if len(set(password)) == 1:
        raise ValueError("密码不能由同一个字符重复组成")


def token_hash(token: str) -> str:
    """What is kept of a kiosk token: its sha256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
