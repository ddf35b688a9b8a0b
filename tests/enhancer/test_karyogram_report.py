from dataclasses import replace

import numpy as np
import pytest
from scipy import ndimage as ndi

from enhancer.karyogram_report import HOMOLOG_TOLERANCE, KaryogramReport, report_against, report_karyogram
from enhancer.metrics import KaryogramReference, background_and_threshold, chromosome_mask, homolog_axes
from enhancer.synthetic import synthesize


@pytest.fixture(scope="module")
def made():
    made = synthesize("46,XY", seed=5, quality="excellent", width=900, height=750)
    grey = made.image.astype(np.float64) / 255
    return grey, [tuple(s["box"]) for s in made.truth["slots"]]


def test_an_unchanged_karyogram_holds_every_target_but_band_contrast(made):
    grey, boxes = made
    report = report_karyogram(grey, grey, boxes)
    assert (report.mask_iou, report.length_ratio, report.grid_ratio, report.band_contrast_ratio) == (
        1,
        1,
        1,
        1,
    )
    assert report.homolog_pairs >= 15 and report.homolog_corr_after == report.homolog_corr_before > 0.5
    assert [f.holds for f in report.figures()] == [True, True, True, False, True]
    assert report.shortfalls() == ["band contrast 1.00× (target ≥ 1.2×)"]
    assert report.describe().endswith("below target: band contrast 1.00× (target ≥ 1.2×)")


def test_a_result_that_paints_texture_and_blurs_homologs_apart_is_said_to_miss_those_targets(made):
    grey, boxes = made
    _, threshold = background_and_threshold(grey)
    flattened = grey.copy()
    for x0, y0, x1, y1 in boxes:  # one homolog of each pair loses its bands: the pair agrees less
        slot = chromosome_mask(grey[y0:y1, x0:x1], threshold)
        pair = homolog_axes(slot)
        if pair is None:
            continue
        labels, _ = ndi.label(slot)
        row, col = np.rint(pair[0].points[len(pair[0].points) // 2]).astype(int)
        assert labels[row, col], "the axis runs inside its chromosome"
        one = labels == labels[row, col]
        view = flattened[y0:y1, x0:x1]
        view[one] = ndi.gaussian_filter(view, 6)[one]
    checker = 0.03 * (np.indices(grey.shape).sum(axis=0) % 2 * 2 - 1)
    report = report_karyogram(grey, np.clip(flattened + checker, 0, 1), boxes)
    assert report.homolog_corr_after < report.homolog_corr_before - HOMOLOG_TOLERANCE
    missed = report.shortfalls()
    assert any(m.startswith("grid texture ") for m in missed)
    assert any(m.startswith("homolog agreement ") and m.endswith("(target not lower)") for m in missed)


def test_a_karyogram_without_homolog_pairs_is_not_judged_on_them_and_survives_json():
    grey = np.ones((200, 300))
    grey[50:150, 100:120] = 0.3  # one chromosome, no pair
    report = report_karyogram(grey, grey, [(0, 0, 300, 200)])
    assert report.homolog_corr_before is None and report.homolog_pairs == 0
    homologs = report.figures()[-1]
    assert homologs.holds is None and homologs.value == "—"
    assert not any(m.startswith("homolog") for m in report.shortfalls())
    assert KaryogramReport.from_json(report.to_json()) == report


def test_an_original_measured_once_reports_each_result_as_afresh(made):
    grey, boxes = made
    reference = KaryogramReference(grey, boxes)
    for result in (ndi.gaussian_filter(grey, 1), np.clip(2 * grey - ndi.gaussian_filter(grey, 2), 0, 1)):
        assert report_against(reference, result) == report_karyogram(grey, result, boxes)


@pytest.mark.parametrize(
    ("field", "value", "holds"),
    [
        ("length_ratio", 1.03, True),  # on the limit: within 3 %
        ("length_ratio", 0.969, False),  # 3.1 % shorter
        ("grid_ratio", 1.1049, True),  # shown 1.10×, the limit
        ("grid_ratio", 1.106, False),  # shown 1.11×
        ("mask_iou", 0.9496, True),  # shown 0.950
    ],
)
def test_a_target_is_judged_on_the_value_as_shown(field, value, holds):
    report = KaryogramReport(1.0, 1.0, 1.0, 1.3, 0.8, 0.8, 3)
    shown = {f.name: f for f in replace(report, **{field: value}).figures()}
    name = {"length_ratio": "length", "grid_ratio": "grid texture", "mask_iou": "mask IoU"}[field]
    assert shown[name].holds is holds


def test_homologs_are_said_to_agree_less_past_the_tolerance_as_shown():
    report = KaryogramReport(1.0, 1.0, 1.0, 1.3, 0.8440, 0.8440 - HOMOLOG_TOLERANCE - 0.0001, 22)
    assert report.figures()[-1].holds  # a fall of 0.0051 shows as 0.005
    assert not replace(report, homolog_corr_after=0.8440 - 0.006).figures()[-1].holds


def test_images_of_different_shapes_are_refused(made):
    grey, boxes = made
    with pytest.raises(ValueError, match="the result is"):
        report_karyogram(grey, grey[:-1], boxes)
    with pytest.raises(ValueError, match="the result is"):
        report_against(KaryogramReference(grey, boxes), grey[:, :-1])
