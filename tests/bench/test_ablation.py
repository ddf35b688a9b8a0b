"""bench/ablation.py end to end on a tiny set: a row per model, raw and guarded, identity first."""

import json
import sys

from bench import ablation
from enhancer.cli import main as enhancer_cli
from enhancer.model.checkpoint import save_generator
from enhancer.model.networks import Architecture, UnetGenerator, init_weights


def test_the_ablation_compares_models_on_the_evaluation_sets(tmp_path, monkeypatch, capsys):
    arch = Architecture(ngf=4)
    save_generator(tmp_path / "random", init_weights(UnetGenerator(arch)), arch)
    enhancer_cli(["synth", "-o", str(tmp_path / "pairs"), "-n", "2", "--quality", "pair", "--seed", "502",
                  "--width", "700", "--height", "600"])  # fmt: skip
    out = tmp_path / "ablation.json"
    monkeypatch.setattr(sys, "argv", ["ablation.py", f"random={tmp_path / 'random'}",
                                      "--data", str(tmp_path / "pairs"), "--json", str(out)])  # fmt: skip
    ablation.main()
    rows = json.loads(out.read_text())["synthetic"]
    assert list(rows) == ["identity", "random", "random + guard"]
    assert rows["identity"]["grid_ratio"] == 1.0
    # random weights paint noise: worse than the input, and the guard takes most of it back
    assert rows["random"]["ssim_fg"] < rows["identity"]["ssim_fg"]
    assert rows["random + guard"]["ssim_fg"] > rows["random"]["ssim_fg"]
    assert "| random + guard |" in capsys.readouterr().out
