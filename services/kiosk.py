"""The 大屏's settings as the office keeps them (interval, panels, stale-report days) and the newest report date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import get_setting, set_setting
from db.models import MonthlySubmission
from services import accounts
from services.rules.permissions import ACT, require
from services.rules.viewer import Viewer
from services.unit import unit_of_work

# Stable panel ids (URL ?panels=…, stored settings, tests) and the titles shown on the screen.
PANELS: dict[str, str] = {
    "kpi": "重点指标",
    "tasks": "任务清单进度",
    "baobao": "包保督导",
    "map": "监管所地图",
    "duban": "督办清单",
}
PANEL_IDS = tuple(PANELS)
MIN_INTERVAL = 3  # seconds: a faster carousel cannot be read, and each rotation queries the database
MAX_INTERVAL = 3600
DEFAULT_INTERVAL = 20
DEFAULT_STALE_DAYS = 35  # a month's report plus a few days' grace
MAX_STALE_DAYS = 366
SETTINGS_PAGE = "系统设置"  # the capability (services.rules.permissions) that may change these
AUDIT_ACTION = "系统设置"

# app_setting keys, with the help text stored beside each value.
KEYS = {
    "interval": ("kiosk_interval", "大屏轮播间隔（秒，最少3秒）"),
    "panels": ("kiosk_panels", "大屏轮播的面板及顺序（逗号分隔：kpi,tasks,baobao,map,duban）"),
    "stale_days": ("kiosk_stale_days", "最新月报早于“数据截至”日期多少天时大屏显示提醒"),
}


@dataclass(frozen=True)
class KioskSettings:
    interval: int = DEFAULT_INTERVAL
    panels: tuple[str, ...] = PANEL_IDS
    stale_days: int = DEFAULT_STALE_DAYS


def _int(raw: str | None, default: int, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def panel_list(ids: Iterable[str]) -> tuple[str, ...]:
    """Known panel ids in the given order, each once."""
    return tuple(dict.fromkeys(i for i in ids if i in PANELS))


@unit_of_work
def kiosk_settings(*, session: Session | None = None) -> KioskSettings:
    """What the office set; a missing or damaged value falls back to its default (a screen must never stop)."""
    raw_panels = get_setting(session, KEYS["panels"][0])
    panels = panel_list((raw_panels or "").split(",")) or PANEL_IDS
    return KioskSettings(
        interval=_int(get_setting(session, KEYS["interval"][0]), DEFAULT_INTERVAL, MIN_INTERVAL, MAX_INTERVAL),
        panels=panels,
        stale_days=_int(get_setting(session, KEYS["stale_days"][0]), DEFAULT_STALE_DAYS, 1, MAX_STALE_DAYS),
    )


def validate(*, interval: int, panels: Iterable[str], stale_days: int) -> KioskSettings:
    """The settings as given, or ValueError (in Chinese) saying what is wrong."""
    panels = list(panels)
    unknown = [p for p in panels if p not in PANELS]
    if unknown:
        raise ValueError(f"未知的大屏面板：{'、'.join(map(str, unknown))}（可选：{'、'.join(PANEL_IDS)}）")
    if not panels:
        raise ValueError("大屏至少要轮播一个面板")
    if len(set(panels)) != len(panels):
        raise ValueError("大屏面板不能重复")
    if isinstance(interval, bool) or not isinstance(interval, int) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise ValueError(f"轮播间隔须为{MIN_INTERVAL}–{MAX_INTERVAL}秒之间的整数")
    if isinstance(stale_days, bool) or not isinstance(stale_days, int) or not 1 <= stale_days <= MAX_STALE_DAYS:
        raise ValueError(f"月报滞后提醒天数须为1–{MAX_STALE_DAYS}之间的整数")
    return KioskSettings(interval=interval, panels=tuple(panels), stale_days=stale_days)


@unit_of_work
def save_kiosk_settings(*, session: Session | None = None, viewer: Viewer, interval: int, panels: Iterable[str],
                        stale_days: int) -> KioskSettings:
    """Store the kiosk settings (committed, audited as 系统设置). PermissionError for a viewer whose role may not
    act on 系统设置 (the system may); ValueError for bad values. Nothing is written on refusal.

    A plain commit, not a write_session: settings are not data, so cached figures stay valid; the kiosk reads
    its settings afresh on every rotation."""
    require(viewer, SETTINGS_PAGE, ACT)
    new = validate(interval=interval, panels=panels, stale_days=stale_days)
    old = kiosk_settings(session=session)
    values = {"interval": str(new.interval), "panels": ",".join(new.panels), "stale_days": str(new.stale_days)}
    for name, value in values.items():
        key, help_text = KEYS[name]
        set_setting(session, key, value, help_text)
    accounts.audit(session=session, viewer=viewer, action=AUDIT_ACTION, target="大屏", detail={
        "轮播间隔（秒）": f"{old.interval}→{new.interval}",
        "面板": f"{','.join(old.panels)}→{','.join(new.panels)}",
        "月报滞后提醒（天）": f"{old.stale_days}→{new.stale_days}",
    })
    session.commit()
    return new


@unit_of_work
def latest_report_date(*, session: Session | None = None) -> dt.date | None:
    """The newest date a monthly report reached the office (any station, any kind); None before the first."""
    return session.exec(select(func.max(MonthlySubmission.report_date))).one()


def stale(latest: dt.date | None, *, as_of: dt.date, days: int) -> bool:
    """Is the newest report older than `days` days before the as-of date (or is there none)?"""
    return latest is None or latest < as_of - dt.timedelta(days=days)
