"""Pick the compute device (CUDA when present or asked for, else the CPU) and feed it without stalls."""

import numpy as np
import torch


def select_device(requested: str = "auto") -> torch.device:
    """`auto` takes the first CUDA device when one is available; `cpu` and `cuda[:n]` are explicit."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was requested but no CUDA device is available")
    return device


def device_label(device: torch.device) -> str:
    """What a job records about where it ran: `cpu`, or `cuda:0 (NVIDIA H100 80GB HBM3)`."""
    if device.type != "cuda":
        return device.type
    index = device.index if device.index is not None else torch.cuda.current_device()
    return f"cuda:{index} ({torch.cuda.get_device_name(index)})"


def to_device(array: np.ndarray, device: torch.device) -> torch.Tensor:
    """A small host array on `device`; on CUDA through pinned memory, so the host does not wait for the GPU."""
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    if device.type != "cuda":
        return tensor.to(device)
    return tensor.pin_memory().to(device, non_blocking=True)
