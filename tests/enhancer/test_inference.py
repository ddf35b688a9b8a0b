import dataclasses

import numpy as np
import pytest
import torch

from enhancer.background import keep_background
from enhancer.cells import slice_cells
from enhancer.cli import main
from enhancer.inference import Enhancer
from enhancer.io import ImageInfo, encode_karyogram, read_karyogram
from enhancer.model.checkpoint import save_generator
from enhancer.model.networks import Architecture, UnetGenerator, init_weights
from enhancer.model.runtime import CHUNK, CPU_CHUNK, chunk_size
from enhancer.segmentation import background_level
from enhancer.sharpening import BandSharpening, sharpen_bands
from enhancer.staining import StainingDepth, deepen_staining, karyogram_darkness
from enhancer.synthetic import synthesize
from enhancer.tone import ContrastLift, lift_contrast


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    arch = Architecture(ngf=4, norm="batch")
    return save_generator(
        tmp_path_factory.mktemp("model"), init_weights(UnetGenerator(arch)), arch, preset="test"
    )


@pytest.fixture(scope="module")
def karyogram():
    made = synthesize("47,XY,+8", seed=3, quality="poor", severity="mild", width=900, height=750)
    return read_karyogram(encode_karyogram(made.image, ImageInfo("PNG", 900, 750, 1, 8)))


def test_cells_go_through_the_model_in_passes_of_the_devices_chunk(tiny_model, karyogram):
    enhancer = Enhancer(tiny_model, device="cpu")
    calls = []
    enhancer.generator.register_forward_hook(lambda module, args, out: calls.append(args[0].shape[0]))
    result = enhancer.enhance(karyogram, guard=False)
    assert calls == [CPU_CHUNK] * (24 // CPU_CHUNK) and CPU_CHUNK < 24
    assert chunk_size("cuda") == chunk_size(torch.device("cuda:1")) == CHUNK >= 24  # a karyogram in one pass
    assert result.pixels.shape == karyogram.pixels.shape and result.pixels.dtype == karyogram.pixels.dtype


def test_each_pass_and_each_cell_finished_after_the_network_is_told_in_order(
    tiny_model, karyogram, monkeypatch
):
    enhancer = Enhancer(tiny_model, device="cpu")
    inputs = slice_cells(karyogram.grey).inputs
    events = []
    finish_cell = Enhancer.finish_cell
    monkeypatch.setattr(
        Enhancer, "finish_cell", lambda self, y, x: events.append("cell") or finish_cell(self, y, x)
    )
    told = enhancer.enhance_inputs(inputs, on_progress=lambda done, total: events.append((done, total)))
    network = [(done, 48) for done in range(CPU_CHUNK, 25, CPU_CHUNK)]  # after each forward pass
    assert events == network + [step for done in range(25, 49) for step in ("cell", (done, 48))]
    assert all(np.array_equal(told.outputs[k], v) for k, v in enhancer.enhance_inputs(inputs).outputs.items())


def test_strength_zero_returns_the_original_and_reblend_needs_no_model(tiny_model, karyogram):
    enhancer = Enhancer(tiny_model, device="cpu")
    result = enhancer.enhance(karyogram, strength=1.0, guard=False)
    assert not np.array_equal(result.pixels, karyogram.pixels)
    assert np.array_equal(result.reblend(karyogram, 0.0), karyogram.pixels)
    assert np.array_equal(result.reblend(karyogram, 1.0), result.pixels)


def test_only_chromosome_pixels_change(tiny_model, karyogram):
    result = Enhancer(tiny_model, device="cpu").enhance(karyogram, guard=False)
    inside = np.zeros(karyogram.pixels.shape, bool)
    for cell in result.layout.cells:
        x0, y0, x1, y1 = cell.box
        inside[y0:y1, x0:x1] |= cell.mask
    assert np.array_equal(result.pixels[~inside], karyogram.pixels[~inside])


def test_23_cells(tiny_model, karyogram):
    result = Enhancer(tiny_model, device="cpu").enhance(karyogram, cells=23)
    assert [c.label for c in result.layout.cells][-1] == "XY" and len(result.outputs) == 23


def test_a_random_weight_model_is_held_back_on_every_cell_with_its_reason(
    tiny_model, karyogram, tmp_path, capsys
):
    result = Enhancer(tiny_model, device="cpu").enhance(karyogram)
    assert np.array_equal(result.pixels, karyogram.pixels)
    assert set(result.guard) == set(result.outputs) and len(result.guard) == 24
    for verdict in result.guard.values():
        assert verdict.strength_cap == 0.0 and verdict.reason.startswith("left as original — the model ")
    assert np.array_equal(result.reblend(karyogram, 1.0), karyogram.pixels)  # the cap holds for any strength

    source = tmp_path / "in.png"
    source.write_bytes(encode_karyogram(karyogram.pixels, karyogram.info))
    assert (
        main(
            [
                "enhance",
                str(source),
                "-o",
                str(tmp_path / "out.png"),
                "--model",
                str(tiny_model),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:24]] == [f"cell {v}" for v in result.guard]
    assert all("left as original — the model" in line for line in lines[:24])
    assert "24 held back by the fidelity guard" in lines[-1]
    assert lines[-2].startswith("whole karyogram against the original: mask IoU 1.000, length 1.000")
    assert np.array_equal(read_karyogram(tmp_path / "out.png").pixels, karyogram.pixels)


def test_the_cli_says_what_the_staining_depth_and_the_whole_result_did(
    tiny_model, karyogram, tmp_path, capsys
):
    """The shipped card asks for the staining depth: its gain is printed, as the library reports it, then
    the whole result measured against the original."""
    result = Enhancer(device="cpu").enhance(karyogram)
    assert result.staining is not None and result.staining.target == Enhancer().staining_depth.target_darkness
    source = tmp_path / "in.png"
    source.write_bytes(encode_karyogram(karyogram.pixels, karyogram.info))
    assert main(["enhance", str(source), "-o", str(tmp_path / "out.png"), "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-3] == result.staining.describe() and lines[-3].startswith("staining ")
    assert lines[-2] == result.report(karyogram).describe()
    assert lines[-2].startswith("whole karyogram against the original: mask IoU ")
    assert Enhancer(tiny_model, device="cpu").enhance(karyogram).staining is None  # a card without the step


def test_an_honest_model_passes_the_guard_untouched(tiny_model, karyogram):
    enhancer = Enhancer(tiny_model, device="cpu")

    def more_contrast(images, on_progress=None):  # ×1.3 about each cell's background
        backgrounds = np.array([background_level(x) for x in images])[:, None, None]
        return np.clip(backgrounds - 1.3 * (backgrounds - images), 0, 1), None

    enhancer.enhance_cells = more_contrast
    guarded, unguarded = enhancer.enhance(karyogram), enhancer.enhance(karyogram, guard=False)
    assert all(v.passed and v.reason == "" for v in guarded.guard.values()) and len(guarded.guard) == 24
    assert np.array_equal(guarded.pixels, unguarded.pixels)
    assert not np.array_equal(guarded.pixels, karyogram.pixels)


def test_a_card_that_asks_for_the_steps_after_the_model_gets_them_in_order(tmp_path, karyogram):
    arch = Architecture(ngf=4, norm="batch")
    generator = init_weights(UnetGenerator(arch))
    settings, lift = BandSharpening(target_detail=1.0), ContrastLift(target_contrast=1.0)
    plain = Enhancer(save_generator(tmp_path / "plain", generator, arch), device="cpu")
    inputs = np.stack(list(slice_cells(karyogram.grey).inputs.values())[:3])
    raw, nothing = plain.enhance_cells(inputs)
    assert nothing is None  # a card without the step reports none
    each = np.stack(
        [
            keep_background(lift_contrast(sharpen_bands(y, x, settings), x, lift), x)
            for y, x in zip(raw, inputs, strict=True)
        ]
    )
    # a staining target these cells reach together at gain 1.2; each alone would need its own gain
    depth = StainingDepth(target_darkness=karyogram_darkness(each, inputs, 1.2))
    sharpened = Enhancer(
        save_generator(
            tmp_path / "sharp",
            generator,
            arch,
            band_sharpening=settings.to_json(),
            contrast_lift=lift.to_json(),
            keep_background=True,
            staining_depth=depth.to_json(),
        ),
        device="cpu",
    )
    assert plain.sharpening is None and plain.contrast_lift is None and not plain.keeps_background
    assert sharpened.sharpening == settings and sharpened.contrast_lift == lift and sharpened.keeps_background
    assert plain.staining_depth is None and sharpened.staining_depth == depth
    out, done = sharpened.enhance_cells(inputs)
    expected, reported = deepen_staining(each, inputs, depth)  # then the karyogram's cells together
    one_by_one = np.stack(
        [deepen_staining(y[None], x[None], depth)[0][0] for y, x in zip(each, inputs, strict=True)]
    )
    assert not np.array_equal(expected, each) and not np.array_equal(expected, one_by_one)
    assert np.array_equal(out, expected) and not np.array_equal(out, raw)
    assert done == reported and done.gain > 1
    assert sharpened.enhance_cells(inputs[:0])[0].shape == (0, 256, 256)


def test_the_shipped_model_runs_as_its_card_says_mirror_ensembled():
    from enhancer.model.runtime import MirrorEnsemble

    enhancer = Enhancer()
    assert enhancer.card["self_ensemble"] and isinstance(enhancer.generator, MirrorEnsemble)
    assert enhancer.sharpening == BandSharpening.from_card(enhancer.card) is not None
    assert enhancer.contrast_lift == ContrastLift.from_card(enhancer.card) is not None
    assert enhancer.keeps_background
    assert enhancer.staining_depth == StainingDepth.from_card(enhancer.card) is not None


def test_the_cli_measures_a_jpeg_result_as_written(karyogram, tmp_path, capsys):
    """A JPEG's encoding changes the pixels: the whole-karyogram line describes the file written."""
    jpeg_info = dataclasses.replace(karyogram.info, format="JPEG")
    source = tmp_path / "in.jpg"
    source.write_bytes(encode_karyogram(karyogram.pixels, jpeg_info))
    assert main(["enhance", str(source), "-o", str(tmp_path / "out.jpg"), "--device", "cpu"]) == 0
    original = read_karyogram(source)
    result = Enhancer(device="cpu").enhance(original)
    written = read_karyogram(tmp_path / "out.jpg").pixels
    assert not np.array_equal(written, result.pixels)  # the encoding moved some grey levels
    assert capsys.readouterr().out.splitlines()[-2] == result.report(original, written).describe()
