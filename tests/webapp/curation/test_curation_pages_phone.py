"""The curation pages' markup for "select all" and for tables shown as cards on a phone.

Without JavaScript the karyogram list is the plain form it was (no "select all" that would do nothing, no count
stuck at 0); each cell of a table a phone shows as a card names its column (data-label), as its header does.
"""

import re

import numpy as np
import pytest

from tests.factories import KaryogramFactory, png_bytes, trained_model_versions
from webapp.curation.models import Dataset, ModelComparison

pytestmark = pytest.mark.django_db


def _headers(html: str, table_id: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    return re.findall(r"<th>([^<]*)</th>", re.search(r"<thead>.*?</thead>", table, re.S).group(0))


def _labels(row: str) -> list[str]:
    return re.findall(r'<td[^>]*data-label="([^"]*)"', row)


def test_select_all_and_the_count_are_shown_by_script_only(curator):
    karyograms = [
        KaryogramFactory(name=f"k{i}.png", png=png_bytes(np.full((30, 40), 10 * i, np.uint8)))
        for i in range(3)
    ]
    html = curator.get("/curation/").content.decode()
    select_all = re.search(r'<p class="select-all"[^>]*>', html).group(0)
    assert "hidden" in select_all and "data-js-only" in select_all
    assert 'data-select-all="selected"' in html and "Select all on this page" in html
    count = re.search(
        r'<span data-js-only hidden><output data-ticked-count="selected">0 ticked</output>', html
    )
    assert count is not None
    assert "/static/js/select_all.js" in html
    # One form: the boxes, then the Apply bar after the last of them, the labels and the button inside it.
    form = re.search(r'<form method="post" class="bulk-form">.*?</form>', html, re.S).group(0)
    assert form.count('name="selected"') == len(karyograms)
    last_box = form.rindex('name="selected"')
    bar = form.index('id="bulk-apply"')
    assert bar > last_box and form.index('<button type="submit">Apply</button>') > bar
    for name in ("quality", "length", "included"):
        assert f'name="{name}"' in form[bar:]


def test_with_no_karyograms_there_is_nothing_to_select(curator):
    html = curator.get("/curation/").content.decode()
    assert "Select all on this page" not in html and "No karyograms match" in html


def test_each_model_cell_names_its_column(curator):
    trained_model_versions({"good": 0.45})
    html = curator.get("/curation/models/").content.decode()
    assert 'class="list stack" id="models"' in html
    assert _headers(html, "models")[1:8] == [
        "Source", "Dataset", "SSIM_fg", "band corr", "length ratio", "Weights", "Bars"
    ]  # fmt: skip
    row = re.search(r'<tr data-model="good".*?</tr>', html, re.S).group(0)
    assert _labels(row) == _headers(html, "models")[1:8]
    assert 'class="full actions"' in row and ">Activate</button>" in row


def test_each_dataset_count_names_its_column(curator):
    dataset = Dataset.objects.create(
        name="d", manifest=[], state=Dataset.State.READY, created_by=curator.user
    )
    html = curator.get(f"/curation/datasets/{dataset.pk}/").content.decode()
    headers = _headers(html, "counts")
    assert headers[-1] == "Excellent cells"
    rows = re.findall(r"<tr><th[^>]*>(?:train|test)</th>.*?</tr>", html, re.S)
    assert len(rows) == 2 and all(_labels(row) == headers[1:] for row in rows)
    assert 'class="table-scroll scroll-shadow"><table class="list" id="manifest">' in html


def test_each_compared_cell_names_its_model(curator):
    first, second = trained_model_versions({"first": 0.45, "second": 0.5})
    comparison = ModelComparison.objects.create(
        first=first, second=second, state="done", labels=["1"], created_by=curator.user
    )
    html = curator.get(comparison.get_absolute_url()).content.decode()
    row = re.search(r'<table class="list cells-compare stack">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert _labels(row) == ["poor input", "first", "second"]
