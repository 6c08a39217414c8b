"""Cell values as the bureau types them: NFKC, numbers stored as text, units, percentages, dates."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

UNITS = ("批次", "家", "次", "个", "户", "人", "项", "件", "起", "场", "所", "元", "万元")
_NUM_RE = re.compile(r"^([+-]?)(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)\s*(" + "|".join(UNITS) + r")?$")
_PCT_RE = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*%$")
_FRAC_RE = re.compile(r"^(\d+)\s*/\s*(\d+)$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class ValueProblem(ValueError):
    """A cell that cannot be read as what its column needs; the message is Chinese."""


class ExcelError(str):
    """An Excel error value (#DIV/0!, #N/A …) as the reader found it in a cell: not the text a clerk typed."""

    __slots__ = ()


# Every error value Excel and WPS show, with what it means to a clerk.
EXCEL_ERRORS: dict[str, str] = {
    "#DIV/0!": "除数为0",
    "#REF!": "公式引用的单元格已被删除或无效",
    "#N/A": "查找不到对应的值",
    "#VALUE!": "公式中的数据类型不对",
    "#NAME?": "公式中有无法识别的函数或名称",
    "#NUM!": "数值无效或超出范围",
    "#NULL!": "公式引用的区域没有交集",
    "#SPILL!": "动态数组的结果无法溢出到相邻单元格",
    "#CALC!": "公式无法计算",
    "#GETTING_DATA": "数据尚未加载完成",
}


def excel_error_message(code: str) -> str:
    meaning = EXCEL_ERRORS.get(code, "公式出错")
    return f"单元格是Excel错误值 {code}（{meaning}），请修正公式或改填数值"


def check_excel_error(value: object) -> None:
    """Raise the Chinese problem for an Excel error value, or for text that spells one (a CSV Excel saved)."""
    if isinstance(value, str) and value in EXCEL_ERRORS:
        raise ValueProblem(excel_error_message(str(value)))
    if isinstance(value, str) and value[:1] in ("#", "＃"):
        code = unicodedata.normalize("NFKC", value).strip().upper()
        if code in EXCEL_ERRORS:
            raise ValueProblem(excel_error_message(code))


# Characters no one sees: zero-width space / non-joiner / joiner, word joiner, BOM. Removed from every text that
# is compared (names, codes, headers, choices); NBSP (U+00A0, U+202F) and U+3000 are spaces to NFKC already.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_DROP_INVISIBLE = {ord(ch): None for ch in INVISIBLE}
_SPACES = {0x00A0: " ", 0x202F: " ", 0x3000: " ", **_DROP_INVISIBLE}


def clean_text(text: str) -> str:
    """Stored text as typed, without invisible characters, NBSPs as spaces and no spaces around it."""
    if text.isascii():
        return text.strip()
    return text.translate(_SPACES).strip()


# Names, units, methods and dates repeat down a register: each distinct text is normalised once (issue 8).
_TEXT_CACHE = 1 << 16


@functools.lru_cache(maxsize=_TEXT_CACHE)
def _normal_text(text: str) -> str:
    # str.split() and re's \s (str patterns) share one definition of whitespace (Py_UNICODE_ISSPACE), so this is
    # re.sub(r"\s+", " ", text).strip() without the regex.
    return " ".join(unicodedata.normalize("NFKC", text.translate(_DROP_INVISIBLE)).split())


@functools.lru_cache(maxsize=_TEXT_CACHE)
def _squashed_text(normal: str) -> str:
    return "".join(normal.split())


def nfkc(value: object) -> str:
    """Normalised text for matching and parsing (full-width digits, ％, U+3000, NBSP, newlines)."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value.isascii():  # NFKC leaves ASCII as it is; record numbers and codes need not fill the cache
            return " ".join(value.split())
        return _normal_text(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _normal_text(str(value))


def squash(value: object) -> str:
    """NFKC without any whitespace: the form header texts and names are compared in."""
    return _squashed_text(nfkc(value))


def display(value: object) -> str:
    """The original value as the user would recognise it in an error message."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if value.isascii():
        return not value.strip()
    # What NFKC turns into whitespace (NBSP, U+3000 …) is whitespace to strip() already, and it turns nothing else
    # into nothing (checked over every code point): only the invisible characters need dropping.
    return not value.translate(_DROP_INVISIBLE).strip()


def cjk_free(value: object) -> bool:
    """Not text, or text in ASCII: it cannot read as a Chinese word such as 合计 or 注：, whatever NFKC makes of it."""
    return not isinstance(value, str) or value.isascii()


def parse_number(value: object) -> tuple[float, bool]:
    """(number, was_text). Accepts numbers, text numbers, thousands separators and units like "5家"."""
    if isinstance(value, bool):
        raise ValueProblem("应为数字")
    if isinstance(value, (int, float)):
        return float(value), False
    text = nfkc(value).replace(" ", "")
    m = _NUM_RE.match(text)
    if not m:
        check_excel_error(value)
        if _PCT_RE.match(text):
            raise ValueProblem("此处应为数量，不能填百分数")
        raise ValueProblem("应为数字")
    number = float(m.group(2).replace(",", ""))
    return (-number if m.group(1) == "-" else number), True


def parse_count(value: object) -> tuple[int, bool]:
    """A non-negative whole number (targets, cumulative counts)."""
    number, was_text = parse_number(value)
    if number < 0:
        raise ValueProblem("不能为负数")
    if abs(number - round(number)) > 1e-9:
        raise ValueProblem("应为整数")
    return int(round(number)), was_text


def parse_float(value: object, *, allow_negative: bool = False) -> tuple[float, bool]:
    number, was_text = parse_number(value)
    if number < 0 and not allow_negative:
        raise ValueProblem("不能为负数")
    return number, was_text


RATE_ABOVE_100 = "比率不能超过100%"


def parse_rate(value: object) -> tuple[float, str | None]:
    """A fraction 0-1 from 0.95, "95%", "95.5％" or "2/3"; (fraction, warning). A number between 1 and 100 is read
    as a percentage (with a warning); above 100% or below 0 is a problem."""
    if isinstance(value, bool):
        raise ValueProblem("应为百分数")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = nfkc(value).replace(" ", "")
        m = _PCT_RE.match(text)
        if m:
            number = float(m.group(1)) / 100
            if number < 0:
                raise ValueProblem("不能为负数")
            if number > 1 + 1e-12:
                raise ValueProblem(RATE_ABOVE_100)
            return min(number, 1.0), None
        m = _FRAC_RE.match(text)
        if m:
            if int(m.group(2)) == 0:
                raise ValueProblem("分母不能为0")
            number = int(m.group(1)) / int(m.group(2))
            if number > 1:
                raise ValueProblem(RATE_ABOVE_100)
            return number, None
        number, _ = parse_number(text)
    if number != number:  # NaN
        raise ValueProblem("应为百分数")
    if number < 0:
        raise ValueProblem("不能为负数")
    if 1 < number <= 100:
        return number / 100, "大于1的数值已按百分数理解"
    if number > 100:
        raise ValueProblem(RATE_ABOVE_100)
    return number, None


def parse_target(value: object, unit: str) -> tuple[float, str | None]:
    """A KPI target or reading: a fraction when the unit is %, else a non-negative number."""
    if unit == "%":
        return parse_rate(value)
    number, was_text = parse_float(value)
    return number, None


_DATE_PATTERNS = (
    # 2023-03-05, 2023/3/5, 2023.3.5, 2023年3月5日 (号), with a time after it (0:00, 00:00:00) or not
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[ T]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),  # 20230305
)
_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")  # an Excel serial written as text (a CSV Excel saved)
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000  # 1954-10-03 .. 2119-01-10


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:  # an Excel serial date (1900 system)
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            value = str(int(value))
        else:
            raise ValueProblem("应为日期")
    return _parse_date_text(nfkc(value))


@functools.lru_cache(maxsize=4096)  # a register's dates repeat; a bad one raises each time (errors are not cached)
def _parse_date_text(normal: str) -> dt.date:
    text = normal.strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError as exc:
                raise ValueProblem("不是有效日期") from exc
    if _SERIAL_RE.match(text) and _SERIAL_MIN <= float(text) <= _SERIAL_MAX:
        return _EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    check_excel_error(text)
    raise ValueProblem("应为日期（如 2022-03-31 或 2022年3月31日）")


def parse_month(value: object) -> int:
    """1-12 from 10, "10", "10月", "2022年10月", "2022-10"."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.month
    text = nfkc(value).replace(" ", "")
    m = re.match(r"^(?:\d{4}[-/.年])?(\d{1,2})月?(?:份)?$", text)
    if m and 1 <= int(m.group(1)) <= 12:
        return int(m.group(1))
    if isinstance(value, float) and value.is_integer() and 1 <= value <= 12:
        return int(value)
    raise ValueProblem("月份应为1–12")


def parse_year(value: object) -> int:
    text = nfkc(value).replace(" ", "")
    m = re.match(r"^(\d{4})年?度?$", text)
    if m and 2000 <= int(m.group(1)) <= 2100:
        return int(m.group(1))
    raise ValueProblem("年度应为四位年份")


_TRUE = {"是", "在线", "y", "yes", "true", "1", "√", "有"}
_FALSE = {"否", "离线", "不在线", "n", "no", "false", "0", "×", "无"}


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = nfkc(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueProblem("应填“是”或“否”")


def parse_code(value: object) -> str:
    """A code column (信用代码, 许可证编号, 编号): text; a long number means Excel already lost digits."""
    if isinstance(value, float) and not value.is_integer():
        raise ValueProblem("编号被存为小数，请将该列设为文本后重新填写")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 1e15:
        raise ValueProblem("编号被存为数字，超过15位的部分已丢失，请将该列设为文本后重新填写")
    return nfkc(value).replace(" ", "").upper()


def unescape_text(value: object) -> object:
    """Strip the leading apostrophe our CSV exports put before = + - @ tab CR, full-width ＝＋－＠ included
    (formula-injection guard)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and (
        value[1] in "=+-@\t\r" or unicodedata.normalize("NFKC", value[1])[:1] in ("=", "+", "-", "@")
    ):
        return value[1:]
    return value
