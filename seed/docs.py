"""Renders the kind registry and the settings into the Markdown tables of the README (kept in sync by a test)."""

from __future__ import annotations

import re
from pathlib import Path

from db.settings import Settings
from seed.importer.kinds import KINDS

README = Path(__file__).resolve().parent.parent / "README.md"


def kinds_table() -> str:
    lines = ["| 类型 | 内容 | 表头（括号内为可识别的同义写法；* 为必填） | 自然键 | 可更新字段 |", "|---|---|---|---|---|"]
    for kind in KINDS.values():
        cols = []
        for col in kind.columns:
            text = col.label + ("*" if col.required else "")
            if col.synonyms:
                text += "（" + "/".join(col.synonyms[:4]) + "）"
            cols.append(text)
        if kind.layout == "wide":
            cols.append("每个指标一列（示范创建、新升级为食品生产企业、视频监管试点、抱团发展活动，或新指标）")
        lines.append(f"| {kind.name} | {kind.description} | {'；'.join(cols)} | {kind.key} | {kind.updatable} |")
    return "\n".join(lines)


def settings_table() -> str:
    lines = ["| 环境变量 | 默认值 | 说明 |", "|---|---|---|"]
    for env, default, help_text in Settings.documented():
        lines.append(f"| `{env}` | `{default}` | {help_text} |")
    return "\n".join(lines)


def render(text: str) -> str:
    for name, table in (("kinds", kinds_table()), ("settings", settings_table())):
        text = re.sub(
            rf"(<!-- {name}:begin -->\n)(?:.*?\n)?(<!-- {name}:end -->)",
            lambda mm, t=table: mm.group(1) + t + "\n" + mm.group(2),
            text,
            flags=re.S,
        )
    return text


if __name__ == "__main__":
    README.write_text(render(README.read_text(encoding="utf-8")), encoding="utf-8")
    print("README tables updated")
