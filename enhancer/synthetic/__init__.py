"""Synthetic G-banded karyograms with known karyotypes and a degradation model.

No karyogram dataset can be downloaded, so the project makes its own: they drive the
tests, the training of the shipped model, the demo and the benchmarks.
"""

from .karyogram import SyntheticKaryogram, synthesize, synthesize_pair
from .karyotype import random_karyotype

__all__ = ["SyntheticKaryogram", "random_karyotype", "synthesize", "synthesize_pair"]
