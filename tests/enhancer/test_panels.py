"""enhancer.panels: a figure of several karyograms is found out, and cut into one lossless file each."""

import numpy as np
import pytest
from PIL import Image

from enhancer.cells import slice_cells
from enhancer.cli import main
from enhancer.io import ImageInfo, encode_karyogram, read_karyogram
from enhancer.panels import find_panels, panel_boxes, panel_files
from enhancer.segmentation import BorderLine
from enhancer.slicing import LayoutError, slice_karyogram
from enhancer.synthetic import synthesize
from tests.support.panels import LEFT, RIGHT, two_panel_figure


def test_a_two_panel_figure_is_refused_with_its_panels_and_each_panel_slices():
    figure = two_panel_figure()
    grey = figure.astype(np.float32) / 255
    assert find_panels(grey) == [LEFT, RIGHT]
    with pytest.raises(LayoutError, match="figure of 2 panels") as refused:
        slice_karyogram(grey)
    assert refused.value.panels == [LEFT, RIGHT]

    for x0, y0, x1, y1 in refused.value.panels:
        labels = slice_cells(grey[y0:y1, x0:x1]).inputs
        assert {str(n) for n in range(1, 23)} <= set(labels)


def test_one_karyogram_has_no_panels():
    assert find_panels(synthesize("46,XY", seed=3, width=700, height=600).image / 255.0) == []
    framed = synthesize("46,XY", seed=5, style="journal").image / 255.0
    assert find_panels(framed) == []  # a frame along the edges divides nothing


def test_panels_are_what_lines_leave_between_them_and_slivers_are_not_panels():
    lines = [BorderLine(True, 499, 502), BorderLine(True, 505, 507), BorderLine(False, 300, 302)]
    assert panel_boxes(lines, 1000, 600) == [(0, 0, 499, 300), (507, 0, 1000, 300), (0, 302, 499, 600),
                                             (507, 302, 1000, 600)]  # fmt: skip
    assert panel_boxes([BorderLine(True, 900, 902)], 1000, 600) == []  # a 98 px strip is a margin


def test_panel_files_keep_every_pixel():
    rng = np.random.default_rng(0)
    bmp = rng.integers(0, 256, (40, 90, 4), dtype=np.uint8)
    bmp[..., 3] = 0  # the padding byte of a 32-bit BMP
    figure = read_karyogram(encode_karyogram(bmp, ImageInfo("BMP", 90, 40, 4, 8)))
    files = panel_files(figure, [(0, 0, 40, 40), (50, 0, 90, 40)])
    assert [suffix for _, suffix in files] == [".png", ".png"]
    assert np.array_equal(read_karyogram(files[1][0]).pixels, figure.pixels[:, 50:90, :3])

    deep = rng.integers(0, 65536, (40, 90), dtype=np.uint16)
    figure = read_karyogram(encode_karyogram(deep, ImageInfo("TIFF", 90, 40, 1, 16)))
    (data, suffix), _ = panel_files(figure, [(0, 0, 40, 40), (50, 0, 90, 40)])
    assert suffix == ".tif" and np.array_equal(read_karyogram(data).pixels, deep[:, :40])


def test_the_command_line_writes_one_file_per_panel_and_enhance_says_how(tmp_path, capsys):
    figure = tmp_path / "figure.png"
    Image.fromarray(two_panel_figure()).save(figure)

    assert main(["enhance", str(figure), "-o", str(tmp_path / "out.png")]) == 2
    said = capsys.readouterr().err
    assert "figure of 2 panels" in said and "python -m enhancer panels" in said

    assert main(["panels", str(figure), "-o", str(tmp_path / "panels")]) == 0
    written = sorted((tmp_path / "panels").iterdir())
    assert [p.name for p in written] == ["figure-panel1.png", "figure-panel2.png"]
    assert np.array_equal(read_karyogram(written[1]).pixels, two_panel_figure()[:, 703:])

    single = tmp_path / "single.png"
    Image.fromarray(two_panel_figure()[:, :700]).save(single)
    assert main(["panels", str(single), "-o", str(tmp_path / "none")]) == 2
    assert "it is one karyogram" in capsys.readouterr().err
