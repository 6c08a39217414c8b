"""The demo's 工作要点 and 配档表 statuses (DemoBuilder): 示例 monthly recorded statuses of 章丘区's own 2022 plan
(seeds/004: its six 重点任务) and of its 配档表 rows, with progress notes and delay reasons that fit each task's kind.

The other districts' plans (seeds/000–003) stay reference plans under their own jurisdiction and year: nothing here
copies them into 章丘's year."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlmodel import Session, select

from db import models as m
from seed.demo.context import Context
from seed.demo.helpers import lineage
from seed.demo.vocab import AS_OF, DELAY_REASONS, DISTRICT, MONTHS, PROGRESS_NOTES, WORK_KIND_WORDS, YEAR
from services.rules import plan_status

DONE, IN_PROGRESS, NOT_STARTED, DELAYED = (plan_status.DONE, plan_status.IN_PROGRESS, plan_status.NOT_STARTED,
                                          plan_status.DELAYED)
# Until issue 15 the demo drew the statuses of 示例 copies of the reference plans from the builder's random stream:
# one draw sequence per reference task, choosing among 6 reasons and 8 notes. The same draws are still taken (and
# thrown away) so that every row drawn after them (KPIs, hazards) stays exactly as it was.
LEGACY_REASONS, LEGACY_NOTES = range(6), range(8)


ONGOING_WORDS = ("常态化", "长效", "长期坚持", "持续推进")


def work_kind(text: str) -> str:
    """The kind of work a task or 配档表 row is (video / meeting / partner / inspection / upgrade / general), by the
    first kind whose words appear in its text (vocab.WORK_KIND_WORDS, in order)."""
    for kind, words in WORK_KIND_WORDS:
        if any(w in text for w in words):
            return kind
    return "general"


def _month(d: dt.date) -> int:
    return d.month if d.year == YEAR else (1 if d.year < YEAR else 13)


class PlansMixin:
    """Statuses of the own plan's tasks and of the 配档表; a part of DemoBuilder."""

    s: Session
    ctx: Context
    rng: random.Random
    notes: list[str]


    def plans(self) -> None:
        self._legacy_draws(sum(len(ts) for ts in self.ctx.plan_tasks.values()))
        # Our own stream, seeded from the builder's state without drawing from it.
        rng = random.Random(repr(self.rng.getstate()[1]))  # a str seed: hashed with sha512, the same everywhere
        own = self.s.exec(select(m.PlanDocument).where(
            m.PlanDocument.year == YEAR, m.PlanDocument.is_reference.is_(False),
            m.PlanDocument.jurisdiction == DISTRICT).order_by(m.PlanDocument.id)).all()
        tasks = self.s.exec(select(m.PlanTask).where(m.PlanTask.plan_id.in_([p.id for p in own]))
                            .order_by(m.PlanTask.plan_id, m.PlanTask.number)).all()
        phases = {ph.id: ph for ph in self.s.exec(select(m.PlanPhase)).all()}
        rows: list[dict[str, Any]] = []
        for t in tasks:
            phase = phases.get(t.phase_id)
            start = phase.start_date if phase else dt.date(YEAR, 1, 1)
            end = t.deadline or dt.date(YEAR, 12, 31)
            # Ongoing work (常态化监管, 长效机制) is never recorded 已完成 or 已延期: it runs 进行中 all year.
            ongoing = any(w in t.title for w in ONGOING_WORDS)
            rows += [{"task_id": t.id, **r} for r in self._statuses(rng, f"{t.title}{t.text}", start, end,
                                                                     ongoing=ongoing)]
        self.insert(m.PlanTaskStatus, rows, "工作要点进展")
        milestones = self.s.exec(select(m.ScheduleMilestone).where(m.ScheduleMilestone.year == YEAR)
                                 .order_by(m.ScheduleMilestone.row_order)).all()
        ended = [r for r in milestones if r.end_date < AS_OF and r.row_order > 2]
        late = rng.choice(ended).row_order if ended else None  # one ended window left undone: 逾期未完成
        rows = []
        for r in milestones:
            kind_text = r.focus  # the 工作重点 says what the row is; its 推进措施 mention meetings and training alike
            finish = r.row_order != late if r.end_date < AS_OF else None
            rows += [{"milestone_id": r.id, **x} for x in self._statuses(rng, kind_text, r.start_date, r.end_date,
                                                                          finish=finish)]
        self.insert(m.ScheduleStatus, rows, "配档表进展")
        if late is not None:
            self.notes.append(f"配档表第{late}行故意未完成（窗口已过：逾期未完成）")

    def _statuses(self, rng: random.Random, text: str, start: dt.date, end: dt.date,
                  finish: bool | None = None, ongoing: bool = False) -> list[dict[str, Any]]:
        """Monthly recorded statuses from the start's month through AS_OF: 进行中 in the window, then 已完成 (in
        its last month or the next) — or 已延期 with a reason of the task's kind. `finish` None lets the draw decide:
        a window still open is done early now and then, or delayed."""
        kind = work_kind(text)
        first, last = _month(start), _month(end)
        if finish is None:
            finish = end < AS_OF or rng.random() < 0.2
        done_month = (min(last, 12) if end < AS_OF else rng.randint(min(first + 3, AS_OF.month), AS_OF.month)) \
            if finish else None
        if done_month is not None and end < AS_OF and rng.random() < 0.3:
            done_month = min(done_month + 1, AS_OF.month)
        if ongoing:
            finish, done_month = False, None
        delayed_from = None
        if not finish and not ongoing:
            delayed_from = min(last + 1, AS_OF.month) if end < AS_OF else (
                rng.randint(min(first + 3, AS_OF.month), AS_OF.month) if rng.random() < 0.4 else None)
        reason = rng.choice(DELAY_REASONS[kind])
        stages, stage = PROGRESS_NOTES[kind], 0
        out = []
        for mo in MONTHS:
            if mo < first:
                continue
            if done_month is not None and mo >= done_month:
                status, notes, why = DONE, "已按计划完成", None
            elif delayed_from is not None and mo >= delayed_from:
                status, notes, why = DELAYED, stages[stage], reason
            else:
                status, notes, why = IN_PROGRESS, stages[stage], None
                if stage + 1 < len(stages) and rng.random() < 0.35:
                    stage += 1  # the work moves on; its note never goes back
            out.append(lineage(year=YEAR, month=mo, status=status, delay_reason=why, notes=notes))
        return out

    def _legacy_draws(self, n_tasks: int) -> None:
        """The draws the demo took before issue 15 for its 示例 copies of the reference plans, taken and dropped."""
        rng = self.rng
        for _ in range(n_tasks):
            u = rng.random()
            start = rng.randint(1, 3) if u < 0.7 else (rng.randint(4, 6) if u < 0.95 else 99)
            delayed_from = rng.randint(max(start + 1, 5), 10) if start <= 9 and rng.random() < 0.12 else None
            done = None
            if delayed_from is None and start <= 8 and rng.random() < 0.38:
                done = rng.randint(start + 2, 10)
            if delayed_from:
                rng.choice(LEGACY_REASONS)
            rng.choice(LEGACY_NOTES)
            for mo in MONTHS:
                if mo < start or (delayed_from and mo >= delayed_from) or (done and mo >= done):
                    continue
                if rng.random() < 0.25:
                    rng.choice(LEGACY_NOTES)
