"""How inference runs a generator: as its model card asks (batch-norm statistics, mirror ensemble)."""

import copy

import pytest
import torch

from enhancer.model.checkpoint import save_generator
from enhancer.model.networks import Architecture, UnetGenerator, init_weights
from enhancer.model.runtime import MirrorEnsemble, load_for_inference


@pytest.fixture
def trained_like():
    """A batch-norm generator whose running statistics are far from any one image's own."""
    torch.manual_seed(0)
    arch = Architecture(ngf=4, num_downs=6, upsample="resize")
    generator = init_weights(UnetGenerator(arch))
    for module in generator.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return generator, arch


@pytest.mark.parametrize("running", [False, True])
def test_the_card_chooses_running_or_per_image_statistics(trained_like, tmp_path, running):
    generator, arch = trained_like
    save_generator(tmp_path, generator, arch, running_statistics=running)
    loaded, card = load_for_inference(tmp_path)
    images = torch.rand(2, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        with_running = copy.deepcopy(generator).eval()(images)
        per_image = torch.cat([copy.deepcopy(generator).train()(x[None]) for x in images])
        out = loaded(images)
    assert card["running_statistics"] is running
    assert torch.allclose(out, with_running if running else per_image, atol=1e-5)
    assert not torch.allclose(with_running, per_image, atol=1e-3)


def test_a_card_without_the_fields_runs_per_image_and_without_the_ensemble(trained_like, tmp_path):
    generator, arch = trained_like
    save_generator(tmp_path, generator, arch)
    loaded, _ = load_for_inference(tmp_path)
    assert not isinstance(loaded, MirrorEnsemble)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in loaded.modules())  # per-image norms


def test_the_ensemble_wraps_a_generator_with_running_statistics(trained_like, tmp_path):
    generator, arch = trained_like
    save_generator(tmp_path, generator, arch, running_statistics=True, self_ensemble=True)
    loaded, _ = load_for_inference(tmp_path)
    assert isinstance(loaded, MirrorEnsemble)
    assert any(isinstance(m, torch.nn.BatchNorm2d) and not m.training for m in loaded.modules())
