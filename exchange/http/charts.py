"""Bar and line charts drawn as inline SVG on the server: no JavaScript, no CDN (the exchange
runs offline). Pure: plain values in, escaped markup out. Each chart is an image to assistive
technology (role="img", an aria-label and a <title>); the page puts the same numbers in a
table right after it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | Decimal
Format = Callable[[Number], str]

ROW = 26  # height of one horizontal bar's row
LABEL_WIDTH = 190  # room for a bar's label at the left
VALUE_ROOM = 120  # room for the value written after the longest bar
WIDTH = 640
PLOT_HEIGHT = 180  # the line chart's plotting area
MARGIN = 12
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _check(points: Sequence[tuple[str, Number]]) -> list[tuple[str, Number]]:
    found = list(points)
    for label, value in found:
        if value < 0:
            raise ValueError(f"a chart shows amounts and counts, not {value} ({label})")
    return found


def _coordinate(value: float) -> str:
    """An SVG coordinate to a tenth of a pixel, without a trailing '.0'."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _width_of(text: str) -> int:
    """Roughly how many pixels a label takes: wide (CJK) characters count double."""
    return sum(12 if unicodedata.east_asian_width(c) in "WF" else 7 for c in text)


def clip(text: str, pixels: int) -> str:
    """The text shortened with an ellipsis to fit in about `pixels`."""
    if _width_of(text) <= pixels:
        return text
    kept = ""
    for character in text:
        if _width_of(kept + character + "…") > pixels:
            break
        kept += character
    return kept + "…"


def _open(chart_id: str, title: str, width: int, height: int) -> str:
    label = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-label="{label}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" {FONT}>'
        f"<title>{label}</title>"
    )


def _empty(chart_id: str, title: str, empty_text: str) -> Markup:
    height = 2 * ROW
    return Markup(
        _open(chart_id, title, WIDTH, height)
        + f'<text class="chart-empty" x="{WIDTH // 2}" y="{ROW + 4}" text-anchor="middle" '
        f'fill="#6c757d">{escape(empty_text)}</text></svg>'
    )


def bar_chart(
    points: Sequence[tuple[str, Number]],
    *,
    chart_id: str,
    title: str,
    fmt: Format = str,
    empty_text: str = "",
) -> Markup:
    """Horizontal bars, one per (label, value), longest for the largest value, each labelled
    and with its formatted value; `empty_text` alone when there is nothing to draw."""
    rows = _check(points)
    if not rows:
        return _empty(chart_id, title, empty_text)
    largest = max(float(value) for _, value in rows) or 1.0
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    height = ROW * len(rows) + MARGIN
    parts = [_open(chart_id, title, WIDTH, height)]
    for n, (label, value) in enumerate(rows):
        top = MARGIN // 2 + n * ROW
        length = room * float(value) / largest
        shown = escape(fmt(value))
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-value="{escape(str(value))}">'
            f"<title>{escape(label)}: {shown}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{top + ROW // 2 + 4}" text-anchor="end" '
            f'fill="#212529">{escape(clip(label, LABEL_WIDTH - 12))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{top + 4}" width="{_coordinate(length)}" '
            f'height="{ROW - 8}" rx="2" fill="#1f6f8b"/>'
            f'<text x="{_coordinate(LABEL_WIDTH + length + 6)}" y="{top + ROW // 2 + 4}" '
            f'fill="#495057">{shown}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    points: Sequence[tuple[str, Number]],
    *,
    chart_id: str,
    title: str,
    fmt: Format = str,
    empty_text: str = "",
) -> Markup:
    """A line through (label, value) points from left to right, zero at the bottom, the
    largest value at the top; labels along the bottom (every one while they fit)."""
    rows = _check(points)
    if not rows:
        return _empty(chart_id, title, empty_text)
    largest = max(float(value) for _, value in rows) or 1.0
    left, right, top = 112, WIDTH - 24, MARGIN
    bottom = top + PLOT_HEIGHT
    height = bottom + 3 * MARGIN
    step = (right - left) / max(len(rows) - 1, 1)

    def at(n: int, value: Number) -> tuple[str, str]:
        x = left + step * n if len(rows) > 1 else (left + right) / 2
        return _coordinate(x), _coordinate(bottom - PLOT_HEIGHT * float(value) / largest)

    top_value = max(rows, key=lambda row: row[1])[1]
    parts = [
        _open(chart_id, title, WIDTH, height),
        f'<g class="axis" fill="#6c757d">'
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#adb5bd"/>'
        f'<line x1="{left}" y1="{top}" x2="{right}" y2="{top}" stroke="#dee2e6" '
        f'stroke-dasharray="4 3"/>'
        f'<text x="{left - 6}" y="{bottom + 4}" text-anchor="end">{escape(fmt(0))}</text>'
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{escape(fmt(top_value))}</text>',
    ]
    every = max(1, -(-len(rows) * 64 // (right - left)))  # at most one label per 64 px
    for n, (label, _) in enumerate(rows):
        if (len(rows) - 1 - n) % every == 0:  # counted from the newest, which is always named
            x, _y = at(n, 0)
            parts.append(
                f'<text x="{x}" y="{bottom + 2 * MARGIN - 4}" text-anchor="middle">'
                f"{escape(clip(label, 60))}</text>"
            )
    parts.append("</g>")
    coordinates = [at(n, value) for n, (_, value) in enumerate(rows)]
    path = " ".join(f"{x},{y}" for x, y in coordinates)
    parts.append(f'<polyline points="{path}" fill="none" stroke="#1f6f8b" stroke-width="2"/>')
    for (label, value), (x, y) in zip(rows, coordinates, strict=True):
        parts.append(
            f'<circle class="point" cx="{x}" cy="{y}" r="3.5" fill="#1f6f8b" '
            f'data-label="{escape(label)}" data-value="{escape(str(value))}">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
