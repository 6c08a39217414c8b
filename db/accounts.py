"""Accounts at rest: the SQL for AppUser, LoginSession, AuditLog, LoginAttempt, AccountUnlock and KioskToken rows.
Storage only — no rules (services.auth, services.sessions and services.accounts decide), no commits: the caller owns
the unit of work. AppUser lives in the main database; every other table here in the auth store (db/authstore.py),
so those functions take a Session of the auth store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from db.models import AccountUnlock, AppUser, AuditLog, KioskToken, LoginAttempt, LoginSession, Station

# --- accounts -----------------------------------------------------------------------------------


def get_user_row(session: Session, username: str) -> AppUser | None:
    """The account stored under this (already normalised) username."""
    return session.exec(select(AppUser).where(AppUser.username == username)).first()


def user_dict(session: Session, user: AppUser) -> dict[str, Any]:
    """An account without its hash, with its station's name."""
    station = session.get(Station, user.station_id) if user.station_id is not None else None
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name or user.username,
        "role": user.role,
        "station_id": user.station_id,
        "station_name": station.name if station else None,
        "is_active": user.is_active,
    }


def station_name(session: Session, station_id: int) -> str | None:
    station = session.get(Station, station_id)
    return station.name if station is not None else None


def add_user(session: Session, *, username: str, password_hash: str, role: str, station_id: int | None = None,
             display_name: str | None = None) -> AppUser:
    user = AppUser(username=username, display_name=display_name, role=role, station_id=station_id,
                   password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def count_other_active(session: Session, role: str, user_id: int | None) -> int:
    """Active accounts of a role other than this one."""
    return session.exec(select(func.count()).select_from(AppUser).where(
        AppUser.role == role, col(AppUser.is_active).is_(True), AppUser.id != user_id)).one()


def user_rows(session: Session, limit: int = 10_000) -> list[tuple]:
    """(username, display_name, role, station name, is_active, created_at) of every account, by username."""
    return session.exec(
        select(AppUser.username, AppUser.display_name, AppUser.role, Station.name, AppUser.is_active,
               AppUser.created_at)
        .join(Station, col(AppUser.station_id) == Station.id, isouter=True)
        .order_by(AppUser.username)
        .limit(limit)  # accounts are a few dozen; the bound only guards the page
    ).all()


# --- login sessions (auth store) ------------------------------------------------------------------


def add_session(session: Session, **fields: Any) -> LoginSession:
    row = LoginSession(**fields)
    session.add(row)
    session.flush()
    return row


def session_row(session: Session, session_id: int) -> LoginSession | None:
    return session.get(LoginSession, session_id)


def session_by_token(session: Session, token_hash: str) -> LoginSession | None:
    return session.exec(select(LoginSession).where(LoginSession.token_hash == token_hash)).first()


def session_by_handoff(session: Session, handoff_hash: str) -> LoginSession | None:
    return session.exec(select(LoginSession).where(LoginSession.handoff_hash == handoff_hash)).first()


def revoke_sessions(session: Session, *, username: str, at: dt.datetime, reason: str) -> int:
    """Revoke every live session of an account (one UPDATE); how many were live."""
    done = session.exec(  # type: ignore[call-overload]
        update(LoginSession)
        .where(LoginSession.username == username, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=at, revoked_reason=reason, handoff_hash=None)
        .execution_options(synchronize_session=False))
    return done.rowcount


def prune_sessions(session: Session, *, ended_before: dt.datetime) -> int:
    """Delete sessions that ended (revoked or past their end) before this time (one DELETE); how many."""
    done = session.exec(  # type: ignore[call-overload]
        delete(LoginSession)
        .where((col(LoginSession.revoked_at) < ended_before) | (LoginSession.expires_at < ended_before))
        .execution_options(synchronize_session=False))
    return done.rowcount


def live_session_counts(session: Session, *, now: dt.datetime, idle_since: dt.datetime) -> dict[str, int]:
    """Sessions per username that are neither revoked, nor past their end, nor idle since before `idle_since`."""
    rows = session.exec(
        select(LoginSession.username, func.count()).where(
            col(LoginSession.revoked_at).is_(None), LoginSession.expires_at > now,
            LoginSession.last_seen_at > idle_since)
        .group_by(LoginSession.username)
    ).all()
    return dict(rows)


# --- the audit log ------------------------------------------------------------------------------


def audit_row(*, username: str | None, role: str | None, client: str | None, action: str, target: str | None,
              detail: dict[str, Any] | None = None, at: dt.datetime | None = None) -> AuditLog:
    """One audit row, not yet added anywhere. Never a password or a token."""
    return AuditLog(at=at or dt.datetime.now(dt.UTC), username=username, role=role, client=client, action=action,
                    target=target, detail=detail)


def add_audit(session: Session, **fields: Any) -> None:
    """Add one audit row to an auth-store unit of work (flushed, not committed)."""
    session.add(audit_row(**fields))
    session.flush()


def audit_rows(session: Session, *, action: str | None = None, user: str | None = None,
               since: dt.datetime | None = None, before: dt.datetime | None = None,
               limit: int = 5000) -> Sequence[AuditLog]:
    """The newest audit rows first; `user` is part of the username (lower case), `since`/`before` UTC instants."""
    q = select(AuditLog).order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit)
    if action:
        q = q.where(AuditLog.action == action)
    if user:
        q = q.where(func.lower(AuditLog.username).contains(user, autoescape=True))
    if since is not None:
        q = q.where(AuditLog.at >= since)
    if before is not None:
        q = q.where(AuditLog.at < before)
    return session.exec(q).all()


# --- login attempts and unlocks -----------------------------------------------------------------


def add_login_attempt(session: Session, *, username: str, client: str, at: dt.datetime, success: bool,
                      reason: str | None) -> None:
    session.add(LoginAttempt(username=username, client=client, at=at, success=success, reason=reason))
    session.flush()


def last_unlock(session: Session, username: str, client: str) -> dt.datetime | None:
    """When this username was last unlocked for this client or for every client ("*")."""
    return session.exec(
        select(func.max(AccountUnlock.at)).where(
            AccountUnlock.username == username, col(AccountUnlock.client).in_([client, "*"]))
    ).one()


def add_unlock(session: Session, *, username: str, client: str, at: dt.datetime, by: str | None) -> None:
    session.add(AccountUnlock(username=username, client=client, at=at, by=by))


def failure_times(session: Session, *, username: str, client: str | None, reasons: Sequence[str], since: dt.datetime,
                  until: dt.datetime, limit: int = 10_000) -> list[dt.datetime]:
    """Times of the failed attempts of a username from a client (None: from any client) for these reasons, in
    (since, until], oldest first."""
    q = select(LoginAttempt.at).where(
        LoginAttempt.username == username, col(LoginAttempt.success).is_(False),
        col(LoginAttempt.reason).in_(reasons), LoginAttempt.at > since, LoginAttempt.at <= until)
    if client is not None:
        q = q.where(LoginAttempt.client == client)
    return session.exec(q.order_by(LoginAttempt.at, LoginAttempt.id).limit(limit)).all()


def client_failure_count(session: Session, *, client: str, reasons: Sequence[str], since: dt.datetime,
                         until: dt.datetime) -> int:
    """Failed attempts from one client, any username, for these reasons, in (since, until]."""
    return session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.client == client, col(LoginAttempt.success).is_(False),
            col(LoginAttempt.reason).in_(reasons), LoginAttempt.at > since, LoginAttempt.at <= until)
    ).one()


def frequent_failures(session: Session, *, reasons: Sequence[str], since: dt.datetime, until: dt.datetime,
                      at_least: int, limit: int) -> list[tuple[str, str]]:
    """(username, client) pairs with at least `at_least` such failures in (since, until], by username and client."""
    return session.exec(
        select(LoginAttempt.username, LoginAttempt.client).where(
            col(LoginAttempt.success).is_(False), col(LoginAttempt.reason).in_(reasons),
            LoginAttempt.at > since, LoginAttempt.at <= until)
        .group_by(LoginAttempt.username, LoginAttempt.client)
        .having(func.count() >= at_least)
        .order_by(LoginAttempt.username, LoginAttempt.client)
        .limit(limit)
    ).all()


# --- kiosk tokens -------------------------------------------------------------------------------


def add_kiosk_token(session: Session, *, token_hash: str, label: str) -> KioskToken:
    """A kiosk token kept by its hash (flushed, not committed)."""
    row = KioskToken(token_hash=token_hash, label=label, created_at=dt.datetime.now(dt.UTC))
    session.add(row)
    session.flush()
    return row


def has_kiosk_token(session: Session, token_hash: str) -> bool:
    """Is a token with this hash stored (active or not)?"""
    return session.exec(select(KioskToken.id).where(KioskToken.token_hash == token_hash)).first() is not None


def active_kiosk_hashes(session: Session, limit: int = 1000) -> list[str]:
    return session.exec(
        select(KioskToken.token_hash).where(col(KioskToken.is_active).is_(True)).limit(limit)  # a handful exist
    ).all()


def kiosk_token_by_hash(session: Session, token_hash: str) -> KioskToken | None:
    return session.exec(select(KioskToken).where(KioskToken.token_hash == token_hash)).first()


def get_kiosk_token(session: Session, token_id: int) -> KioskToken | None:
    return session.get(KioskToken, token_id)


def kiosk_token_rows(session: Session, limit: int = 1000) -> Sequence[KioskToken]:
    return session.exec(select(KioskToken).order_by(KioskToken.id).limit(limit)).all()
