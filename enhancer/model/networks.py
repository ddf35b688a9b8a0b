"""The CycleGAN networks of the reference implementation, rebuilt from its specification.

Module structure and parameter names match the reference (`model.model.0.weight`, ...), so
published ChromoEnhancer weights load without renaming (see `import_reference`).
"""

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Architecture:
    """Everything needed to rebuild a generator; stored in every model card."""

    netG: str = "unet_256"  # noqa: N815 (the reference's name)
    ngf: int = 64
    ndf: int = 64
    norm: str = "batch"  # "batch" (paper) or "instance"
    input_nc: int = 1
    output_nc: int = 1
    num_downs: int = 8
    upsample: str = "transpose"  # "transpose" (paper) or "resize": bilinear ×2 then 3×3 conv, no checkerboard

    def to_json(self) -> dict:
        return asdict(self)


def up_layer(kind: str, in_nc: int, out_nc: int, bias: bool) -> nn.Module:
    """×2 up-sampling. Transposed convolution is the reference's; "resize" avoids its period-2 grid
    (Odena et al. 2016, "Deconvolution and Checkerboard Artifacts")."""
    if kind == "transpose":
        return nn.ConvTranspose2d(in_nc, out_nc, kernel_size=4, stride=2, padding=1, bias=bias)
    if kind == "resize":
        return nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            nn.Conv2d(in_nc, out_nc, kernel_size=3, padding=1, bias=bias),
        )
    raise ValueError(f"upsample must be 'transpose' or 'resize', not {kind!r}")


def norm_layer(kind: str):
    if kind == "batch":
        return lambda c: nn.BatchNorm2d(c, affine=True, track_running_stats=True)
    if kind == "instance":
        return lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
    raise ValueError(f"norm must be 'batch' or 'instance', not {kind!r}")


class UnetSkipConnectionBlock(nn.Module):
    """One level of the U-Net: down conv, the inner block, up conv, and a skip concatenation."""

    def __init__(
        self,
        outer_nc: int,
        inner_nc: int,
        input_nc: int | None = None,
        submodule: nn.Module | None = None,
        outermost: bool = False,
        innermost: bool = False,
        norm: str = "batch",
        upsample: str = "transpose",
    ):
        super().__init__()
        self.outermost = outermost
        make_norm = norm_layer(norm)
        use_bias = norm == "instance"
        input_nc = input_nc or outer_nc
        down_conv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
        down_relu = nn.LeakyReLU(0.2, True)
        up_relu = nn.ReLU(True)
        if outermost:
            up_conv = up_layer(upsample, inner_nc * 2, outer_nc, bias=True)
            layers = [down_conv, submodule, up_relu, up_conv, nn.Tanh()]
        elif innermost:
            up_conv = up_layer(upsample, inner_nc, outer_nc, bias=use_bias)
            layers = [down_relu, down_conv, up_relu, up_conv, make_norm(outer_nc)]
        else:
            up_conv = up_layer(upsample, inner_nc * 2, outer_nc, bias=use_bias)
            layers = [
                down_relu,
                down_conv,
                make_norm(inner_nc),
                submodule,
                up_relu,
                up_conv,
                make_norm(outer_nc),
            ]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    """unet_256: 8 down-sampling levels, skip connections, Tanh output; no dropout (CycleGAN)."""

    def __init__(self, arch: Architecture):
        super().__init__()
        ngf, options = arch.ngf, {"norm": arch.norm, "upsample": arch.upsample}
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True, **options)
        for _ in range(arch.num_downs - 5):
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, **options)
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block, **options)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block, **options)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block, **options)
        self.model = UnetSkipConnectionBlock(
            arch.output_nc, ngf, input_nc=arch.input_nc, submodule=block, outermost=True, **options
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    """70×70 PatchGAN (n_layers 3): 30×30 logits for a 256×256 input, no sigmoid."""

    def __init__(self, input_nc: int, ndf: int = 64, n_layers: int = 3, norm: str = "batch"):
        super().__init__()
        make_norm = norm_layer(norm)
        use_bias = norm == "instance"
        layers: list[nn.Module] = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [
                nn.Conv2d(ndf * prev, ndf * mult, 4, stride, 1, bias=use_bias),
                make_norm(ndf * mult),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def init_weights(net: nn.Module, gain: float = 0.02) -> nn.Module:
    """Reference init: conv weights N(0, gain), biases 0; BatchNorm γ N(1, gain), β 0."""
    for module in net.modules():
        if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(module.weight, 0.0, gain)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.normal_(module.weight, 1.0, gain)
            nn.init.zeros_(module.bias)
    return net


def per_image_normalisation(net: nn.Module) -> nn.Module:
    """Replace each BatchNorm2d by an affine InstanceNorm2d with the same γ, β and eps.

    This is exactly what the reference's test.py computes (train-mode BN at batch 1, no
    --eval), but it stays per-image when many cells run in one batch.
    """
    for name, child in net.named_children():
        if isinstance(child, nn.BatchNorm2d):
            replacement = nn.InstanceNorm2d(
                child.num_features, eps=child.eps, affine=True, track_running_stats=False
            )
            with torch.no_grad():
                replacement.weight.copy_(child.weight)
                replacement.bias.copy_(child.bias)
            setattr(net, name, replacement.to(child.weight.device))
        else:
            per_image_normalisation(child)
    return net


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
