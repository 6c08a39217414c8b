"""年终督导考核 (seeds/004 三(三) and 四(三)): the parts of a station's score, their default weights, the lines for
通报表彰 and 通报批评, and how a part's rate becomes points. Pure functions; the figures come from services.assessment.

The default (documented in docs/小作坊指标.md, changeable on 系统设置 as one setting):

| part | weight | rate |
|---|---|---|
| 任务清单 | 40 | mean over the station's 任务项 with a target of min(累计完成 ÷ 目标, 1) |
| 两个档案 | 10 | 两个档案都已建 ÷ 在册小作坊 |
| 十个管理规范 | 10 | 达标项 ÷ 已评项 |
| 第三方评价 | 10 | (冷链 + 高风险 evaluated in the year) ÷ (冷链 + 高风险), each list counted on its own |
| 黑窝点摸排 | 10 | 查处/取缔/移交 ÷ found; 1 when places were swept and none found; 0 when none was swept |
| 按时上报 | 20 | reports in by the deadline ÷ reports due (月报 and 进度填报) |

A part that does not apply to a station (no 小作坊, no 冷链 or 高风险 list, no target) scores nothing and is left out:
the total is the points scored ÷ the weights that applied × 100, so a station is never marked down for what it does
not have. 表彰: the best stations at or above the 表彰线 (at most 表彰名额 of them); 批评: every station below the
批评线; a reason names the parts that earned or lost the points."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace

from services.rules import fmt

PRAISE, CRITICISE = "表彰", "批评"


@dataclass(frozen=True)
class Weights:
    tasks: float = 40
    archives: float = 10
    norms: float = 10
    reviews: float = 10
    sweeps: float = 10
    timeliness: float = 20
    praise_line: float = 85  # 表彰线 (total, of 100)
    praise_max: int = 3  # 表彰名额
    criticise_line: float = 60  # 批评线


# part field → (label in the setting and the tables, the rate's name in a reason)
PARTS: dict[str, tuple[str, str]] = {
    "tasks": ("任务清单", "任务清单完成率"),
    "archives": ("两个档案", "两个档案建档率"),
    "norms": ("十个管理规范", "十个管理规范达标率"),
    "reviews": ("第三方评价", "冷链和高风险小作坊第三方评价覆盖率"),
    "sweeps": ("黑窝点摸排", "无证黑窝点查处率"),
    "timeliness": ("按时上报", "按时上报率"),
}
LINES: dict[str, str] = {"praise_line": "表彰线", "praise_max": "表彰名额", "criticise_line": "批评线"}
DEFAULT = Weights()
SETTING_KEY = "assessment_weights"
SETTING_HELP = "年终督导考核的权重与表彰线、批评线"


def weights_text(w: Weights) -> str:
    """The setting as a clerk reads and writes it: "任务清单=40；两个档案=10；…；表彰线=85；表彰名额=3；批评线=60"."""
    names = {**{k: v[0] for k, v in PARTS.items()}, **LINES}
    return "；".join(f"{names[f.name]}={_number(getattr(w, f.name))}" for f in fields(Weights))


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def parse_weights(text: str | None) -> Weights:
    """The setting's text back to Weights; blank → DEFAULT. ValueError in Chinese for an unknown name, a value that
    is not a number, a negative weight, weights that do not sum to 100, or lines outside 0–100."""
    if not text or not text.strip():
        return DEFAULT
    by_label = {**{v[0]: k for k, v in PARTS.items()}, **{v: k for k, v in LINES.items()}}
    values: dict[str, float] = {}
    for part in re.split(r"[；;，,\n]+", text.strip()):
        if not part.strip():
            continue
        name, sep, value = part.partition("=") if "=" in part else part.partition("＝")
        name = name.strip()
        if not sep or name not in by_label:
            raise ValueError(f"无法识别“{part.strip()}”：应写作“名称=数值”，名称为{'、'.join(by_label)}之一")
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueError(f"“{name}”的值“{value.strip()}”不是数字") from None
        if number < 0 or math.isnan(number):
            raise ValueError(f"“{name}”不能为负数")
        values[by_label[name]] = number
    w = replace(DEFAULT, **{k: (int(v) if k == "praise_max" else v) for k, v in values.items()})
    total = sum(getattr(w, k) for k in PARTS)
    if abs(total - 100) > 1e-9:
        raise ValueError(f"各项权重之和应为100，现为{_number(round(total, 6))}")
    for k in ("praise_line", "criticise_line"):
        if not 0 <= getattr(w, k) <= 100:
            raise ValueError(f"“{LINES[k]}”应在0到100之间")
    if w.criticise_line > w.praise_line:
        raise ValueError("批评线不能高于表彰线")
    return w


def points(rate: float | None, weight: float) -> float | None:
    """A part's points: its rate (clipped to 0–1) × its weight, to one decimal (四舍五入), as the table shows them,
    so that the total is the sum of the points shown; None when the part does not apply."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return None
    return fmt.round_half_up(max(0.0, min(1.0, float(rate))) * weight, 1)


def total(scores: dict[str, float | None], w: Weights) -> float | None:
    """Points scored ÷ the weights of the parts that applied × 100, to 0.1 (None when none applied)."""
    applied = [k for k, v in scores.items() if v is not None]
    weight = sum(getattr(w, k) for k in applied)
    if not weight:
        return None
    # to 0.1 as shown, so a line is judged on the total people read (29.0+2.4+8.2+7.8+6.3+6.3 is 59.99999999999999)
    return fmt.round_half_up(sum(scores[k] for k in applied) / weight * 100, 1)  # type: ignore[misc]


def sweep_rate(swept: int, found: int, handled: int) -> float:
    """查处/取缔/移交 ÷ found; a station that swept and found nothing did its part (1); one that swept nothing, 0."""
    if found:
        return handled / found
    return 1.0 if swept else 0.0


def verdicts(totals: list[float | None], w: Weights) -> list[str]:
    """表彰 for the best (at most praise_max, ties at the last place included) at or above the praise line; 批评 for
    every total below the criticise line; "" otherwise. `totals` in any order; the result in the same order."""
    ranked = sorted((t for t in totals if t is not None and t >= w.praise_line), reverse=True)
    cut = ranked[w.praise_max - 1] if len(ranked) >= w.praise_max and w.praise_max > 0 else (
        ranked[-1] if ranked and w.praise_max > 0 else None)
    out = []
    for t in totals:
        if t is not None and cut is not None and t >= cut and t >= w.praise_line:
            out.append(PRAISE)
        elif t is not None and t < w.criticise_line:
            out.append(CRITICISE)
        else:
            out.append("")
    return out
