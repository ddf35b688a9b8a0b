import json
import pickle

import pytest
import torch

from enhancer.model.checkpoint import WEIGHTS, load_generator, read_card, save_generator
from enhancer.model.networks import Architecture, UnetGenerator, init_weights
from enhancer.model.reference_import import import_reference

# The 40 parameter tensors of a reference latest_net_G_A.pth (unet_256, batch norm, ngf 64,
# 1 -> 1 channels), as listed in §8 of the reference notes; BN layers add running stats.
REFERENCE_PARAMETERS = {
    "model.model.0.weight": (64, 1, 4, 4),
    "model.model.1.model.1.weight": (128, 64, 4, 4),
    "model.model.1.model.2.weight": (128,),
    "model.model.1.model.3.model.1.weight": (256, 128, 4, 4),
    "model.model.1.model.3.model.3.model.1.weight": (512, 256, 4, 4),
    "model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.1.weight": (512, 512, 4, 4),
    "model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.3.weight": (512, 512, 4, 4),
    "model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.4.weight": (512,),
    "model.model.1.model.3.model.3.model.3.model.3.model.3.model.5.weight": (1024, 512, 4, 4),
    "model.model.1.model.3.model.3.model.5.weight": (1024, 256, 4, 4),
    "model.model.1.model.5.weight": (256, 64, 4, 4),
    "model.model.1.model.6.bias": (64,),
    "model.model.3.weight": (128, 1, 4, 4),
    "model.model.3.bias": (1,),
}


def test_save_and_load_round_trip_without_pickle(tmp_path):
    arch = Architecture(ngf=8)
    g = init_weights(UnetGenerator(arch))
    save_generator(tmp_path, g, arch, preset="test", metrics={"psnr": 1.0})
    card = read_card(tmp_path)
    assert card["architecture"]["ngf"] == 8 and card["preset"] == "test" and len(card["weights_sha256"]) == 64
    loaded, _ = load_generator(tmp_path)
    for key, value in g.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])
    assert not (tmp_path / WEIGHTS).read_bytes().startswith(b"\x80")  # not a pickle stream


def test_a_pickle_disguised_as_weights_is_refused(tmp_path):
    arch = Architecture(ngf=8)
    save_generator(tmp_path, UnetGenerator(arch), arch)
    (tmp_path / WEIGHTS).write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(Exception):  # safetensors cannot parse it; nothing is unpickled
        load_generator(tmp_path)


def _reference_state_dict() -> dict:
    state = UnetGenerator(Architecture(ngf=64, norm="batch")).state_dict()
    return {
        k: torch.randn_like(v.float()).to(v.dtype) if v.dtype.is_floating_point else v
        for k, v in state.items()
    }


def test_our_keys_and_shapes_are_the_reference_ones():
    state = UnetGenerator(Architecture(ngf=64, norm="batch")).state_dict()
    assert len(state) == 82
    for key, shape in REFERENCE_PARAMETERS.items():
        assert tuple(state[key].shape) == shape


def test_import_reference_weights(tmp_path):
    state = _reference_state_dict()
    torch.save(state, tmp_path / "latest_net_G_A.pth")
    out = import_reference(tmp_path / "latest_net_G_A.pth", tmp_path / "imported")
    card = json.loads((out / "model_card.json").read_text())
    assert card["architecture"] == Architecture(ngf=64, norm="batch").to_json()
    loaded, _ = load_generator(out)
    assert torch.equal(loaded.state_dict()["model.model.3.bias"], state["model.model.3.bias"])


def test_import_reference_refuses_code_in_the_pickle(tmp_path):
    class Exploit:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save(
        {"model.model.0.weight": Exploit()}, tmp_path / "evil.pth", _use_new_zipfile_serialization=True
    )
    with pytest.raises(Exception, match="(?i)weights_only|unsupported|global"):
        import_reference(tmp_path / "evil.pth", tmp_path / "out")
    assert not (tmp_path / "out").exists()
