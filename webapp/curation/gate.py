"""The bar a model version must pass before it may become the active model: the pure pass/fail rule.

An evaluation (what `evaluation.evaluate_version` stores) holds pair sets, each with a method table
`{"methods": {"identity": {...}, "cyclegan": {...}, ...}}`. On every such set, the model ("cyclegan")
must be no worse than the poor input ("identity") on each metric of `BARS` the set reports. Sets
(e.g. `real_content`) and metrics (e.g. `false_band_rate`, `guard_pass_rate`) added to the evaluation
later are checked as soon as they are present; the required ones must be there. The fidelity guard's
pass rate has no poor-input counterpart (the input passes by definition): it has a floor instead.
"""

import math
from dataclasses import dataclass
from typing import Literal

MODEL, POOR_INPUT = "cyclegan", "identity"
REQUIRED_SETS = ("synthetic_pairs",)
LENGTH_TOLERANCE = 0.03
GUARD_PASS_RATE_FLOOR = 0.9  # policy: the guard may hold back at most one cell in ten


@dataclass(frozen=True)
class Bar:
    metric: str
    label: str
    better: Literal["higher", "lower", "length", "floor"]  # length: distance from 1; floor: at least `floor`
    required: bool = False
    floor: float = 0.0


BARS = (
    Bar("ssim_fg", "foreground SSIM", "higher", required=True),
    Bar("band_corr", "band correlation", "higher", required=True),
    Bar("length_ratio", "length ratio", "length", required=True),
    Bar("false_band_rate", "false band rate", "lower"),
    Bar("guard_pass_rate", "fidelity guard pass rate", "floor", floor=GUARD_PASS_RATE_FLOOR),
)


def _failure(bar: Bar, model: float, poor: float | None) -> str | None:
    """Why `model` fails `bar` against the poor input's `poor`, or None when it passes."""
    if not math.isfinite(model):
        return f"{bar.label} is {model} (not a number)"
    if bar.better == "floor":
        return f"{bar.label} {model:.3f} is below {bar.floor:.3f}" if model < bar.floor else None
    if bar.better == "higher" and model < poor:
        return f"{bar.label} {model:.3f} is below the poor input's {poor:.3f}"
    if bar.better == "lower" and model > poor:
        return f"{bar.label} {model:.3f} is above the poor input's {poor:.3f}"
    if bar.better == "length" and abs(model - 1) > max(LENGTH_TOLERANCE, abs(poor - 1)) + 1e-9:  # float slack
        return (
            f"{bar.label} {model:.3f} is off by more than {LENGTH_TOLERANCE:.0%} "
            f"(and further from 1 than the poor input's {poor:.3f})"
        )
    return None


def pair_sets(evaluation: dict) -> dict[str, dict]:
    """The evaluation's entries that hold a method table with both the model and the poor input."""
    return {
        name: value["methods"]
        for name, value in (evaluation or {}).items()
        if isinstance(value, dict)
        and isinstance(value.get("methods"), dict)
        and {MODEL, POOR_INPUT} <= set(value["methods"])
    }


def failed_bars(evaluation: dict) -> list[str]:
    """Every bar the evaluated model fails, in words; an empty list means it may be activated."""
    if not evaluation:
        return ["the model has no evaluation yet"]
    sets = pair_sets(evaluation)
    failures = [
        f"the evaluation has no {name} set with the model and the poor input"
        for name in REQUIRED_SETS
        if name not in sets
    ]
    for name, methods in sets.items():
        model, poor = methods[MODEL], methods[POOR_INPUT]
        for bar in BARS:
            needs_poor = bar.better != "floor"
            if bar.metric not in model or (needs_poor and bar.metric not in poor):
                if bar.required:
                    failures.append(f"{name}: {bar.label} is missing from the evaluation")
                continue
            baseline = float(poor[bar.metric]) if needs_poor else None
            if (reason := _failure(bar, float(model[bar.metric]), baseline)) is not None:
                failures.append(f"{name}: {reason}")
    return failures
