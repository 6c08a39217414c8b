"""包保督导's lists: not visited, overdue (督办), found by others, a cadre's businesses. Each is checked against the
viewer (services.access) and shown with its count, table and download; a refusal takes the list's place."""

from __future__ import annotations

import streamlit as st

from components import data, views
from services import access, metrics
from services import baobao_view as bv
from services.rules import fmt


def listing(fn, **kwargs):
    """A list checked against the viewer (services.access); a refusal takes the list's place, and its download's."""
    try:
        return data.listing(fn, **kwargs)
    except PermissionError as e:
        st.error(fmt.md_escape(str(e)))
        return None


def _count(rows, many: str, all_: str) -> str:
    n = len(rows)
    return many.format(n=n) if rows.attrs.get("truncated") else all_.format(n=n)


def not_visited(kw: dict, label: str) -> None:
    nv = listing(access.not_visited, **kw)
    if nv is None:
        return
    st.caption(_count(nv, "超过{n}个主体本季度尚未督导（仅列出前{n}个）", "共{n}个主体本季度尚未督导"))
    st.caption(bv.NOT_VISITED_NOTE)
    view = bv.not_visited_rows(nv)
    st.dataframe(view, hide_index=True, key="bb-not-visited", height=360)
    views.download(view, label="下载（Excel）", file_name=f"本季度未督导主体_{label}.xlsx", key="dl-not-visited")


def overdue(kw: dict, label: str) -> None:
    od = listing(access.overdue_problems, **kw)
    if od is None:
        return
    st.caption(_count(od, "超过{n}个问题逾期未整改（仅列出前{n}个）", "共{n}个问题逾期未整改"))
    st.caption("执法、抽检等无督导记录的问题，由包保该主体的干部督促整改。")
    view = bv.overdue_rows(od)
    st.dataframe(view, hide_index=True, key="bb-overdue", height=360)
    views.download(view, label="下载（Excel）", file_name=f"逾期未整改问题_{label}.xlsx", key="dl-overdue")


def others(kw: dict, label: str, *, own: int | None) -> None:
    """其他渠道发现的问题: the counts by source (for the station in view, or the account's own), a source filter and
    the list, overdue first."""
    counts = data.cached(metrics.others_problem_counts, **{**kw, "station_id": kw["station_id"] or own})
    st.caption(f"{bv.others_caption(counts)}。{bv.OTHERS_NOTE}")
    sources = counts.loc[counts["n"] > 0, "source"].tolist()
    source = st.selectbox("问题来源", sources, index=None, placeholder="请选择问题来源（不选则列出全部）",
                          key="bb_others_source")
    rows = listing(access.others_problems, **kw, source=source)
    if rows is None:
        return
    if rows.attrs.get("truncated"):
        st.caption(f"仅列出前{len(rows)}项")
    view = bv.others_rows(rows)
    st.dataframe(view, hide_index=True, key="bb-others", height=360)
    views.download(view, label="下载（Excel）", file_name=f"其他渠道发现的问题_{label}.xlsx", key="dl-others")


def cadre(kw: dict, *, kind: str, period) -> None:
    """按干部查看: pick a cadre; their businesses with this quarter's visits, then the problems others found there."""
    cadres = listing(access.cadres, station_id=kw["station_id"])
    if cadres is None:
        return
    if cadres.empty:
        st.caption("无包保干部。")
        return
    labels = bv.cadre_labels(cadres, kind)
    pick = st.selectbox("包保干部", range(len(labels)), format_func=lambda i: labels[i], placeholder="请选择",
                        key="bb_cadre")
    pick = pick if pick is not None and pick < len(labels) else 0
    cadre_id = int(cadres.iloc[pick]["cadre_id"])
    detail = listing(access.cadre_detail, cadre_id=cadre_id, year=period.year, month=period.month,
                     as_of=period.as_of)
    if detail is None:
        return
    st.dataframe(bv.cadre_detail_rows(detail), hide_index=True, key="bb-cadre-detail")
    if detail.attrs.get("n_hidden"):
        st.caption(f"该干部另包保其他监管所主体{detail.attrs['n_hidden']}个，监管所账号不列出。")
    found = listing(access.others_problems, year=period.year, month=period.month, as_of=period.as_of,
                    station_id=data.own_station(), cadre_id=cadre_id)
    if found is not None and not found.empty:
        st.caption(f"其他渠道在该干部包保主体发现的问题（今年以来）：共{len(found)}项，逾期未整改"
                   f"{int((found['shown'] == '逾期').sum())}项")
        st.dataframe(bv.others_rows(found).drop(columns=["包保干部", "干部层级"]), hide_index=True,
                     key="bb-cadre-others")
