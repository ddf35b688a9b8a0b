import collections

import numpy as np
import pytest

from enhancer.synthetic import synthesize, synthesize_pair
from enhancer.synthetic.cytoband import CHROMOSOMES, load_cytobands
from enhancer.synthetic.karyogram import CYTOBAND_FILE
from enhancer.synthetic.karyotype import KaryotypeError, parse_karyotype

BANDS = load_cytobands(str(CYTOBAND_FILE))


def test_cytoband_table_matches_the_source():
    assert BANDS.length("1") == 248_956_422
    assert BANDS.band_at("1", "p36.32").start == 2_300_000
    assert sum(len(BANDS.bands(c)) for c in CHROMOSOMES) == 862


@pytest.mark.parametrize("level", [300, 400, 550, 850])
def test_band_levels_have_about_that_many_bands(level):
    count = sum(len(BANDS.bands(c, level)) for c in CHROMOSOMES[:23])
    assert abs(count - level) <= 0.02 * level


@pytest.mark.parametrize(
    ("karyotype", "counts"),
    [
        ("46,XX", {"X": 2, "Y": 0, "8": 2}),
        ("46,XY", {"X": 1, "Y": 1}),
        ("47,XY,+8", {"8": 3}),
        ("45,XX,-7", {"7": 1}),
        ("47,XXY", {"X": 2, "Y": 1}),
        ("45,X", {"X": 1, "Y": 0}),
    ],
)
def test_numerical_karyotypes(karyotype, counts):
    slots = parse_karyotype(karyotype, BANDS)
    for label, n in counts.items():
        assert len(slots[label]) == n


def test_structural_karyotypes_change_the_right_chromosomes():
    slots = parse_karyotype("46,XY,t(9;22)(q34;q11.2)", BANDS)
    der9, der22 = slots["9"][-1], slots["22"][-1]
    assert [s.chrom for s in der9] == ["9", "22"] and [s.chrom for s in der22] == ["22", "9"]

    def length(c):
        return sum(s.length for s in c)

    assert length(der22) < length(slots["22"][0])  # the Philadelphia chromosome is short
    deleted = parse_karyotype("46,XY,del(5)(q13q33)", BANDS)["5"][-1]
    assert length(deleted) < 0.75 * BANDS.length("5")
    inverted = parse_karyotype("46,XX,inv(16)(p13.1q22)", BANDS)["16"][-1]
    assert [s.reverse for s in inverted] == [False, True, False]
    assert length(inverted) == BANDS.length("16")


@pytest.mark.parametrize(
    "bad", ["46", "XY", "46,XY,+99", "47,XY", "46,XY,t(9;22)(p13;q11)", "46,XY,dup(1)(q21)"]
)
def test_unsupported_or_inconsistent_karyotypes_are_refused(bad):
    with pytest.raises((KaryotypeError, KeyError)):
        parse_karyotype(bad, BANDS)


def test_same_seed_same_karyogram_and_other_seed_differs():
    a = synthesize("46,XY", seed=11, quality="poor", width=600, height=500)
    b = synthesize("46,XY", seed=11, quality="poor", width=600, height=500)
    c = synthesize("46,XY", seed=12, quality="poor", width=600, height=500)
    assert np.array_equal(a.image, b.image) and a.truth == b.truth
    assert not np.array_equal(a.image, c.image)


def test_pair_is_pixel_aligned_and_poor_is_worse():
    excellent, poor = synthesize_pair("46,XX", seed=5, severity="moderate", width=900, height=750)
    assert excellent.image.shape == poor.image.shape
    for a, b in zip(excellent.truth["chromosomes"], poor.truth["chromosomes"], strict=True):
        assert a["box"] == b["box"]
    assert poor.image[excellent.mask].std() < excellent.image[excellent.mask].std()  # less band contrast


@pytest.mark.parametrize("seed", [5, 6])
def test_truth_holds_no_band_its_input_cannot_show(seed):
    """Condensation, band level, length and geometry are one rendering for both images of a pair."""
    excellent, poor = synthesize_pair("46,XY", seed=seed, severity="severe", width=600, height=500)
    assert excellent.truth["condensation"] == poor.truth["condensation"]
    assert excellent.truth["look"] == poor.truth["look"]
    assert np.array_equal(excellent.mask, poor.mask) and excellent.mask.any()
    assert poor.truth["degradation"]["family"] != "excellent"
    # The poor image is the excellent one degraded: their chromosome profiles still agree.
    rows = excellent.mask.any(axis=1)
    r = np.corrcoef(excellent.image[rows].mean(axis=1), poor.image[rows].mean(axis=1))[0, 1]
    assert r > 0.8


def test_condensation_varies_between_pairs_and_sets_length_and_band_level_together():
    looks = [synthesize_pair("46,XY", seed=s, width=400, height=400)[0].truth for s in range(8)]
    levels = {t["condensation"]["band_level"] for t in looks}
    assert len(levels) >= 2 and levels <= {300, 400, 550, 850}
    by_level = sorted(looks, key=lambda t: t["condensation"]["band_level"])
    assert by_level[0]["condensation"]["chromosome_1_px"] < by_level[-1]["condensation"]["chromosome_1_px"]


def test_unpaired_poor_is_condensed_but_pairs_are_not_shortened():
    poor = synthesize("46,XY", seed=4, quality="poor", width=400, height=400)
    assert poor.truth["condensation"]["band_level"] in (300, 400)
    paired = synthesize("46,XY", seed=4, quality="poor", shorten=False, width=400, height=400)
    assert np.array_equal(paired.image, synthesize_pair("46,XY", seed=4, width=400, height=400)[1].image)


def test_truth_holds_karyotype_slots_and_chromosome_boxes():
    made = synthesize("47,XY,+8", seed=1, width=900, height=750)
    truth = made.truth
    assert truth["karyotype"] == "47,XY,+8"
    assert len(truth["slots"]) == 24 and len(truth["chromosomes"]) == 47
    assert collections.Counter(c["label"] for c in truth["chromosomes"])["8"] == 3
    for chrom in truth["chromosomes"]:
        x0, y0, x1, y1 = chrom["box"]
        assert 0 <= x0 < x1 <= 900 and 0 <= y0 < y1 <= 750
        assert made.image[y0:y1, x0:x1].min() < 160  # something dark is drawn there
