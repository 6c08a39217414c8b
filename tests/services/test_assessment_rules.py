"""年终督导考核's rules: the setting's text, points, the total over the parts that apply, 表彰 and 批评."""

import pytest

from services.rules import assessment as rules


def test_the_default_weights_sum_to_100_and_read_back_from_their_text():
    text = rules.weights_text(rules.DEFAULT)
    assert text == "任务清单=40；两个档案=10；十个管理规范=10；第三方评价=10；黑窝点摸排=10；按时上报=20；表彰线=85；表彰名额=3；批评线=60"
    assert rules.parse_weights(text) == rules.DEFAULT
    assert rules.parse_weights("") == rules.DEFAULT


def test_a_clerk_may_write_the_setting_with_full_width_signs_and_change_a_line():
    w = rules.parse_weights("任务清单＝50，两个档案=10;十个管理规范=10；第三方评价=10；黑窝点摸排=0；按时上报=20；批评线=50")
    assert (w.tasks, w.sweeps, w.criticise_line, w.praise_line) == (50, 0, 50, 85)


@pytest.mark.parametrize(("text", "message"), [
    ("任务清单=50", "各项权重之和应为100，现为110"),
    ("任务=40", "无法识别“任务=40”"),
    ("任务清单=四十", "“任务清单”的值“四十”不是数字"),
    ("任务清单=-10；按时上报=70", "“任务清单”不能为负数"),
    ("批评线=90", "批评线不能高于表彰线"),
    ("表彰线=120", "“表彰线”应在0到100之间"),
])
def test_a_setting_that_does_not_hold_is_refused_in_chinese(text, message):
    with pytest.raises(ValueError, match=message):
        rules.parse_weights(text)


def test_a_part_that_does_not_apply_is_left_out_of_the_total():
    w = rules.DEFAULT
    scores = {"tasks": rules.points(0.5, w.tasks), "archives": rules.points(1.0, w.archives),
              "norms": rules.points(None, w.norms), "reviews": rules.points(None, w.reviews),
              "sweeps": rules.points(1.2, w.sweeps), "timeliness": rules.points(0.75, w.timeliness)}
    assert scores["sweeps"] == 10  # a rate over 1 is clipped
    # (20 + 10 + 10 + 15) of the 80 points that applied
    assert rules.total(scores, w) == round(55 / 80 * 100, 1) == 68.8
    assert rules.total({k: None for k in scores}, w) is None


def test_the_sweep_rate_rewards_sweeping_and_handling():
    assert rules.sweep_rate(swept=10, found=4, handled=3) == 0.75
    assert rules.sweep_rate(swept=10, found=0, handled=0) == 1.0
    assert rules.sweep_rate(swept=0, found=0, handled=0) == 0.0


def test_praise_goes_to_the_best_above_the_line_and_criticism_to_every_one_below_its_line():
    w = rules.DEFAULT  # 表彰线 85, 3 places; 批评线 60
    totals = [92.0, 88.0, 88.0, 86.0, 70.0, 59.9, None, 40.0]
    assert rules.verdicts(totals, w) == ["表彰", "表彰", "表彰", "", "", "批评", "", "批评"]
    # a tie at the last place shares it
    assert rules.verdicts([90.0, 87.0, 86.0, 86.0], w) == ["表彰", "表彰", "表彰", "表彰"]
    assert rules.verdicts([84.9, 80.0], w) == ["", ""]


def test_a_total_on_a_line_is_on_it():
    """Points that add up to 60.0 as shown are 60.0, not 59.99999999999999 (批评 is below the line, not on it)."""
    w = rules.Weights()
    scores = dict(zip(rules.PARTS, (29.0, 2.4, 8.2, 7.8, 6.3, 6.3), strict=True))
    assert sum(scores.values()) < 60 and rules.total(scores, w) == 60.0
    assert rules.verdicts([60.0], w) == [""]
