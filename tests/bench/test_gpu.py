"""bench/gpu.py on a machine without CUDA: it says so, writes that down and exits 0."""

import json

import torch

from bench import gpu


def test_without_cuda_the_gpu_bench_says_so_and_exits_0(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu.main(["--quick", "--json", str(tmp_path / "gpu.json")]) == 0
    assert "No CUDA GPU on this machine" in capsys.readouterr().out
    assert json.loads((tmp_path / "gpu.json").read_text())["device"] is None
