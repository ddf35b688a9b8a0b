"""Small SVG plots for the statistics page, drawn on the server (no script, printable).

Each plot comes as a `<figure>`: the SVG with its axes (ticks, axis titles, a key telling the arms apart),
and a caption with the same numbers as text and a table, so a screen reader or a narrow phone screen gets
everything the picture shows. The SVG is `aria-hidden`: its figures would only repeat the caption's.
"""

from html import escape

import numpy as np
from matplotlib.ticker import MaxNLocator

WIDTH, HEIGHT, PAD = 260, 220, 34
SCORES = range(1, 6)


def _ticks(low: float, high: float, integer: bool = False) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 × 10^k apart, at most 5 intervals; whole numbers when `integer`) from
    at or below `low` to at or above `high`: matplotlib's own choice."""
    locator = MaxNLocator(nbins=5, integer=integer, steps=[1, 2, 2.5, 5, 10])
    return [round(float(t), 10) for t in locator.tick_values(low, high)]


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def _figure(plot_class: str, svg: str, caption: str, table: str, details: bool = False) -> str:
    """The SVG (hidden from screen readers), then the caption and the table that say the same in text."""
    if details:
        table = f"<details><summary>Values, case by case</summary>{table}</details>"
    return f'<figure class="plot-figure {plot_class}">{svg}<figcaption>{caption}{table}</figcaption></figure>'


def _svg_open(title: str) -> str:
    return (
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" aria-hidden="true" focusable="false">'
        f'<text x="{WIDTH / 2}" y="14" class="title">{escape(title)}</text>'
    )


def _y_axis(ticks: list[float], y, left: float, right: float, label: str, integer: bool) -> str:
    """Grid lines, tick labels and the axis line at x = `left`, with `label` written upwards beside it."""
    parts = []
    for t in ticks:
        text = str(int(round(t))) if integer else _fmt(t)
        parts.append(
            f'<line x1="{left}" y1="{y(t):.1f}" x2="{right}" y2="{y(t):.1f}" class="grid" stroke="#e9ecef"/>'
            f'<text x="{left - 4}" y="{y(t) + 3.5:.1f}" class="tick y-tick" '
            f'style="text-anchor: end">{text}</text>'
        )
    top, bottom = y(ticks[-1]), y(ticks[0])
    middle = (top + bottom) / 2
    parts.append(
        f'<line x1="{left}" y1="{top:.1f}" x2="{left}" y2="{bottom:.1f}" class="axis-line" stroke="#555"/>'
        f'<text x="11" y="{middle:.1f}" class="axis y-title" transform="rotate(-90 11 {middle:.1f})">'
        f"{escape(label)}</text>"
    )
    return "".join(parts)


def slope_plot(
    pairs: list[tuple[float, float]],
    title: str,
    low: float | None = None,
    high: float | None = None,
    y_label: str | None = None,
) -> str:
    """One line per case from its original score (left) to its enhanced score (right); the mean in bold.

    With `low`/`high` given (a 1–5 score) the axis has a tick at every whole score; otherwise it is widened
    to round ticks around the values. `y_label` names the vertical axis (the title by default)."""
    values = [v for p in pairs for v in p]
    if not values:
        return ""
    integer = low is not None and high is not None and float(low).is_integer() and float(high).is_integer()
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    if integer and high - low <= 10:
        ticks = [float(v) for v in range(int(low), int(high) + 1)]
    else:
        if high == low:
            low, high = low - 1, high + 1
        ticks = _ticks(low, high)
        if ticks[0] < 0 <= min(values):
            ticks = [t for t in ticks if t >= 0] or [0.0]
        integer = all(float(t).is_integer() for t in ticks)
    low, high = ticks[0], ticks[-1]
    span = (high - low) or 1.0
    top, bottom = 44, HEIGHT - 36

    def y(v: float) -> float:
        return bottom - (v - low) / span * (bottom - top)

    axis_x, left, right = 40, 70, WIDTH - 40
    rng = np.random.default_rng(0)  # a little vertical jitter so equal pairs do not hide each other
    jitter = rng.uniform(-0.08, 0.08, (len(pairs), 2)) * (span / 4 if high - low < 10 else 0)
    lines = "".join(
        f'<line x1="{left}" y1="{y(a + ja):.1f}" x2="{right}" y2="{y(b + jb):.1f}" class="pair"/>'
        for (a, b), (ja, jb) in zip(pairs, jitter, strict=True)
    )
    mean_a = float(np.mean([p[0] for p in pairs]))
    mean_b = float(np.mean([p[1] for p in pairs]))
    n = len(pairs)
    up = sum(b > a for a, b in pairs)
    down = sum(b < a for a, b in pairs)
    key = (
        f'<line x1="8" y1="27" x2="24" y2="27" class="pair"/>'
        f'<text x="28" y="30" class="axis key" style="text-anchor: start">one case (n = {n})</text>'
        f'<line x1="128" y1="27" x2="144" y2="27" class="mean"/>'
        f'<text x="148" y="30" class="axis key" style="text-anchor: start">'
        f"mean {_fmt(mean_a)} → {_fmt(mean_b)}</text>"
    )
    svg = (
        _svg_open(title)
        + key
        + _y_axis(ticks, y, axis_x, WIDTH - 8, y_label or title, integer)
        + f'<text x="{left}" y="{bottom + 14}" class="axis x-label">original</text>'
        f'<text x="{right}" y="{bottom + 14}" class="axis x-label">enhanced</text>'
        f'<text x="{(left + right) / 2}" y="{bottom + 29}" class="axis x-title">arm (one line per case)</text>'
        f'{lines}<line x1="{left}" y1="{y(mean_a):.1f}" x2="{right}" y2="{y(mean_b):.1f}" class="mean"/></svg>'
    )
    caption = (
        f"<strong>{escape(title)}</strong>: {n} case{'s' if n != 1 else ''} rated in both arms; "
        f"mean original {_fmt(mean_a)}, mean enhanced {_fmt(mean_b)}; "
        f"{up} higher when enhanced, {down} lower, {n - up - down} the same."
    )
    rows = "".join(
        f'<tr><th scope="row">{i}</th><td>{_fmt(a)}</td><td>{_fmt(b)}</td></tr>'
        for i, (a, b) in enumerate(pairs, 1)
    )
    table = (
        f'<table class="list stats plot-values"><caption>{escape(title)}, per case</caption>'
        f'<thead><tr><th scope="col">#</th><th scope="col">original</th><th scope="col">enhanced</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    return _figure("slope", svg, caption, table, details=True)


def distribution_plot(original: list[int], enhanced: list[int], title: str) -> str:
    """Counts of each score 1–5, original and enhanced bars side by side, each with its count on top."""
    if not original and not enhanced:
        return ""
    counts = {
        arm: [int(c) for c in np.bincount(np.asarray(v, int), minlength=6)[1:6]]
        for arm, v in (("original", original), ("enhanced", enhanced))
    }
    totals = {"original": len(original), "enhanced": len(enhanced)}
    ticks = _ticks(0, max(1, max(max(c) for c in counts.values())), integer=True)
    top_count = ticks[-1]
    top, bottom, left, right = 52, HEIGHT - 40, 40, WIDTH - 8  # room above the tallest bar for its count

    def y(v: float) -> float:
        return bottom - v / top_count * (bottom - top)

    slot = (right - left) / 5
    width = (slot - 8) / 2
    bars = []
    for i in SCORES:
        for j, arm in enumerate(("original", "enhanced")):
            c = counts[arm][i - 1]
            x = left + (i - 1) * slot + 4 + j * width
            bars.append(
                f'<rect x="{x:.1f}" y="{y(c):.1f}" width="{width:.1f}" height="{bottom - y(c):.1f}" '
                f'class="{arm}"><title>{arm}, score {i}: {c} rating{"s" if c != 1 else ""}</title></rect>'
                f'<text x="{x + width / 2:.1f}" y="{y(c) - 3:.1f}" class="tick count {arm}-count">{c}</text>'
            )
        bars.append(
            f'<text x="{left + (i - 0.5) * slot:.1f}" y="{bottom + 13}" class="tick x-tick">{i}</text>'
        )
    key = (
        f'<rect x="8" y="20" width="10" height="10" class="original"/>'
        f'<text x="22" y="29" class="axis key original-label" style="text-anchor: start">'
        f"original (n = {totals['original']})</text>"
        f'<rect x="134" y="20" width="10" height="10" class="enhanced"/>'
        f'<text x="148" y="29" class="axis key enhanced-label" style="text-anchor: start">'
        f"enhanced (n = {totals['enhanced']})</text>"
    )
    svg = (
        _svg_open(title)
        + key
        + _y_axis(ticks, y, left, right, "number of ratings", integer=True)
        + "".join(bars)
        + f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis-line" stroke="#555"/>'
        f'<text x="{(left + right) / 2}" y="{bottom + 28}" class="axis x-title">score</text></svg>'
    )
    caption = (
        f"<strong>{escape(title)}</strong>: number of ratings of each score, "
        f"{totals['original']} original and {totals['enhanced']} enhanced."
    )
    rows = "".join(
        f'<tr><th scope="row">{i}</th><td>{counts["original"][i - 1]}</td><td>{counts["enhanced"][i - 1]}</td></tr>'
        for i in SCORES
    )
    table = (
        f'<table class="list stats plot-values"><caption>{escape(title)}: ratings per score</caption>'
        f'<thead><tr><th scope="col">score</th><th scope="col">original</th><th scope="col">enhanced</th>'
        f"</tr></thead><tbody>{rows}</tbody>"
        f'<tfoot><tr><th scope="row">all</th><td>{totals["original"]}</td><td>{totals["enhanced"]}</td></tr>'
        f"</tfoot></table>"
    )
    return _figure("distribution", svg, caption, table)
