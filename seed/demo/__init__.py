"""The demo database: the bureau's real spreadsheets imported as they are, plus generated 示例 activity for 2022-01…10.

Everything generated here is flagged is_demo=True and invented from word lists and a fixed random seed: names,
codes, dates and figures never stand for a real business, person or report. Only the imported files are real.
"""

from __future__ import annotations

import random

from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.engine import analyze, get_setting, set_setting, write_session
from seed.demo.accounts import DEMO_ACCOUNTS, DEMO_KIOSK_LABEL, DEMO_KIOSK_TOKEN, DEMO_PASSWORD, demo_accounts
from seed.demo.base import configure, import_seed_files, seed_files
from seed.demo.builder import DemoBuilder
from seed.demo.context import Context, StationInfo, bulk_insert
from seed.demo.helpers import lineage, report_deadline, with_year
from seed.demo.vocab import (
    AS_OF,
    CADRE_COUNTS,
    DEFAULT_SEED,
    DEMO_KEY,
    DEMO_USER,
    DISTRICT,
    LEVEL_OF_TIER,
    MONTHS,
    N_BUSINESSES,
    YEAR,
    Progress,
)

__all__ = ["AS_OF", "CADRE_COUNTS", "DEFAULT_SEED", "DEMO_ACCOUNTS", "DEMO_KEY", "DEMO_KIOSK_LABEL", "DEMO_KIOSK_TOKEN",
           "DEMO_PASSWORD", "DEMO_USER", "DISTRICT", "LEVEL_OF_TIER", "MONTHS", "N_BUSINESSES", "YEAR", "Context",
           "DemoBuilder", "Progress", "StationInfo", "build_demo", "bulk_insert", "configure", "demo_accounts",
           "import_seed_files", "lineage", "report_deadline", "seed_files", "with_year"]


def build_demo(engine: Engine, *, seed: int = DEFAULT_SEED, progress: Progress | None = None) -> list[str]:
    """Import seed/data, then generate the 示例 activity once; a second run changes nothing. Returns summary lines."""
    say = progress or (lambda _s: None)
    say("导入种子文件…")
    lines = import_seed_files(engine, say=say)
    with Session(engine) as session:
        done = get_setting(session, DEMO_KEY)
    if done:
        return [*lines, *demo_accounts(engine), f"示例数据已存在（随机种子 {done}），未重复生成"]
    with write_session(engine) as session:
        lines += configure(session)
        ctx = Context.load(session)
        if not ctx.stations:
            raise RuntimeError("数据库中没有监管所，无法生成示例数据")
        builder = DemoBuilder(session, ctx, random.Random(seed), say)
        builder.run()
        set_setting(session, DEMO_KEY, str(seed), "示例数据已生成（值为随机种子）；再次生成前须新建数据库")
    lines += [f"{label}：{n}行" for label, n in builder.counts.items()]
    lines += builder.notes
    lines += demo_accounts(engine)
    analyze(engine)
    lines.append(f"示例数据已生成（随机种子 {seed}）")
    say("完成")
    return lines
