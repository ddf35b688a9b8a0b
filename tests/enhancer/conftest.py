"""Real karyograms from ../shared (evaluation only: read in place, never copied)."""

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REAL_KARYOGRAMS = SHARED / "data" / "real" / "karyograms"


def real_karyogram(name: str) -> Path:
    path = REAL_KARYOGRAMS / name
    if not path.exists():
        pytest.skip(f"../shared is absent on this machine ({path})")
    return path
