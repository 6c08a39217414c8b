"""What every demo-like database starts with: the bureau's spreadsheets imported, the demo's settings and rules."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db import models as m
from db.engine import set_setting
from seed.demo.vocab import AS_OF, DEMO_USER, HIGH_RISK, REPORT_START, SEED_DIR, SEED_SUFFIXES, Progress
from seed.importer import import_paths
from services.rules.deadlines import START_RULE, START_SETTING


def seed_files(folder: Path = SEED_DIR) -> list[Path]:
    """The bureau's spreadsheets in seed/data, in a stable order (lock files and hidden files left out)."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in SEED_SUFFIXES and not p.name.startswith(("~$", ".")))



def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_seed_files(engine: Engine, *, files: list[Path] | None = None, say: Progress | None = None) -> list[str]:
    """Import the bureau's spreadsheets (real data, lineage to each file). Files already imported with the same
    content are skipped: the importer would parse them only to change nothing."""
    say = say or (lambda _s: None)
    files = seed_files() if files is None else files
    with Session(engine) as session:
        done = set(session.exec(select(m.ImportBatch.sha256).where(m.ImportBatch.status == "已导入")).all())
    todo = [p for p in files if _sha256(p) not in done]
    if not todo:
        return [f"种子文件{len(files)}个均已导入，内容未变，跳过导入"]
    say(f"导入种子文件{len(todo)}个：" + "、".join(p.name for p in todo))
    report = import_paths(todo, engine=engine, user=DEMO_USER)
    if report.exit_code != 0:
        lines = report.summary_lines() + [f.line() for f in report.errors]
        raise RuntimeError("种子文件导入失败：\n" + "\n".join(lines))
    return report.summary_lines()


def configure(session: Session) -> list[str]:
    """The demo database's clock and settings, and the default visit rules (configuration, not demo data)."""
    set_setting(session, "as_of", AS_OF.isoformat(), "演示库的“今天”")
    set_setting(session, "database_kind", "demo", "real = 正式库，demo = 演示库")
    set_setting(session, "high_risk_levels", ",".join(HIGH_RISK), "哪些风险等级算高风险（须现场督导）")
    set_setting(session, START_SETTING, REPORT_START, f"月报（风险隐患排查整治表）从哪个月起须按时上报（{START_RULE}）")
    if session.exec(select(m.VisitRule.id).limit(1)).first() is not None:
        return []
    # High-risk businesses need a 现场 visit through the high_risk_levels setting itself, not a rule row per level.
    session.add(m.VisitRule(cadre_level="*", tier="*", risk_level="*", period="quarter", min_visits=1,
                            onsite_required=False, note="各层级每季度至少督导1次"))
    session.flush()
    return ["督导规则：1条（默认配置；高风险主体须现场督导，按高风险等级设置）"]
