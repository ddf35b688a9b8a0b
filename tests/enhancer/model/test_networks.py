import copy

import pytest
import torch

from enhancer.model.device import select_device
from enhancer.model.networks import (
    Architecture,
    NLayerDiscriminator,
    UnetGenerator,
    count_parameters,
    init_weights,
    per_image_normalisation,
)


@pytest.mark.parametrize(
    ("ngf", "norm", "params"),
    [
        (64, "batch", 54_407_809),
        (64, "instance", 54_403_457),
        (32, "batch", 13_605_185),
        (16, "batch", 3_402_913),
    ],
)
def test_generator_parameter_counts_match_the_reference(ngf, norm, params):
    assert count_parameters(UnetGenerator(Architecture(ngf=ngf, norm=norm))) == params


def test_discriminator_is_a_70px_patchgan():
    d = NLayerDiscriminator(1, 64, norm="batch")
    assert count_parameters(d) == 2_763_585
    assert d(torch.zeros(2, 1, 256, 256)).shape == (2, 1, 30, 30)


def test_generator_maps_256_to_256_in_tanh_range():
    g = init_weights(UnetGenerator(Architecture(ngf=8)))
    out = g(torch.randn(3, 1, 256, 256))
    assert out.shape == (3, 1, 256, 256) and out.abs().max() <= 1


def test_init_follows_the_reference():
    g = init_weights(UnetGenerator(Architecture(ngf=8)))
    conv = g.model.model[0]
    assert abs(conv.weight.std().item() - 0.02) < 0.005
    bn = g.model.model[1].model[2]
    assert abs(bn.weight.mean().item() - 1.0) < 0.02 and bn.bias.abs().max() == 0


def test_batchnorm_to_instance_norm_is_exact_to_the_bit_and_batches_per_image():
    torch.manual_seed(0)
    g = init_weights(UnetGenerator(Architecture(ngf=8)))
    for m in g.modules():  # give the norm layers non-trivial affine parameters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    images = torch.randn(4, 1, 256, 256)
    reference = copy.deepcopy(g).train()  # the reference test.py: train-mode BN, one image at a time
    with torch.no_grad():
        one_by_one = torch.cat([reference(x[None]) for x in images])
        batched = per_image_normalisation(g).eval()(images)
    assert torch.equal(batched, one_by_one)


def test_device_selection(monkeypatch):
    assert select_device("cpu").type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert select_device("auto").type == "cpu"
    with pytest.raises(ValueError, match="CUDA"):
        select_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert select_device("auto") == torch.device("cuda")
    assert select_device("cuda:1") == torch.device("cuda:1")


def test_the_mirror_ensemble_averages_the_four_mirror_images_back():
    from enhancer.model.runtime import MirrorEnsemble

    torch.manual_seed(0)
    net = torch.nn.Conv2d(1, 1, 3, padding=1)  # not mirror-symmetric: each mirror gives another output
    batch = torch.randn(3, 1, 16, 16)
    expected = (
        net(batch)
        + net(batch.flip(-1)).flip(-1)
        + net(batch.flip(-2)).flip(-2)
        + net(batch.flip(-2, -1)).flip(-2, -1)
    ) / 4
    with torch.no_grad():
        assert torch.allclose(MirrorEnsemble(net)(batch), expected, atol=1e-6)
        assert not torch.allclose(net(batch), expected, atol=1e-3)
