"""常住人口 (the population setting): what 监督抽检批次/千人 divides by. Default the district's stored population;
changed on 系统设置 (checked in Chinese, audited, data_version bumped so the cached figures are recomputed)."""

from __future__ import annotations

from sqlmodel import Session

from db import engine as dbe
from services import accounts
from services.metrics.oversight import population
from services.rules import oversight as rules
from services.rules.permissions import ACT, require
from services.rules.viewer import Viewer
from services.unit import unit_of_work

SETTINGS_PAGE = "系统设置"

__all__ = ["population", "save_population"]


@unit_of_work
def save_population(*, session: Session | None = None, viewer: Viewer, text: str | int) -> int:
    """Check and store the population (committed, audited as 系统设置). PermissionError for a role that may not act
    on 系统设置, ValueError in Chinese for a value that is not a whole number of residents; nothing is written on
    refusal."""
    require(viewer, SETTINGS_PAGE, ACT)
    new = rules.parse_population(text)
    old = population(session=session)
    dbe.set_setting(session, rules.POPULATION_KEY, str(new), rules.POPULATION_HELP)
    accounts.audit(session=session, viewer=viewer, action=SETTINGS_PAGE, target="常住人口",
                   detail={"原": "" if old is None else str(old), "新": str(new)})
    dbe.bump_data_version(session)  # 批次/千人 cached by data_version is recomputed with the new population
    session.commit()
    return new
