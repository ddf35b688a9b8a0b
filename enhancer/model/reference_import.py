"""Import published reference weights (a `latest_net_G_A.pth` state dict of the reference
implementation's unet_256) into the project's safetensors format.

`torch.load(weights_only=True)` refuses anything but tensors and plain containers, so a
malicious checkpoint cannot run code. Key names are the same as ours; BatchNorm running
statistics are kept (harmless: inference normalises per image).
"""

from pathlib import Path

import torch

from .checkpoint import save_generator
from .networks import Architecture, UnetGenerator


def infer_architecture(state: dict[str, torch.Tensor]) -> Architecture:
    first = state["model.model.0.weight"]  # (ngf, input_nc, 4, 4)
    last = state["model.model.3.weight"]  # (2·ngf, output_nc, 4, 4)
    norm = "batch" if "model.model.1.model.2.running_mean" in state else "instance"
    return Architecture(ngf=first.shape[0], norm=norm, input_nc=first.shape[1], output_nc=last.shape[1])


def import_reference(weights: str | Path, output: str | Path) -> Path:
    state = torch.load(weights, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or "model.model.0.weight" not in state:
        raise ValueError("not a reference unet_256 generator state dict (no model.model.0.weight)")
    arch = infer_architecture(state)
    generator = UnetGenerator(arch)
    missing, unexpected = generator.load_state_dict(state, strict=False)
    if missing or any(not k.endswith("num_batches_tracked") for k in unexpected):
        raise ValueError(f"weights do not fit unet_256: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return save_generator(output, generator, arch, preset="reference-import", source=Path(weights).name)
