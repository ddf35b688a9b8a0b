"""Pick the compute device: CUDA when present (or asked for), the CPU otherwise."""

import torch


def select_device(requested: str = "auto") -> torch.device:
    """`auto` takes the first CUDA device when one is available; `cpu` and `cuda[:n]` are explicit."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was requested but no CUDA device is available")
    return device
