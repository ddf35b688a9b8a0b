"""Cells for the model and back: pad each slot to a square with its own background,
keep the aspect ratio (the model is shape and length sensitive), resize to 256×256.

`CellTransform` remembers the geometry so a model output maps back onto the slot; it travels
with the cell's model input (`PreparedCells`), so nothing is recomputed to map a cell back.
Only chromosome pixels (the dilated mask) reach the model: label text, underlines and
debris in the slot are replaced by background.
"""

from dataclasses import astuple, dataclass

import numpy as np
from scipy import ndimage as ndi
from skimage.transform import resize

from .segmentation import background_level
from .slicing import Cell, Layout, slice_karyogram

MODEL_SIZE = 256
MASK_CONTEXT_PX = 2  # chromosome edge context kept around the mask


@dataclass(frozen=True)
class CellTransform:
    height: int  # slot size in original pixels
    width: int
    side: int  # side of the padded square, original pixels
    offset_y: int  # where the slot sits inside the square
    offset_x: int
    size: int  # model input side

    def to_array(self) -> np.ndarray:
        """The six numbers as an int64 array, to be stored beside the cell's arrays (npz, no pickle)."""
        return np.array(astuple(self), np.int64)

    @classmethod
    def from_array(cls, values: np.ndarray) -> "CellTransform":
        return cls(*(int(v) for v in values))


@dataclass
class PreparedCells:
    """One karyogram's cells ready for the model: its slots (boxes, chromosome masks) and, for each
    slot holding chromosomes, the model input and the transform that maps a model image back."""

    layout: Layout
    inputs: dict[str, np.ndarray]  # label → size×size float32 in [0, 1]
    transforms: dict[str, CellTransform]


def prepare_cells(grey: np.ndarray, layout: Layout, size: int = MODEL_SIZE) -> PreparedCells:
    """Model inputs and transforms of the slots of `layout` holding chromosomes; `grey` in [0, 1]
    (the karyogram's background level is measured once for all of them)."""
    background = background_level(grey)
    inputs, transforms = {}, {}
    for cell in layout.cells:
        if cell.objects:
            inputs[cell.label], transforms[cell.label] = to_model_input(grey, cell, background, size)
    return PreparedCells(layout, inputs, transforms)


def slice_cells(grey: np.ndarray, cells: int = 24, layout: dict | None = None) -> PreparedCells:
    """Slice a karyogram (`slicing.slice_karyogram`: detected, or the boxes of a JSON `layout`) and
    prepare its cells; raises `LayoutError` when the layout cannot be read."""
    return prepare_cells(grey, slice_karyogram(grey, cells=cells, layout=layout))


def to_model_input(
    grey: np.ndarray, cell: Cell, background: float, size: int = MODEL_SIZE
) -> tuple[np.ndarray, CellTransform]:
    """The cell as a size×size float32 image in [0, 1], and the transform to map it back."""
    x0, y0, x1, y1 = cell.box
    crop = grey[y0:y1, x0:x1]
    keep = ndi.binary_dilation(cell.mask, iterations=MASK_CONTEXT_PX) if cell.mask.any() else cell.mask
    crop = np.where(keep, crop, background)
    height, width = crop.shape
    side = max(height, width)
    oy, ox = (side - height) // 2, (side - width) // 2
    square = np.full((side, side), background, np.float32)
    square[oy : oy + height, ox : ox + width] = crop
    image = resize(square, (size, size), order=1, anti_aliasing=side > size, preserve_range=True)
    return image.astype(np.float32), CellTransform(height, width, side, oy, ox, size)


def from_model_output(image: np.ndarray, transform: CellTransform) -> np.ndarray:
    """Map a size×size model image back onto the slot's pixel grid (float, same range)."""
    t = transform
    square = resize(image, (t.side, t.side), order=1, anti_aliasing=t.size > t.side, preserve_range=True)
    return square[t.offset_y : t.offset_y + t.height, t.offset_x : t.offset_x + t.width].astype(np.float32)
