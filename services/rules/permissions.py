"""Who may do what, as data: the roles, the role × page matrix (issue: roles and accounts), and the checks every
service makes against a Viewer before it reads or writes. Pure: imports nothing of ours but the Viewer."""

from __future__ import annotations

from services.rules.viewer import NOBODY, Viewer

# --- the vocabulary of roles ----------------------------------------------------------------------

ROLES = ("领导", "食安办", "监管所", "管理员")  # db.models keeps the same words for its comments (a test holds them equal)
STATION_ROLE = "监管所"  # the one role bound to a station
KIOSK = "kiosk"  # the pseudo-role of a 大屏 opened with a kiosk token

# What the audit log records (AuditLog.action).
ACTIONS = ("登录", "登录失败", "退出", "导入", "撤销", "编辑", "导出", "用户管理", "解锁", "系统设置")

# --- permissions as data ------------------------------------------------------------------------

READ, ACT = "read", "act"
PAGES = ("总览", "包保督导", "任务清单", "小作坊", "工作要点", "指标", "地图", "年终考核", "数据导入", "导入记录", "数据填报", "上报监测",
         "会议材料", "系统设置", "用户管理", "审计日志", "大屏")
PRINCIPALS = (*ROLES, KIOSK)
VIEW_PAGES = ("总览", "包保督导", "任务清单", "小作坊", "工作要点", "指标", "地图")
# What a 监管所 account may import: its own station's rows of these kinds only.
STATION_IMPORT_KINDS = ("任务进度", "风险隐患")
# The rights the account functions check (ACT to change, READ to list).
USER_ADMIN, KIOSK_ADMIN, AUDIT_PAGE = "用户管理", "系统设置", "审计日志"


def _matrix() -> dict[tuple[str, str], str | None]:
    """The issue's table, row by row: (page, role) -> read / act / None. Scoping (own station) is station_scope."""
    rows: dict[str, tuple[str | None, ...]] = {  # 领导, 食安办, 监管所, 管理员, kiosk
        **{page: (READ, READ, READ, READ, None) for page in VIEW_PAGES},
        "年终考核": (READ, READ, None, READ, None),  # every station's score: the bureau's, not a station's
        "数据导入": (None, ACT, ACT, None, None),
        "导入记录": (READ, ACT, READ, READ, None),  # 食安办 may undo; 监管所 sees its own batches
        "数据填报": (None, ACT, ACT, None, None),
        "上报监测": (READ, READ, READ, READ, None),  # 监管所: its own station's rows only
        "会议材料": (ACT, ACT, None, None, None),
        "系统设置": (None, ACT, None, ACT, None),
        "用户管理": (None, None, None, ACT, None),
        "审计日志": (None, None, None, ACT, None),
        "大屏": (READ, READ, READ, READ, READ),
    }
    return {(page, who): level for page, levels in rows.items() for who, level in zip(PRINCIPALS, levels, strict=True)}


PERMISSIONS: dict[tuple[str, str], str | None] = _matrix()


def can(role: str | None, capability: str, action: str = READ) -> bool:
    """May this role see (read) or change (act) this page? Unknown roles, pages and actions may do nothing."""
    level = PERMISSIONS.get((capability, role or ""))
    if action == READ:
        return level in (READ, ACT)
    if action == ACT:
        return level == ACT
    return False


def roles_for(capability: str, action: str = READ) -> tuple[str, ...]:
    """The account roles that may see (read) or change (act) this page, in ROLES' order (the kiosk is no account)."""
    return tuple(role for role in ROLES if can(role, capability, action))


def allows(viewer: Viewer, capability: str, action: str = READ) -> bool:
    """May this viewer do it? The system may do everything; anyone else as its role may (NOBODY: nothing)."""
    return viewer.system or can(viewer.role, capability, action)


def require(viewer: Viewer, capability: str, action: str = READ) -> None:
    """Raise PermissionError (in Chinese) unless the viewer may do this; for services to call first."""
    if not allows(viewer, capability, action):
        verb = "查看" if action == READ else "操作"
        raise PermissionError(f"当前账号无权{verb}“{capability}”")


def require_account(viewer: Viewer, capability: str, action: str = ACT) -> None:
    """As require, but the system is refused too: a 数据填报 save, a web import and an undo are always some
    account's (its name goes on the batch and the audit row); the command line imports through seed/ itself."""
    require(NOBODY if viewer.system else viewer, capability, action)


def station_scope(viewer: Viewer) -> int | None:
    """The station a viewer's lists are limited to: a 监管所 account's own station; None = every station.

    A 监管所 account without a station is refused rather than shown everything."""
    if viewer.system or viewer.role != STATION_ROLE:
        return None
    if viewer.station_id is None:
        raise PermissionError("监管所账号未指定监管所，请联系管理员")
    return int(viewer.station_id)
