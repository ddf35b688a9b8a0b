"""A figure of two karyograms side by side, as journals print them."""

import numpy as np

from enhancer.synthetic import synthesize

LEFT, RIGHT = (0, 0, 700, 600), (703, 0, 1403, 600)  # the panels' boxes, x0 y0 x1 y1


def two_panel_figure() -> np.ndarray:
    """Two synthetic karyograms (45,X and 47,XXX), a 3 px black line between them."""
    left = synthesize("45,X", seed=3, width=700, height=600).image
    right = synthesize("47,XXX", seed=4, width=700, height=600).image
    return np.hstack([left, np.zeros((600, 3), np.uint8), right])
