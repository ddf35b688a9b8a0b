"""The activation bar of a model version: the pure rule in `webapp.curation.gate`."""

import copy

import pytest

from webapp.curation.gate import failed_bars

POOR = {"ssim_fg": 0.412, "band_corr": 0.672, "length_ratio": 0.974, "psnr": 24.1}


def evaluation(model: dict, poor: dict = POOR, **extra_sets) -> dict:
    sets = {
        "synthetic_pairs": {
            "karyograms": 10,
            "n": 212,
            "methods": {"identity": poor, "clahe": {"ssim_fg": 0.9}, "cyclegan": model},
        }
    }
    for name, (m, p) in extra_sets.items():
        sets[name] = {"methods": {"identity": p, "cyclegan": m}}
    return {**sets, "test_split": {"excellent": {"cells": 3, "ssim_to_input": 0.9}}}


GOOD = {"ssim_fg": 0.45, "band_corr": 0.70, "length_ratio": 1.01, "psnr": 20.0}


def test_a_model_no_worse_than_the_poor_input_passes():
    assert failed_bars(evaluation(GOOD)) == []
    assert failed_bars(evaluation(dict(POOR))) == []  # an identity model changes nothing: not worse


def test_the_shipped_models_readme_figures_fail_on_bands_and_length():
    failures = failed_bars(evaluation({"ssim_fg": 0.429, "band_corr": 0.496, "length_ratio": 1.208}))
    assert len(failures) == 2
    assert "synthetic_pairs: band correlation 0.496 is below the poor input's 0.672" in failures
    assert any(f.startswith("synthetic_pairs: length ratio 1.208 is off by more than 3%") for f in failures)


def test_a_broken_model_is_named_by_the_bar_it_fails():
    assert failed_bars(evaluation({**GOOD, "ssim_fg": 0.07})) == [
        "synthetic_pairs: foreground SSIM 0.070 is below the poor input's 0.412"
    ]


@pytest.mark.parametrize(("ratio", "passes"), [(1.03, True), (0.97, True), (1.031, False), (0.95, False)])
def test_length_within_three_percent_or_no_further_off_than_the_input(ratio, passes):
    assert (failed_bars(evaluation({**GOOD, "length_ratio": ratio})) == []) is passes
    # a poor input 5 % short allows a model that keeps it 5 % short, not one 6 % short
    short = {**POOR, "length_ratio": 0.95}
    assert failed_bars(evaluation({**GOOD, "length_ratio": 0.95}, short)) == []
    assert failed_bars(evaluation({**GOOD, "length_ratio": 0.94}, short)) != []


def test_no_evaluation_or_no_synthetic_set_fails():
    assert failed_bars({}) == ["the model has no evaluation yet"]
    only_test_split = {"test_split": {"excellent": {"cells": 3}}}
    assert failed_bars(only_test_split) == [
        "the evaluation has no synthetic_pairs set with the model and the poor input"
    ]
    missing = evaluation({"ssim_fg": 0.5, "length_ratio": 1.0})
    assert failed_bars(missing) == ["synthetic_pairs: band correlation is missing from the evaluation"]
    assert failed_bars(evaluation({**GOOD, "ssim_fg": float("nan")})) == [
        "synthetic_pairs: foreground SSIM is nan (not a number)"
    ]


def test_new_sets_and_metrics_are_checked_when_present():
    real_bad = ({**GOOD, "band_corr": 0.30}, {**POOR, "band_corr": 0.55})
    assert failed_bars(evaluation(GOOD, real_content=real_bad)) == [
        "real_content: band correlation 0.300 is below the poor input's 0.550"
    ]
    assert failed_bars(evaluation(GOOD, real_content=(GOOD, POOR))) == []

    more_false_bands = evaluation({**GOOD, "false_band_rate": 0.20}, {**POOR, "false_band_rate": 0.12})
    assert failed_bars(more_false_bands) == [
        "synthetic_pairs: false band rate 0.200 is above the poor input's 0.120"
    ]
    fewer = evaluation({**GOOD, "false_band_rate": 0.10}, {**POOR, "false_band_rate": 0.12})
    assert failed_bars(fewer) == []

    assert failed_bars(evaluation({**GOOD, "guard_pass_rate": 0.5})) == [
        "synthetic_pairs: fidelity guard pass rate 0.500 is below 0.900"
    ]
    assert failed_bars(evaluation({**GOOD, "guard_pass_rate": 0.97})) == []


def test_the_rule_does_not_change_the_evaluation():
    data = evaluation({**GOOD, "ssim_fg": 0.1})
    before = copy.deepcopy(data)
    failed_bars(data)
    assert data == before
