"""Import published reference weights (a `latest_net_G_A.pth` state dict of the reference
implementation's unet_256) into the project's safetensors format.

`torch.load(weights_only=True)` refuses anything but tensors and plain containers, so a
malicious checkpoint cannot run code. Key names are the same as ours; BatchNorm running
statistics are kept (harmless: inference normalises per image). Everything is checked before
anything is written, and every way a file can be wrong is a `ReferenceImportError` saying what:
no such file, not a PyTorch file, a refused pickle, keys that fit neither norm of unet_256 (the
norm is the one whose whole key set matches), a wrong shape, a value that is not a finite
tensor, or a model whose output on a test image is not finite.
"""

import copy
import re
import warnings
from pathlib import Path

import numpy as np
import torch

from .checkpoint import save_generator
from .networks import Architecture, UnetGenerator
from .runtime import ready_for_inference, run_generator

NORMS = ("batch", "instance")
COUNTER = "num_batches_tracked"  # BatchNorm bookkeeping: not a weight, not required


class ReferenceImportError(ValueError):
    """The file cannot be imported as reference unet_256 weights; the message says why."""


def read_state(weights: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a reference checkpoint, loaded without running any code from it."""
    path = Path(weights)
    if not path.is_file():
        raise ReferenceImportError(f"No such file: {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's advice on legacy files: our message replaces it
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch.load raises many types for foreign or damaged files
        # weights_only names the global (a function or class) a pickle wanted to call: refused code.
        refused = re.search(
            r"WeightsUnpickler error:\s*((?:Unsupported global|Unsupported class|Trying to)[^\n]*?)(?:\. |\n|$)",
            str(exc),
        )
        if refused:
            raise ReferenceImportError(
                f"{path.name} was refused: it holds more than tensors and would run code to load "
                f"({refused.group(1).strip()}); nothing from it was run."
            ) from exc
        raise ReferenceImportError(
            f"{path.name} is not a PyTorch weights file ({type(exc).__name__})."
        ) from exc
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise ReferenceImportError(
            f"{path.name} holds a {type(state).__name__}, not a generator's state dict."
        )
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            raise ReferenceImportError(f"{key} is a {type(value).__name__}, not a tensor.")
    return state


def _expected(arch: Architecture) -> dict[str, torch.Size]:
    """Key → shape of a generator of `arch` (built on the meta device: no memory, no time)."""
    with torch.device("meta"):
        state = UnetGenerator(arch).state_dict()
    return {k: v.shape for k, v in state.items() if not k.endswith(COUNTER)}


def _listed(keys: set[str]) -> str:
    shown = sorted(keys)[:3]
    return ", ".join(shown) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")


def infer_architecture(state: dict[str, torch.Tensor]) -> Architecture:
    """The unet_256 whose keys are exactly those of `state` (batch or instance norm) and whose
    shapes match; channels and width come from the outermost convolutions."""
    first, last = state.get("model.model.0.weight"), state.get("model.model.3.weight")
    if first is None or last is None or first.ndim != 4 or last.ndim != 4:
        raise ReferenceImportError(
            "not a reference unet_256 generator: model.model.0.weight and model.model.3.weight (its "
            "outermost convolutions) are missing or not 4-D"
        )
    keys = {k for k in state if not k.endswith(COUNTER)}
    candidates = [
        Architecture(ngf=first.shape[0], norm=norm, input_nc=first.shape[1], output_nc=last.shape[1])
        for norm in NORMS
    ]
    expected = {arch.norm: _expected(arch) for arch in candidates}
    fitting = [arch for arch in candidates if set(expected[arch.norm]) == keys]
    if not fitting:
        closest = min(candidates, key=lambda a: len(keys ^ set(expected[a.norm])))
        missing, unexpected = set(expected[closest.norm]) - keys, keys - set(expected[closest.norm])
        raise ReferenceImportError(
            f"the weights fit neither norm of unet_256; against {closest.norm} norm (ngf {closest.ngf}) "
            + "; ".join(
                part
                for part in (
                    missing and f"missing {_listed(missing)}",
                    unexpected and f"unexpected {_listed(unexpected)}",
                )
                if part
            )
        )
    arch = fitting[0]
    for key, shape in expected[arch.norm].items():
        if state[key].shape != shape:
            raise ReferenceImportError(
                f"{key} has shape {tuple(state[key].shape)} where unet_256 (ngf {arch.ngf}, "
                f"{arch.norm} norm) has {tuple(shape)}"
            )
    return arch


def _check_finite(state: dict[str, torch.Tensor]) -> None:
    for key, value in state.items():
        if value.is_floating_point() and not torch.isfinite(value).all():
            bad = int((~torch.isfinite(value)).sum())
            raise ReferenceImportError(f"{key} holds {bad} NaN or infinite value(s) of {value.numel()}")


def _check_output(generator: UnetGenerator, arch: Architecture) -> None:
    """The model as inference will run it (per-image normalisation) must give a finite image."""
    runnable = ready_for_inference(copy.deepcopy(generator), arch.norm)
    ramp = np.tile(np.linspace(0.1, 0.9, 256, dtype=np.float32), (1, 256, 1))
    if not np.isfinite(run_generator(runnable, ramp, torch.device("cpu"))).all():
        raise ReferenceImportError(
            "the imported model's output on a test image is not finite (weights too large)"
        )


def import_reference(weights: str | Path, output: str | Path) -> Path:
    """Check reference weights and write them as a model directory; nothing is written if any check fails."""
    state = read_state(weights)
    arch = infer_architecture(state)
    _check_finite(state)
    generator = UnetGenerator(arch)
    generator.load_state_dict(state, strict=False)  # keys checked above; BatchNorm counters optional
    _check_output(generator, arch)
    return save_generator(output, generator, arch, preset="reference-import", source=Path(weights).name)
