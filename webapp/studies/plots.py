"""Small SVG plots for the statistics page, drawn on the server (no script, printable)."""

from html import escape

import numpy as np

WIDTH, HEIGHT, PAD = 260, 200, 34


def slope_plot(
    pairs: list[tuple[float, float]], title: str, low: float | None = None, high: float | None = None
) -> str:
    """One line per case from its original score (left) to its enhanced score (right); the mean in bold."""
    values = [v for p in pairs for v in p]
    if not values:
        return ""
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    span = (high - low) or 1.0

    def y(v: float) -> float:
        return HEIGHT - PAD - (v - low) / span * (HEIGHT - 2 * PAD)

    left, right = PAD + 20, WIDTH - PAD - 20
    rng = np.random.default_rng(0)  # a little vertical jitter so equal pairs do not hide each other
    jitter = rng.uniform(-0.08, 0.08, (len(pairs), 2)) * (span / 4 if high - low < 10 else 0)
    lines = "".join(
        f'<line x1="{left}" y1="{y(a + ja):.1f}" x2="{right}" y2="{y(b + jb):.1f}" class="pair"/>'
        for (a, b), (ja, jb) in zip(pairs, jitter, strict=True)
    )
    mean_a, mean_b = np.mean([p[0] for p in pairs]), np.mean([p[1] for p in pairs])
    return (
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f'<text x="{WIDTH / 2}" y="14" class="title">{escape(title)}</text>'
        f'<text x="{left}" y="{HEIGHT - 8}" class="axis">original</text>'
        f'<text x="{right}" y="{HEIGHT - 8}" class="axis">enhanced</text>'
        f'<text x="4" y="{y(high):.1f}" class="tick start">{high:.3g}</text>'
        f'<text x="4" y="{y(low):.1f}" class="tick start">{low:.3g}</text>'
        f'{lines}<line x1="{left}" y1="{y(mean_a):.1f}" x2="{right}" y2="{y(mean_b):.1f}" class="mean"/></svg>'
    )


def distribution_plot(original: list[int], enhanced: list[int], title: str) -> str:
    """Counts of each score 1–5, original and enhanced bars side by side."""
    if not original and not enhanced:
        return ""
    counts = {
        arm: np.bincount(np.asarray(v, int), minlength=6)[1:6]
        for arm, v in (("original", original), ("enhanced", enhanced))
    }
    top = max(1, max(int(c.max()) for c in counts.values()))
    slot = (WIDTH - 2 * PAD) / 5
    bars = []
    for i in range(5):
        for j, arm in enumerate(("original", "enhanced")):
            h = counts[arm][i] / top * (HEIGHT - 2 * PAD)
            x = PAD + i * slot + 4 + j * (slot - 8) / 2
            bars.append(
                f'<rect x="{x:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{(slot - 8) / 2:.1f}" height="{h:.1f}" '
                f'class="{arm}"><title>{arm} {i + 1}: {counts[arm][i]}</title></rect>'
            )
        bars.append(
            f'<text x="{PAD + (i + 0.5) * slot:.1f}" y="{HEIGHT - PAD + 14}" class="tick">{i + 1}</text>'
        )
    return (
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f'<text x="{WIDTH / 2}" y="14" class="title">{escape(title)}</text>{"".join(bars)}'
        f'<text x="{PAD}" y="{HEIGHT - 6}" class="axis original-key">■ original</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 6}" class="axis enhanced-key">■ enhanced</text></svg>'
    )
