"""The server-side SVG charts: bars and points where the data puts them, labels escaped, an
accessible name on every chart, and something sensible for no data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from exchange.http import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def bars(svg: ET.Element) -> list[tuple[str, float]]:
    return [
        (group.get("data-label"), float(group.find(f"{SVG}rect").get("width")))
        for group in svg.iter(f"{SVG}g")
        if group.get("class") == "bar"
    ]


def points(svg: ET.Element) -> list[tuple[str, float, float]]:
    return [
        (circle.get("data-label"), float(circle.get("cx")), float(circle.get("cy")))
        for circle in svg.iter(f"{SVG}circle")
    ]


def test_each_bar_is_as_long_as_its_share_of_the_largest_value():
    svg = parse(
        charts.bar_chart(
            [("铜", Decimal("300.00")), ("锂电", Decimal("150.00")), ("钢铁", 0)],
            chart_id="c",
            title="成交额",
        )
    )
    drawn = bars(svg)
    assert [label for label, _ in drawn] == ["铜", "锂电", "钢铁"]
    longest = drawn[0][1]
    assert longest > 0
    assert drawn[1][1] == pytest.approx(longest / 2, abs=0.1)
    assert drawn[2][1] == 0


def test_each_bar_says_its_value_in_the_given_format():
    svg = parse(
        charts.bar_chart([("A", Decimal("1234.5"))], chart_id="c", title="t", fmt=lambda v: f"¥{v}")
    )
    texts = ["".join(text.itertext()) for text in svg.iter(f"{SVG}text")]
    assert "¥1234.5" in texts


def test_a_chart_is_an_image_named_by_its_title():
    svg = parse(charts.bar_chart([("A", 1)], chart_id="by-board", title="Value by board"))
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "Value by board"
    assert svg.get("id") == "by-board"
    assert svg.find(f"{SVG}title").text == "Value by board"


def test_line_points_rise_with_their_values_from_left_to_right():
    svg = parse(
        charts.line_chart(
            [("2026-01", 0), ("2026-02", Decimal("50")), ("2026-03", Decimal("100"))],
            chart_id="m",
            title="t",
        )
    )
    drawn = points(svg)
    assert [label for label, _, _ in drawn] == ["2026-01", "2026-02", "2026-03"]
    xs = [x for _, x, _ in drawn]
    ys = [y for _, _, y in drawn]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert ys[0] > ys[1] > ys[2]  # SVG's y grows downwards: larger values sit higher
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2], abs=0.1)
    polyline = svg.find(f"{SVG}polyline").get("points").split()
    assert len(polyline) == 3


def test_labels_and_titles_are_escaped():
    hostile = '<script>alert("x")</script> & Co'
    markup = str(charts.bar_chart([(hostile, 1)], chart_id="c", title=hostile))
    assert "<script>" not in markup
    svg = parse(markup)  # still well-formed XML
    assert svg.get("aria-label") == hostile
    assert bars(svg)[0][0] == hostile
    line = str(charts.line_chart([(hostile, 1)], chart_id="l", title="t"))
    assert "<script>" not in line
    assert points(parse(line))[0][0] == hostile


def test_no_data_draws_the_empty_message_only():
    for draw in (charts.bar_chart, charts.line_chart):
        svg = parse(draw([], chart_id="e", title="t", empty_text="本期无成交"))
        assert svg.get("role") == "img"
        assert bars(svg) == [] and points(svg) == []
        assert [t.text for t in svg.iter(f"{SVG}text")] == ["本期无成交"]


def test_all_zero_values_draw_flat_without_dividing_by_zero():
    svg = parse(charts.line_chart([("a", 0), ("b", 0)], chart_id="z", title="t"))
    assert len({y for _, _, y in points(svg)}) == 1
    assert [w for _, w in bars(parse(charts.bar_chart([("a", 0)], chart_id="z", title="t")))] == [0]


def test_a_negative_value_is_refused():
    with pytest.raises(ValueError):
        charts.bar_chart([("a", -1)], chart_id="n", title="t")


def test_a_long_label_is_clipped_with_an_ellipsis_but_kept_whole_in_its_tooltip():
    label = "江西省赣州市稀土集团有限公司数据服务中心"
    svg = parse(charts.bar_chart([(label, 1)], chart_id="c", title="t"))
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "bar")
    shown = group.find(f"{SVG}text").text
    assert shown.endswith("…") and len(shown) < len(label)
    assert group.find(f"{SVG}title").text.startswith(label)
