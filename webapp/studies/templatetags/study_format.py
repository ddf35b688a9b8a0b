"""Number formats of the statistics page."""

from django import template

register = template.Library()


@register.filter
def pvalue(p) -> str:
    """p-values as in the paper's Table 1 (six decimals), tiny ones in scientific notation."""
    if p is None:
        return "–"
    return f"{p:.6f}" if p >= 1e-6 else f"{p:.1e}"


@register.filter
def num(value, digits: int = 2) -> str:
    """A float with `digits` decimals, a dash when there is none."""
    if value is None:
        return "–"
    return f"{value:.{int(digits)}f}"
