"""`python -m enhancer import-reference`: every bad file ends in one `error:` line and exit 2, nothing
written; good files of either norm import and run."""

import numpy as np
import pytest
import torch

from enhancer.cli import main
from enhancer.model.networks import Architecture, UnetGenerator, init_weights
from enhancer.model.runtime import load_for_inference, run_generator


def _state(norm: str = "batch", ngf: int = 8) -> dict[str, torch.Tensor]:
    return dict(init_weights(UnetGenerator(Architecture(ngf=ngf, norm=norm))).state_dict())


def _import(tmp_path, capsys, state=None, raw: bytes | None = None) -> tuple[int, str, str]:
    source = tmp_path / "latest_net_G_A.pth"
    if raw is not None:
        source.write_bytes(raw)
    elif state is not None:
        torch.save(state, source)
    code = main(["import-reference", str(source), "-o", str(tmp_path / "imported")])
    out, err = capsys.readouterr()
    return code, out, err


def _refused(tmp_path, capsys, says: str, **given) -> None:
    code, out, err = _import(tmp_path, capsys, **given)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert says in err, err
    assert not (tmp_path / "imported").exists()


@pytest.mark.parametrize("norm", ["batch", "instance"])
def test_a_good_file_of_either_norm_imports_and_its_model_runs(tmp_path, capsys, norm):
    code, out, _ = _import(tmp_path, capsys, _state(norm))
    assert code == 0 and "model written to" in out
    generator, card = load_for_inference(tmp_path / "imported")
    assert card["architecture"]["norm"] == norm and card["architecture"]["ngf"] == 8
    assert np.isfinite(run_generator(generator, np.full((2, 256, 256), 0.5, np.float32), "cpu")).all()


def test_a_missing_file(tmp_path, capsys):
    _refused(tmp_path, capsys, "No such file")


@pytest.mark.parametrize("raw", [b"", b"hello\n", np.random.default_rng(0).bytes(5000)])
def test_a_garbage_file(tmp_path, capsys, raw):
    _refused(tmp_path, capsys, "is not a PyTorch weights file", raw=raw)


def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(tmp_path, capsys):
    class Exploit:
        def __reduce__(self):
            return (print, ("pwned",))

    _refused(tmp_path, capsys, "was refused", state={"model.model.0.weight": Exploit()})
    assert "pwned" not in capsys.readouterr().out


def test_not_a_state_dict_or_not_tensors(tmp_path, capsys):
    _refused(tmp_path, capsys, "holds a list", state=[torch.zeros(2)])
    _refused(tmp_path, capsys, "is a float, not a tensor", state={**_state(), "model.model.0.bias": 1.5})


def test_a_missing_key_is_named(tmp_path, capsys):
    state = _state()
    del state["model.model.1.model.1.weight"]
    _refused(tmp_path, capsys, "missing model.model.1.model.1.weight", state=state)


def test_the_norm_comes_from_the_whole_key_set_not_one_key(tmp_path, capsys):
    # The key the importer used to guess the norm from is gone; the rest says batch norm: it is missing.
    state = _state("batch")
    del state["model.model.1.model.2.running_mean"]
    _refused(
        tmp_path, capsys, "against batch norm (ngf 8) missing model.model.1.model.2.running_mean", state=state
    )
    # An instance-norm file with one stray batch-norm statistic is not taken for batch norm.
    stray = {**_state("instance"), "model.model.1.model.2.running_mean": torch.zeros(16)}
    _refused(
        tmp_path,
        capsys,
        "against instance norm (ngf 8) unexpected model.model.1.model.2.running_mean",
        state=stray,
    )


def test_a_wrong_shape_is_named(tmp_path, capsys):
    state = _state()
    state["model.model.1.model.3.model.1.weight"] = torch.zeros(32, 16, 3, 3)
    _refused(tmp_path, capsys, "model.model.1.model.3.model.1.weight has shape (32, 16, 3, 3)", state=state)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_weights_holding_nan_or_inf(tmp_path, capsys, bad):
    state = _state()
    state["model.model.1.model.1.weight"][0, 0, 0, 0] = bad
    _refused(tmp_path, capsys, "model.model.1.model.1.weight holds 1 NaN or infinite value(s)", state=state)


def test_finite_weights_whose_output_is_not_finite(tmp_path, capsys):
    state = _state()
    state["model.model.0.weight"] = torch.full_like(
        state["model.model.0.weight"], 3e38
    )  # finite; sums are not
    _refused(tmp_path, capsys, "output on a test image is not finite", state=state)
