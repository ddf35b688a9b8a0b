"""The "resize" up-sampling option: same U-Net, no transposed convolutions, no period-2 grid."""

import torch
from torch import nn

from enhancer.model.checkpoint import load_generator, save_generator
from enhancer.model.networks import Architecture, UnetGenerator, init_weights


def checkerboard_energy(image: torch.Tensor) -> float:
    """RMS response to the 2×2 checkerboard kernel, away from the borders."""
    kernel = torch.tensor([[1.0, -1.0], [-1.0, 1.0]]).view(1, 1, 2, 2) / 4
    response = torch.nn.functional.conv2d(image, kernel)[..., 16:-16, 16:-16]
    return float(response.pow(2).mean().sqrt())


def test_resize_generator_has_no_transposed_convolution_and_no_grid_on_flat_input():
    torch.manual_seed(0)
    flat = torch.full((1, 1, 256, 256), 0.3)
    energies = {}
    for kind in ("transpose", "resize"):
        g = init_weights(UnetGenerator(Architecture(ngf=8, norm="instance", upsample=kind))).eval()
        with torch.no_grad():
            energies[kind] = checkerboard_energy(g(flat))
        has_transpose = any(isinstance(m, nn.ConvTranspose2d) for m in g.modules())
        assert has_transpose == (kind == "transpose")
    assert energies["resize"] < 0.1 * energies["transpose"]


def test_cards_without_upsample_load_as_the_reference_architecture(tmp_path):
    arch = Architecture(ngf=4, upsample="resize")
    save_generator(tmp_path, init_weights(UnetGenerator(arch)), arch)
    generator, card = load_generator(tmp_path)
    assert card["architecture"]["upsample"] == "resize"
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in generator.modules())
    assert (
        Architecture(**{k: v for k, v in card["architecture"].items() if k != "upsample"}).upsample
        == "transpose"
    )
