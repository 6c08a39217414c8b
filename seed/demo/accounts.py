"""The demo database's accounts and kiosk token (README)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db import accounts as store
from db import models as m
from db.authstore import auth_session
from db.engine import get_setting
from seed.demo.vocab import DEMO_USER
from services.rules.passwords import hash_password, token_hash

# The demo database's accounts (README): username, role, station, display name. Password DEMO_PASSWORD for all.
DEMO_ACCOUNTS = (
    ("leader", "领导", None, "演示·领导"),
    ("office", "食安办", None, "演示·食安办"),
    ("mingshui", "监管所", "明水所", "演示·明水所"),
    ("admin", "管理员", None, "演示·管理员"),
)
DEMO_PASSWORD = "demo1234"  # public, and only ever in the demo database
DEMO_KIOSK_TOKEN, DEMO_KIOSK_LABEL = "demo-kiosk", "演示大屏"


def demo_accounts(engine: Engine) -> list[str]:
    """Create the demo accounts and kiosk token that are absent (demo database only). A plain commit, not a
    write_session: accounts are not data, so caches stay valid. Returns a summary line when something was made."""
    made: list[str] = []
    with Session(engine) as session, auth_session(engine) as own:  # accounts in the database, the rest beside
        if get_setting(session, "database_kind") != "demo":
            return []
        existing = set(session.exec(select(m.AppUser.username)).all())
        shared_hash = None  # the password is public: one bcrypt run for all four keeps the build quick
        for username, role, station_name, display in DEMO_ACCOUNTS:
            if username in existing:
                continue
            station_id = None
            if station_name is not None:
                station_id = session.exec(select(m.Station.id).where(m.Station.name == station_name)).first()
                if station_id is None:
                    continue  # no such station in this database: no station account either
            shared_hash = shared_hash or hash_password(DEMO_PASSWORD)
            store.add_user(session, username=username, display_name=display, role=role, station_id=station_id,
                           password_hash=shared_hash)
            store.add_audit(own, username=None, role=None, client=DEMO_USER, action="用户管理", target=username,
                            detail={"操作": "新增演示账号", "角色": role})
            made.append(f"{username}（{role}{'·' + station_name if station_name else ''}）")
        session.commit()
        own.commit()
        kiosk_hash = token_hash(DEMO_KIOSK_TOKEN)
        if not store.has_kiosk_token(own, kiosk_hash):
            store.add_kiosk_token(own, token_hash=kiosk_hash, label=DEMO_KIOSK_LABEL)
            store.add_audit(own, username=None, role=None, client=DEMO_USER, action="用户管理",
                            target=DEMO_KIOSK_LABEL, detail={"操作": "新增大屏令牌"})
            own.commit()
            made.append(f"大屏令牌“{DEMO_KIOSK_LABEL}”")
    return [f"演示账号：{'、'.join(made)}（密码与令牌见 README）"] if made else []
