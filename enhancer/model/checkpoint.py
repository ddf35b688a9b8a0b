"""Model directories: `generator.safetensors` + `model_card.json`. Loading never unpickles.

The card holds the architecture (to rebuild the network), the preset, a summary and hash
of the training data, metrics and the date.
"""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .networks import Architecture, UnetGenerator

WEIGHTS = "generator.safetensors"
CARD = "model_card.json"


def save_generator(directory: str | Path, generator: torch.nn.Module, arch: Architecture, **card) -> Path:
    """Write a generator's weights and its model card into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in generator.state_dict().items()}
    save_file(tensors, directory / WEIGHTS)
    digest = hashlib.sha256((directory / WEIGHTS).read_bytes()).hexdigest()
    full_card = {
        "architecture": arch.to_json(),
        "weights_sha256": digest,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **card,
    }
    (directory / CARD).write_text(json.dumps(full_card, indent=2))
    return directory


def read_card(directory: str | Path) -> dict:
    return json.loads((Path(directory) / CARD).read_text())


def load_generator(directory: str | Path, device: torch.device | str = "cpu") -> tuple[UnetGenerator, dict]:
    """Rebuild the generator from its card and load the safetensors weights (no pickle)."""
    card = read_card(directory)
    arch = Architecture(**card["architecture"])
    generator = UnetGenerator(arch)
    state = load_file(Path(directory) / WEIGHTS, device="cpu")
    generator.load_state_dict(state, strict=True)
    return generator.to(device), card
