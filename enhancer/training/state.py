"""Training checkpoints without pickle: tensors in safetensors, everything else in JSON.

A checkpoint holds the four networks, both optimisers (moments and step counts), the
scheduler position, the image pools and every RNG state, so `--resume` continues the run
exactly where it stopped.
"""

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

TENSORS = "training_state.safetensors"
META = "training_state.json"


def _flatten_optimizer(prefix: str, state: dict, tensors: dict) -> dict:
    meta = {"param_groups": state["param_groups"], "state": {}}
    for index, values in state["state"].items():
        meta["state"][str(index)] = {}
        for key, value in values.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}.{index}.{key}"] = value.detach().cpu().contiguous()
                meta["state"][str(index)][key] = "tensor"
            else:
                meta["state"][str(index)][key] = value
    return meta


def _unflatten_optimizer(prefix: str, meta: dict, tensors: dict) -> dict:
    state = {}
    for index, values in meta["state"].items():
        state[int(index)] = {
            key: tensors[f"{prefix}.{index}.{key}"] if value == "tensor" else value
            for key, value in values.items()
        }
    return {"state": state, "param_groups": meta["param_groups"]}


def save_state(
    directory: Path,
    *,
    nets: dict[str, torch.nn.Module],
    optimizers: dict[str, torch.optim.Optimizer],
    scheduler_epoch: int,
    epoch: int,
    iteration: int,
    pools: dict[str, list[torch.Tensor]],
    rng: np.random.Generator,
    extra: dict,
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    for name, net in nets.items():
        for key, value in net.state_dict().items():
            tensors[f"net.{name}.{key}"] = value.detach().cpu().contiguous()
    optimizer_meta = {
        name: _flatten_optimizer(f"opt.{name}", opt.state_dict(), tensors) for name, opt in optimizers.items()
    }
    for name, images in pools.items():
        if images:
            tensors[f"pool.{name}"] = torch.stack(images).cpu().contiguous()
    tensors["rng.torch"] = torch.get_rng_state()
    meta = {
        "epoch": epoch,
        "iteration": iteration,
        "scheduler_epoch": scheduler_epoch,
        "optimizers": optimizer_meta,
        "numpy_rng": rng.bit_generator.state,
        **extra,
    }
    tmp_tensors, tmp_meta = directory / (TENSORS + ".tmp"), directory / (META + ".tmp")
    save_file(tensors, tmp_tensors)
    tmp_meta.write_text(json.dumps(meta))
    tmp_tensors.replace(directory / TENSORS)  # a crash mid-save leaves the previous checkpoint whole
    tmp_meta.replace(directory / META)


def has_state(directory: Path) -> bool:
    return (directory / TENSORS).exists() and (directory / META).exists()


def load_state(
    directory: Path,
    *,
    nets: dict[str, torch.nn.Module],
    optimizers: dict[str, torch.optim.Optimizer],
    pools: dict[str, list[torch.Tensor]],
    rng: np.random.Generator,
    device: torch.device,
) -> dict:
    tensors = load_file(directory / TENSORS, device="cpu")
    meta = json.loads((directory / META).read_text())
    for name, net in nets.items():
        prefix = f"net.{name}."
        net.load_state_dict({k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)})
    for name, opt in optimizers.items():
        opt.load_state_dict(_unflatten_optimizer(f"opt.{name}", meta["optimizers"][name], tensors))
    for name in pools:
        pools[name][:] = list(tensors[f"pool.{name}"].to(device)) if f"pool.{name}" in tensors else []
    torch.set_rng_state(tensors["rng.torch"])
    rng.bit_generator.state = meta["numpy_rng"]
    return meta
