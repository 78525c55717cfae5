#!/usr/bin/python3
"""The first 16 images of an IDX file (as `dcgan generate` and `pytorch_dcgan.py train` write them) as a 4x4 grid PNG
laid out as dcgan's own grids (each image scaled up, 4-pixel dark gaps): to look at the PyTorch reference's samples
beside ours. Reads the file with pytorch_dcgan.py's reader; needs Debian's python3-torch, python3-numpy and python3-pil.

  idx_grid.py samples.idx grid.png [scale]
"""
import sys

import numpy as np
from PIL import Image

from pytorch_dcgan import read_idx

GAP = 4

src, out, scale = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2
images = ((read_idx(src)[:16] + 1) * 127.5).round().clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()  # N, H, W, C
images = images.repeat(scale, 1).repeat(scale, 2)
if images.shape[3] == 1:
    images = images.repeat(3, 3)
_, h, w, _ = images.shape
grid = np.full((4 * h + 5 * GAP, 4 * w + 5 * GAP, 3), 64, np.uint8)
for i, image in enumerate(images):
    y, x = divmod(i, 4)
    grid[GAP + y * (h + GAP):GAP + y * (h + GAP) + h, GAP + x * (w + GAP):GAP + x * (w + GAP) + w] = image
Image.fromarray(grid).save(out)
