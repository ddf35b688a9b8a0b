import json

import pytest

from enhancer.baselines import DENOISE_SIGMAS
from enhancer.cli import main
from enhancer.evaluation import SHARP_REAL_KARYOGRAMS, evaluate, karyogram_groups
from enhancer.model.checkpoint import save_generator
from enhancer.model.networks import Architecture, UnetGenerator, init_weights
from tests.enhancer.conftest import REAL_KARYOGRAMS

METRICS = {
    "psnr",
    "ssim",
    "psnr_fg",
    "ssim_fg",
    "band_corr",
    "band_precision",
    "band_recall",
    "false_band_rate",
    "grid_ratio",
    "halo",
    "length_ratio",
    "mask_iou",
}


@pytest.fixture(scope="module")
def model_with_reverse(tmp_path_factory):
    arch = Architecture(ngf=4)
    root = tmp_path_factory.mktemp("model")
    save_generator(root, init_weights(UnetGenerator(arch)), arch)
    save_generator(root / "reverse", init_weights(UnetGenerator(arch)), arch)
    return root


def test_real_content_set_is_evaluated_with_every_method(model_with_reverse, tmp_path):
    if not REAL_KARYOGRAMS.exists():
        pytest.skip(f"../shared is absent on this machine ({REAL_KARYOGRAMS})")
    main(
        [
            "synth",
            "-o",
            str(tmp_path / "pairs"),
            "-n",
            "2",
            "--quality",
            "pair",
            "--seed",
            "501",
            "--width",
            "700",
            "--height",
            "600",
        ]
    )
    told = []
    summary, details = evaluate(
        model_with_reverse,
        tmp_path / "pairs",
        device="cpu",
        real_dir=REAL_KARYOGRAMS,
        real_per_image=3,
        progress=told.append,
    )
    assert (
        told == sorted(told) and told[-1] == 1.0 and len(told) >= 3 + len(summary["sets"])
    )  # a bar that moves
    real = summary["sets"]["real_content"]
    assert real["n"] == 3 * len(SHARP_REAL_KARYOGRAMS)
    assert {"cyclegan", "identity", "classical_best"} <= set(real["methods"])
    assert real["methods"]["identity"]["ssim_fg"] < 0.99  # the inputs are degraded
    assert summary["methods"] == summary["sets"]["synthetic"]["methods"]
    cells = details["real_content"]["cells"]
    assert {c["karyogram"] for c in cells} == set(SHARP_REAL_KARYOGRAMS)


def test_evaluate_command_writes_every_method_and_the_paper_protocol(model_with_reverse, tmp_path):
    assert (
        main(
            [
                "synth",
                "-o",
                str(tmp_path / "pairs"),
                "-n",
                "2",
                "--quality",
                "pair",
                "--seed",
                "500",
                "--width",
                "700",
                "--height",
                "600",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "evaluate",
                "--model",
                str(model_with_reverse),
                "--data",
                str(tmp_path / "pairs"),
                "--json",
                str(tmp_path / "out.json"),
                "--report",
                str(tmp_path / "report"),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    summary = json.loads((tmp_path / "out.json").read_text())
    assert summary["n"] > 10
    assert {
        "cyclegan",
        "cyclegan_guarded",
        "identity",
        "he",
        "clahe",
        "unsharp",
        "nlm",
        "classical_best",
    } <= set(summary["methods"])
    assert all(set(v) == METRICS for v in summary["methods"].values())
    # the denoiser is compared at the noise level that scored best on validation cells, not the identity
    assert summary["tuned_params"]["nlm"]["sigma"] in DENOISE_SIGMAS
    assert summary["methods"]["nlm"]["ssim_fg"] > summary["methods"]["identity"]["ssim_fg"]
    protocol = summary["paper_protocol"]
    assert protocol["paper"] == {"psnr": 40.795, "ssim": 0.988}
    assert {"reverse_generator", "reverse_generator_jpeg90"} <= set(protocol)
    assert "| cyclegan |" in (tmp_path / "report" / "report.md").read_text()
    assert (tmp_path / "report" / "cells_by_method.png").exists()
    assert (tmp_path / "report" / "distributions.png").exists()


def test_cells_are_grouped_by_karyogram_in_order_of_first_appearance():
    assert karyogram_groups(["b", "a", "b", "c", "a"]) == [[0, 2], [1, 4], [3]]
    assert karyogram_groups([]) == []
