"""ChromoEnhancer's science as a plain library: image I/O, karyogram slicing, cells and
reassembly, the CycleGAN, inference, metrics and synthetic karyograms. No Django here."""

from pathlib import Path

SHIPPED_MODEL = (
    Path(__file__).with_name("models") / "chromoenhancer-gpu-restore"
)  # README: "The shipped model"
