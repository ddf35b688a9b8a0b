"""Training configuration and its presets."""

from dataclasses import asdict, dataclass, fields, replace

EXCLUDED_BY_DEFAULT = tuple([str(i) for i in range(13, 23)] + ["X", "Y", "XY"])


@dataclass(frozen=True)
class TrainingConfig:
    preset: str = "paper"
    ngf: int = 64
    ndf: int = 64
    norm: str = "batch"
    gan_mode: str = "vanilla"  # "vanilla" (logistic, as the paper says) or "lsgan"
    n_epochs: int = 100  # at constant learning rate
    n_epochs_decay: int = 100  # then linear decay
    batch_size: int = 4
    lr: float = 2e-4
    beta1: float = 0.5
    lambda_cycle: float = 10.0
    lambda_identity: float = 0.5
    lambda_supervised: float = 0.0  # L1 toward aligned excellent cells, when pairs are given
    lambda_ssim: float = 0.0  # (1 − SSIM) toward aligned excellent cells, when pairs are given
    lambda_gan: float = 1.0  # weight of the generators' adversarial terms (the reference's is 1)
    pool_size: int = 50
    flip: bool = True
    seed: int = 0
    excluded_labels: tuple[str, ...] = EXCLUDED_BY_DEFAULT
    image_size: int = 256
    upsample: str = "transpose"  # "resize" avoids the transposed convolutions' period-2 grid
    num_downs: int = 8  # U-Net levels; 7 when training on 128-px crops
    crop_size: int = 0  # train on random crops of this side (0 = whole cells); inference stays whole-cell
    epoch_size: int = 0  # images per epoch; 0 = max(|poor|, |excellent|) as in the reference
    log_every: int = 10  # steps between reading the losses back from the device (the CSV keeps every step)
    # CUDA only (ignored on the CPU, where they do not help): see bench/gpu.py for what each gains.
    channels_last: bool = False
    bf16: bool = False  # bfloat16 autocast of the forward passes and losses
    compile: bool = False  # torch.compile each network
    self_ensemble: bool = False  # the model card asks inference to average the four mirror images
    # the model card asks inference for batch norm's running statistics (gathered in training) instead
    # of each image's own, as the paper's test.py did; measured better for models trained on crops
    running_statistics: bool = False
    # the model card asks inference to sharpen soft outputs up to the band detail measured on the
    # excellent training cells (enhancer.sharpening); measured: band recall on real-content pairs
    band_sharpening: bool = False
    # the model card asks inference to deepen faint outputs' mid-tones toward the local contrast measured
    # on the excellent training cells, at most 1.5× the input's (enhancer.tone); measured: band contrast
    # of faint real exports up to 1.2×, for 0.6 dB on the real-content pairs (README)
    contrast_lift: bool = False
    keep_background: bool = False  # the model card asks inference never to darken the input's background
    # the model card asks inference to deepen a pale karyogram's staining toward the mean darkness measured
    # on the excellent training cells, by one gain of at most 1.5 (enhancer.staining); measured: README
    staining_depth: bool = False
    init_from: str = ""  # fine-tune: a model directory whose generators start the run ("" = reference init)

    def to_json(self) -> dict:
        data = asdict(self)
        data["excluded_labels"] = list(self.excluded_labels)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "TrainingConfig":
        """The configuration `to_json` wrote (e.g. stored with a training run)."""
        return cls(**{**data, "excluded_labels": tuple(data.get("excluded_labels", EXCLUDED_BY_DEFAULT))})

    @property
    def total_epochs(self) -> int:
        return self.n_epochs + self.n_epochs_decay

    def lr_factor(self, epoch: int) -> float:
        """Learning-rate multiplier for 1-based `epoch`: constant, then linear toward zero.

        Unlike the paper-era reference, which stepped the schedule at the start of each epoch
        and so trained its last epoch at lr 0, the last epoch here still learns.
        """
        return 1.0 - max(0, epoch - self.n_epochs) / (self.n_epochs_decay + 1)


PRESETS = {
    "paper": TrainingConfig(),
    # A small CycleGAN on whole cells, about an hour on 2 CPU cores (the first shipped model's recipe).
    "cpu-small": TrainingConfig(
        preset="cpu-small", ngf=16, ndf=16, gan_mode="lsgan", n_epochs=6, n_epochs_decay=6, epoch_size=1200
    ),
    # A CycleGAN with a supervised L1 term toward aligned (poor, excellent) cells, resize-convolution
    # up-sampling (no checkerboard), trained on 128-px crops: the shipped recipe sized for 2 CPU cores.
    "cpu-restore": TrainingConfig(
        preset="cpu-restore",
        ngf=16,
        ndf=16,
        gan_mode="lsgan",
        n_epochs=4,
        n_epochs_decay=4,
        epoch_size=800,
        lambda_supervised=10.0,
        upsample="resize",
        num_downs=7,
        crop_size=128,
        excluded_labels=(),
    ),
    # The shipped model's recipe, sized for one GPU (README "The shipped model"): many more crops in
    # larger batches, SSIM beside L1, adversarial terms weighted down so they sharpen without painting,
    # and inference with the running statistics and the mirror ensemble.
    "gpu-restore": TrainingConfig(
        preset="gpu-restore",
        ngf=16,
        ndf=32,
        gan_mode="lsgan",
        n_epochs=5,
        n_epochs_decay=5,
        batch_size=16,
        epoch_size=16000,
        lambda_supervised=10.0,
        lambda_ssim=5.0,
        lambda_gan=0.2,
        upsample="resize",
        num_downs=7,
        crop_size=128,
        excluded_labels=(),
        log_every=50,
        self_ensemble=True,
        running_statistics=True,
        band_sharpening=True,
        contrast_lift=True,
        keep_background=True,
        staining_depth=True,
    ),
    # For tests: a few iterations of a tiny network on small images.
    "tiny": TrainingConfig(
        preset="tiny",
        ngf=4,
        ndf=4,
        gan_mode="lsgan",
        n_epochs=1,
        n_epochs_decay=1,
        batch_size=2,
        pool_size=4,
        epoch_size=8,
    ),
}


def preset(name: str, **overrides) -> TrainingConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}")
    return replace(PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})


def parse_settings(pairs: list[str]) -> dict:
    """`FIELD=VALUE` strings (the CLI's --set) as typed overrides of `TrainingConfig` fields."""
    types = {f.name: f.type for f in fields(TrainingConfig)}
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in types or name in ("preset", "excluded_labels"):
            raise ValueError(f"--set {pair!r}: expected FIELD=VALUE with FIELD one of {sorted(types)}")
        kind = types[name]
        if kind is bool:
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"--set {pair!r}: {name} is true or false")
            settings[name] = value.lower() in ("true", "1")
        else:
            try:
                settings[name] = kind(value)
            except ValueError:
                raise ValueError(f"--set {pair!r}: {name} must be a {kind.__name__}") from None
    return settings
