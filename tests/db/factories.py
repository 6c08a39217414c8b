"""Small databases built in code: one helper per table, sensible defaults, ids back for the next row."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlmodel import Session

from db.models import (
    AppSetting,
    Assignment,
    Business,
    BusinessDuty,
    Cadre,
    DutyCheck,
    Hazard,
    HazardReport,
    Kpi,
    KpiReading,
    MonthlySubmission,
    Problem,
    Sample,
    ScheduleMilestone,
    Station,
    StationProgress,
    StationTarget,
    TaskIndicator,
    TaskItem,
    Township,
    Visit,
    VisitRule,
)

D = dt.date


class Factory:
    """Adds rows to a session and flushes, so each helper returns a row with its id set."""

    def __init__(self, session: Session, *, year: int = 2022, is_demo: bool = False):
        self.s = session
        self.year = year
        self.is_demo = is_demo
        self._n = itertools.count(1)

    def _add(self, row):
        self.s.add(row)
        self.s.flush()
        return row

    # organisation
    def station(self, name: str, sort_order: int | None = None, **kw) -> Station:
        n = next(self._n)
        return self._add(
            Station(name=name, aliases=[], sort_order=n if sort_order is None else sort_order,
                    is_demo=kw.pop("is_demo", self.is_demo), **kw)
        )

    def township(self, name: str, station: Station) -> Township:
        return self._add(Township(name=name, station_id=station.id, is_demo=self.is_demo))

    # task lists
    def indicator(self, code: str, unit: str = "家", sort_order: int | None = None) -> TaskIndicator:
        n = next(self._n)
        return self._add(
            TaskIndicator(code=code, name=code, unit=unit, sort_order=n if sort_order is None else sort_order,
                          is_demo=self.is_demo)
        )

    def target(self, station: Station, indicator: TaskIndicator, target: float, *, year: int | None = None,
               is_demo: bool | None = None) -> StationTarget:
        return self._add(StationTarget(
            year=year or self.year, station_id=station.id, indicator_id=indicator.id, target=target,
            is_demo=self.is_demo if is_demo is None else is_demo))

    def progress(self, station: Station, indicator: TaskIndicator, month: int, cumulative: float, *,
                 year: int | None = None, is_demo: bool | None = None) -> StationProgress:
        return self._add(StationProgress(
            year=year or self.year, month=month, station_id=station.id, indicator_id=indicator.id,
            cumulative=cumulative, is_demo=self.is_demo if is_demo is None else is_demo))

    def item(self, station: Station, indicator: TaskIndicator, name: str, status: str = "计划", *,
             completed_date: dt.date | None = None, year: int | None = None) -> TaskItem:
        return self._add(TaskItem(
            year=year or self.year, station_id=station.id, indicator_id=indicator.id, name=name, status=status,
            completed_date=completed_date, is_demo=self.is_demo))

    def submission(self, station: Station, month: int, report_date: dt.date, *, kind: str = "任务进度",
                   year: int | None = None) -> MonthlySubmission:
        return self._add(MonthlySubmission(
            station_id=station.id, year=year or self.year, month=month, kind=kind, report_date=report_date,
            is_demo=self.is_demo))

    def milestone(self, row_order: int, start: dt.date, end: dt.date, *, status: str | None = None,
                  year: int | None = None) -> ScheduleMilestone:
        return self._add(ScheduleMilestone(
            year=year or self.year, row_order=row_order, time_text=f"{start}~{end}", start_date=start,
            end_date=end, focus=f"工作重点{row_order}", status=status, is_demo=self.is_demo))

    # 风险隐患排查整治
    def hazard_report(self, station: Station, month: int, found: int, rectified: int, *, checked: int = 50,
                      cases: int = 0, report_date: dt.date | None = None, year: int | None = None) -> HazardReport:
        year = year or self.year
        return self._add(HazardReport(
            year=year, month=month, station_id=station.id, entities_checked=checked, hazards_found=found,
            hazards_rectified=rectified, cases_opened=cases, report_date=report_date or dt.date(year, month, 20),
            is_demo=self.is_demo))

    def hazard(self, station: Station, found: dt.date, *, deadline: dt.date | None = None, status: str = "未整改",
               rectified: dt.date | None = None, business: Business | None = None, month: int | None = None,
               description: str = "隐患") -> Hazard:
        n = next(self._n)
        return self._add(Hazard(
            key=f"h{n}", year=found.year, month=month or found.month, station_id=station.id,
            business_name=business.name if business else f"主体{n}", business_id=business.id if business else None,
            description=description, found_date=found, deadline=deadline, status=status, rectified_date=rectified,
            is_demo=self.is_demo))

    # KPIs
    def kpi(self, name: str, target: float, *, unit: str = "%", direction: str = ">=", pacing: str = "level",
            baseline: float | None = None, due_date: dt.date | None = None, gauged: bool = True,
            computed_from: str | None = None, jurisdiction: str = "章丘区", year: int | None = None) -> Kpi:
        return self._add(Kpi(
            name=name, unit=unit, target=target, direction=direction, pacing=pacing, baseline=baseline,
            due_date=due_date, jurisdiction=jurisdiction, year=year or self.year, gauged=gauged,
            computed_from=computed_from, source_doc="测试", is_demo=self.is_demo))

    def reading(self, kpi: Kpi, month: int, value: float, *, numerator: float | None = None,
                denominator: float | None = None, year: int | None = None) -> KpiReading:
        return self._add(KpiReading(
            kpi_id=kpi.id, year=year or self.year, month=month, value=value, numerator=numerator,
            denominator=denominator, is_demo=self.is_demo))

    # 包保
    def business(self, name: str, station: Station, *, township: Township | None = None, sector: str = "餐饮",
                 tier: str = "C", risk_level: str = "B", status: str = "在营") -> Business:
        return self._add(Business(
            key=f"b{next(self._n)}|{name}", name=name, sector=sector, tier=tier, risk_level=risk_level,
            station_id=station.id, township_id=township.id if township else None, status=status,
            is_demo=self.is_demo))

    def cadre(self, name: str, level: str = "乡", station: Station | None = None) -> Cadre:
        return self._add(Cadre(key=f"c{next(self._n)}|{name}", name=name, level=level, unit="测试单位",
                               station_id=station.id if station else None, is_demo=self.is_demo))

    def assign(self, cadre: Cadre, business: Business, start: dt.date = D(2022, 1, 1),
               end: dt.date | None = None) -> Assignment:
        return self._add(Assignment(cadre_id=cadre.id, business_id=business.id, start_date=start, end_date=end,
                                    is_demo=self.is_demo))

    def visit(self, cadre: Cadre, business: Business, on: dt.date, method: str = "现场") -> Visit:
        return self._add(Visit(key=f"v{next(self._n)}", visit_date=on, cadre_id=cadre.id, business_id=business.id,
                               method=method, is_demo=self.is_demo))

    def problem(self, visit: Visit, *, deadline: dt.date | None = None, status: str = "待整改",
                closed: dt.date | None = None, description: str = "问题") -> Problem:
        return self._add(Problem(visit_id=visit.id, business_id=visit.business_id, found_date=visit.visit_date,
                                 seq=next(self._n), description=description, deadline=deadline, status=status,
                                 closed_date=closed, is_demo=self.is_demo))

    def problem_at(self, business: Business, on: dt.date, *, source: str = "执法", deadline: dt.date | None = None,
                   status: str = "待整改", closed: dt.date | None = None, description: str = "问题",
                   sample: Sample | None = None, outcome: str | None = None) -> Problem:
        """A problem found without a 包保 visit (执法, 抽检)."""
        return self._add(Problem(business_id=business.id, found_date=on, seq=next(self._n), description=description,
                                 deadline=deadline, status=status, closed_date=closed, source=source,
                                 sample_id=sample.id if sample else None, outcome=outcome, is_demo=self.is_demo))

    # 主体责任 and 抽检
    def duty(self, business: Business, *, director: str | None = None, officer: str | None = "安全员",
             trained: bool | None = True, assessed: bool | None = True) -> BusinessDuty:
        return self._add(BusinessDuty(business_id=business.id, director_name=director,
                                      director_trained=trained if director else None,
                                      director_assessed=assessed if director else None, officer_name=officer,
                                      officer_trained=trained if officer else None,
                                      officer_assessed=assessed if officer else None, is_demo=self.is_demo))

    def duty_check(self, business: Business, month: int, *, daily: bool | None = True, weekly: bool | None = True,
                   monthly: bool | None = True, source: str = "企业自查", visit: Visit | None = None) -> DutyCheck:
        return self._add(DutyCheck(business_id=business.id, year=self.year, month=month, daily=daily, weekly=weekly,
                                   monthly=monthly, source=source, visit_id=visit.id if visit else None,
                                   is_demo=self.is_demo))

    def sample(self, business: Business, on: dt.date, *, result: str = "合格", category: str = "粮食加工品",
               name: str = "小麦粉", kind: str = "监督抽检", failed_item: str | None = None,
               report_date: dt.date | None = None) -> Sample:
        n = next(self._n)
        return self._add(Sample(key=f"s{n}", code=f"CJ{n:06d}", sample_date=on, station_id=business.station_id,
                                business_name=business.name, business_id=business.id, category=category,
                                sample_name=name, kind=kind, result=result, report_date=report_date,
                                failed_item=failed_item, is_demo=self.is_demo))

    def rule(self, cadre_level: str = "*", tier: str = "*", risk_level: str = "*", *, min_visits: int = 1,
             onsite_required: bool = False) -> VisitRule:
        return self._add(VisitRule(cadre_level=cadre_level, tier=tier, risk_level=risk_level,
                                   min_visits=min_visits, onsite_required=onsite_required))

    def setting(self, key: str, value: str) -> AppSetting:
        return self._add(AppSetting(key=key, value=value))
