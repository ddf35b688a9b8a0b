"""bench/gpu.py on a machine without CUDA: it says so, writes that down and exits 0."""

import json
from dataclasses import replace

import torch

from bench import gpu
from enhancer.training.config import preset


def test_without_cuda_the_gpu_bench_says_so_and_exits_0(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu.main(["--quick", "--json", str(tmp_path / "gpu.json")]) == 0
    assert "No CUDA GPU on this machine" in capsys.readouterr().out
    assert json.loads((tmp_path / "gpu.json").read_text())["device"] is None


def test_both_training_loops_of_the_bench_run_and_agree_on_the_cpu():
    """The GPU bench's loops are exercised here, so an API change breaks CI, not the one GPU lease."""
    config = replace(preset("tiny"), batch_size=2)
    cells = gpu.training_cells(8)
    for loop in (gpu.train_plain, gpu.train_device):
        seconds, losses = loop(config, cells, torch.device("cpu"), 1, 2)
        assert seconds > 0 and losses.shape == (2, len(gpu.LOSS_NAMES))
        assert torch.isfinite(torch.as_tensor(losses)).all()
