"""The statistics page's plots say what they show: a count axis, the counts, a key and the numbers as text.

Before, a score distribution had no y-axis and no counts (one rating drew a full-height bar) and no text a
screen reader could read.
"""

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from webapp.studies import plots

SVG = "{http://www.w3.org/2000/svg}"


def _parse(html: str) -> ET.Element:
    """A plot's figure as XML (the SVG's elements without a namespace: it is written inline, as HTML)."""
    return ET.fromstring(html)


def _texts(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter("text") if cls in e.get("class", "").split()]


def _y_scale(svg: ET.Element) -> tuple[list[str], float, float]:
    """The y-axis tick labels, the y of value 0 and the pixels per unit, read from the grid lines."""
    labels = [t.text for t in _texts(svg, "y-tick")]
    grid = [float(g.get("y1")) for g in svg.iter("line") if g.get("class") == "grid"]
    values = [float(v) for v in labels]
    assert len(grid) == len(values) >= 2
    per_unit = (grid[0] - grid[-1]) / (values[-1] - values[0])
    return labels, grid[0] + values[0] * per_unit, per_unit


def _table(figure: ET.Element) -> dict[str, list[str]]:
    rows = {}
    for tr in figure.iter("tr"):
        cells = ["".join(c.itertext()) for c in tr]
        rows[cells[0]] = cells[1:]
    return rows


def _check_distribution(html: str, original: list[int], enhanced: list[int]) -> ET.Element:
    """Every bar's count is printed on it, sits at its count on a whole-number axis, and is in the table."""
    figure = _parse(html)
    svg = figure.find("svg")
    labels, zero_y, per_unit = _y_scale(svg)
    assert all(re.fullmatch(r"\d+", label) for label in labels), labels  # whole numbers only
    assert labels[0] == "0" and int(labels[-1]) >= max(Counter(original + enhanced).values())
    for arm, values in (("original", original), ("enhanced", enhanced)):
        counts = Counter(values)
        bars = [r for r in svg.iter("rect") if r.get("class") == arm and r.find("title") is not None]
        printed = [t.text for t in _texts(svg, f"{arm}-count")]
        assert printed == [str(counts[s]) for s in range(1, 6)]
        for score, bar in zip(range(1, 6), bars, strict=True):
            assert float(bar.get("y")) == pytest.approx(zero_y - counts[score] * per_unit, abs=0.2)
            assert float(bar.get("height")) == pytest.approx(counts[score] * per_unit, abs=0.2)
        key = " ".join(t.text for t in _texts(svg, "key"))
        assert f"{arm} (n = {len(values)})" in key
    axis_titles = {t.text for t in _texts(svg, "y-title") + _texts(svg, "x-title")}
    assert axis_titles == {"number of ratings", "score"}
    assert [t.text for t in _texts(svg, "x-tick")] == ["1", "2", "3", "4", "5"]
    # the text alternative: the same counts, score by score, and the totals
    assert svg.get("aria-hidden") == "true" and figure.find("figcaption") is not None
    table = _table(figure.find("figcaption"))
    for score in range(1, 6):
        assert table[str(score)] == [str(Counter(original)[score]), str(Counter(enhanced)[score])]
    assert table["all"] == [str(len(original)), str(len(enhanced))]
    return figure


def test_a_single_rating_is_read_as_one_on_the_count_axis():
    figure = _check_distribution(plots.distribution_plot([3], [], "Quality scores"), [3], [])
    assert [t.text for t in _texts(figure.find("svg"), "y-tick")] == ["0", "1"]
    assert "1 original and 0 enhanced" in "".join(figure.find("figcaption").itertext())


@pytest.mark.parametrize(
    ("original", "enhanced"),
    [
        ([2, 2, 3, 3, 3, 5], [4, 4, 5]),
        ([1] * 12 + [2] * 7, [5] * 3 + [4] * 9),  # counts above 5: the ticks step by whole numbers, 5 here
        ([4] * 123, [3] * 40),
    ],
)
def test_bars_stand_at_their_counts_on_an_integer_axis_and_the_table_says_the_same(original, enhanced):
    _check_distribution(plots.distribution_plot(original, enhanced, "Sharpness scores"), original, enhanced)


def test_no_scores_draw_nothing():
    assert plots.distribution_plot([], [], "Quality scores") == ""
    assert plots.slope_plot([], "Quality (5 excellent)", 1, 5) == ""


def test_a_slope_plot_has_every_score_on_its_axis_a_key_and_its_pairs_as_text():
    pairs = [(2, 4), (3, 3), (2, 5)]
    figure = _parse(plots.slope_plot(pairs, "Quality (5 excellent)", 1, 5))
    svg = figure.find("svg")
    assert [t.text for t in _texts(svg, "y-tick")] == ["1", "2", "3", "4", "5"]
    assert [t.text for t in _texts(svg, "x-label")] == ["original", "enhanced"]
    assert [t.text for t in _texts(svg, "y-title")] == ["Quality (5 excellent)"]
    assert " ".join(t.text for t in _texts(svg, "key")) == "one case (n = 3) mean 2.33 → 4"
    caption = "".join(figure.find("figcaption").itertext())
    assert (
        "3 cases rated in both arms; mean original 2.33, mean enhanced 4; 2 higher when enhanced, 0 lower"
        in (caption)
    )
    assert _table(figure.find("figcaption")) == {
        "#": ["original", "enhanced"],
        "1": ["2", "4"],
        "2": ["3", "3"],
        "3": ["2", "5"],
    }


def test_a_time_axis_gets_round_ticks_around_the_values():
    figure = _parse(plots.slope_plot([(12.5, 30.1), (40.0, 22.0)], "Analysis time (s)"))
    labels, zero_y, per_unit = _y_scale(figure.find("svg"))
    assert labels == ["10", "20", "30", "40"]
    lines = [
        ln for ln in figure.find("svg").iter("line") if ln.get("class") == "pair" and ln.get("x1") != "8"
    ]
    assert float(lines[0].get("y1")) == pytest.approx(zero_y - 12.5 * per_unit, abs=0.2)
    assert float(lines[1].get("y2")) == pytest.approx(zero_y - 22.0 * per_unit, abs=0.2)
    assert _table(figure.find("figcaption"))["1"] == ["12.5", "30.1"]


def test_titles_are_escaped():
    html = plots.distribution_plot([1], [2], "A <b> & C")
    assert "<b>" not in html and "A &lt;b&gt; &amp; C" in html
    _parse(html)


@pytest.mark.django_db
def test_the_statistics_page_shows_each_raters_real_counts(make_user, finished_karyograms, signed_in):
    from webapp.studies import services

    curator = make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    study = services.create_study(
        name="S", instructions="", karyograms=finished_karyograms(3), raters=[rater], created_by=curator
    )
    cases = sorted(study.study_cases.values_list("pk", flat=True))
    quality = {"original": [2, 2, 3], "enhanced": [4, 5, 4]}
    sharpness = {"original": [3, 3, 3], "enhanced": [1, 2, 2]}
    while (item := services.next_assignment(study, rater)) is not None:
        image = item.image
        i = cases.index(image.study_case_id)
        services.submit_rating(
            study,
            rater,
            item.token,
            abnormality="none",
            quality=quality[image.arm][i],
            sharpness=sharpness[image.arm][i],
            duration_seconds=10.0 * (i + 1) + (5 if image.arm == "enhanced" else 0),
            reason="a known time",
        )
    response = signed_in("cura").get(f"/studies/{study.pk}/statistics/")
    assert response.status_code == 200
    html = response.content.decode()
    figures = re.findall(r'<figure class="plot-figure (\w+)">.*?</figure>', html, re.S)
    assert figures == ["slope", "slope", "slope", "distribution", "distribution"]
    distributions = re.findall(r'<figure class="plot-figure distribution">.*?</figure>', html, re.S)
    _check_distribution(distributions[0], quality["original"], quality["enhanced"])
    _check_distribution(distributions[1], sharpness["original"], sharpness["enhanced"])
    times = _parse(re.findall(r'<figure class="plot-figure slope">.*?</figure>', html, re.S)[2])
    assert "mean original 20, mean enhanced 25" in "".join(times.find("figcaption").itertext())
