"""Login sessions kept on the server. The browser holds only a random token in an HttpOnly cookie, set by the
server's /account/signin endpoint (server.py); the auth store keeps its sha256 with the account, the times and whether
it was revoked. Logout, a password change, disabling an account, a role change, 退出所有登录 and a restore revoke
sessions at once: a cookie replayed afterwards meets the login form.

How a browser gets its cookie: the login form (components/auth.py) checks the password (services/auth.py), then
`begin` makes a session with a one-time code; the page sends the browser to /account/signin?code=…, where `claim`
exchanges the code (once, within HANDOFF_SECONDS) for the cookie's token."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from db import accounts as store
from db.authstore import auth_session
from db.settings import Settings, get_settings
from services.rules import passwords
from services.rules.localtime import as_utc
from services.unit import unit_of_work

COOKIE = "shian_session"  # HttpOnly; its value is a session's random token
SIGNIN_PATH = "/account/signin"  # server.py: ?code=… (one-time) &next=/page → sets the cookie, back to the page
SIGNOUT_PATH = "/account/signout"  # server.py: ends the session of the cookie and drops it, back to "/"
HANDOFF_SECONDS = 60  # the one-time code in /account/signin?code=… is good for this long, once
TOUCH_SECONDS = 60  # last_seen_at is written at most this often (not on every rerun)
KEEP_ENDED = dt.timedelta(days=90)  # an ended session's row is kept this long (the audit log keeps the logins)

# Why a session ended (LoginSession.revoked_reason; the audit detail).
ENDED_LOGOUT = "退出"
ENDED_PASSWORD = "修改密码"
ENDED_DISABLED = "停用"
ENDED_ROLE = "角色变更"
ENDED_EVERYWHERE = "退出所有登录"
ENDED_IDLE = "闲置超时"


@dataclass(frozen=True)
class Lifetimes:
    idle: dt.timedelta  # SESSION_IDLE_MINUTES without activity ends a session …
    absolute: dt.timedelta  # … and SESSION_HOURS after the login it ends anyway

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Lifetimes:
        s = settings or get_settings()
        return cls(idle=dt.timedelta(minutes=s.session_idle_minutes), absolute=dt.timedelta(hours=s.session_hours))


@dataclass(frozen=True)
class Resumed:
    session_id: int
    user: dict[str, Any]


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@unit_of_work
def begin(*, session: Session | None = None, user: dict[str, Any], client: str | None,
          now: dt.datetime | None = None, lifetimes: Lifetimes | None = None) -> tuple[int, str]:
    """A new session for an account that has just proved its password: (its id, the one-time code the browser
    exchanges at /account/signin for its cookie)."""
    now, lifetimes = _now(now), lifetimes or Lifetimes.from_settings()
    code = secrets.token_urlsafe(32)
    with auth_session(session) as own:
        store.prune_sessions(own, ended_before=now - KEEP_ENDED)  # a few rows at most: logins are dozens a day
        row = store.add_session(own, handoff_hash=_hash(code), username=user["username"], role=user["role"],
                                station_id=user.get("station_id"), client=client, created_at=now, last_seen_at=now,
                                expires_at=now + lifetimes.absolute)
        own.commit()
        return int(row.id), code


@unit_of_work
def claim(*, session: Session | None = None, code: str | None, now: dt.datetime | None = None) -> str | None:
    """Exchange a one-time code for the session's cookie token (a new random string; only its hash is kept).
    None for an unknown, used, late or revoked code."""
    if not code or len(code) > 200:
        return None
    now = _now(now)
    with auth_session(session) as own:
        row = store.session_by_handoff(own, _hash(code))
        if row is None:
            return None
        row.handoff_hash = None  # once, whatever follows
        fresh = row.revoked_at is None and now - as_utc(row.created_at) <= dt.timedelta(seconds=HANDOFF_SECONDS)
        token = secrets.token_urlsafe(32) if fresh else None
        if token:
            row.token_hash, row.last_seen_at = _hash(token), now
        own.commit()
        return token


@unit_of_work
def resume(*, session: Session | None = None, token: str | None = None, session_id: int | None = None,
           now: dt.datetime | None = None, lifetimes: Lifetimes | None = None) -> Resumed | None:
    """The account behind a live session, by its cookie's token or (within one browser session) its id.

    Live: not revoked, used within SESSION_IDLE_MINUTES, begun within SESSION_HOURS, and the account still active
    with the same role and station and no password set since the login. An idle session is marked so; activity
    is recorded at most once a minute. None otherwise."""
    now, lifetimes = _now(now), lifetimes or Lifetimes.from_settings()
    if token is None and session_id is None or token is not None and len(token) > 200:
        return None
    with auth_session(session) as own:
        row = store.session_by_token(own, _hash(token)) if token is not None else store.session_row(own, session_id)
        if row is None or row.revoked_at is not None or now >= as_utc(row.expires_at):
            return None
        if now - as_utc(row.last_seen_at) > lifetimes.idle:
            row.revoked_at, row.revoked_reason = now, ENDED_IDLE
            own.commit()
            return None
        user = store.get_user_row(session, passwords.normalise_username(row.username))
        if user is None or not user.is_active or user.role != row.role or user.station_id != row.station_id:
            return None
        if as_utc(user.password_changed_at) > as_utc(row.created_at):
            return None
        if now - as_utc(row.last_seen_at) >= dt.timedelta(seconds=TOUCH_SECONDS):
            row.last_seen_at = now
            own.commit()
        return Resumed(session_id=int(row.id), user=store.user_dict(session, user))


@unit_of_work
def end(*, session: Session | None = None, session_id: int | None = None, token: str | None = None,
        reason: str = ENDED_LOGOUT, now: dt.datetime | None = None) -> bool:
    """Revoke one session (logout), by id or cookie token; False when there was none live."""
    now = _now(now)
    with auth_session(session) as own:
        row = (store.session_row(own, session_id) if session_id is not None
               else store.session_by_token(own, _hash(token)) if token else None)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at, row.revoked_reason, row.handoff_hash = now, reason, None
        own.commit()
        return True


def revoke_account(main: Session, username: str, reason: str, now: dt.datetime | None = None) -> int:
    """Revoke every live session of an account at once (committed in the auth store); how many."""
    with auth_session(main) as own:
        count = store.revoke_sessions(own, username=passwords.normalise_username(username), at=_now(now),
                                      reason=reason)
        own.commit()
        return count


@unit_of_work
def live_counts(*, session: Session | None = None, now: dt.datetime | None = None,
                lifetimes: Lifetimes | None = None) -> dict[str, int]:
    """Live sessions per username (for the users page)."""
    now, lifetimes = _now(now), lifetimes or Lifetimes.from_settings()
    with auth_session(session) as own:
        return store.live_session_counts(own, now=now, idle_since=now - lifetimes.idle)
