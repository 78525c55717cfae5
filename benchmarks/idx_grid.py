#!/usr/bin/python3
"""The first 16 images of an IDX file (n, h, w[, c], as `dcgan generate` and `pytorch_dcgan.py train` write them) as a
4x4 grid PNG laid out as dcgan's own grids (each image scaled up, 4-pixel dark gaps): to look at the PyTorch
reference's samples beside ours. Needs Debian's python3-numpy and python3-pil.

  idx_grid.py samples.idx grid.png [scale]
"""
import sys, struct, numpy as np
from PIL import Image
src, out, scale = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2
b = open(src, 'rb').read()
nd = b[3]; dims = struct.unpack('>' + 'I' * nd, b[4:4 + 4 * nd])
a = np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)
if a.ndim == 3: a = a[..., None].repeat(3, -1)
a = a.repeat(scale, 1).repeat(scale, 2)
n, h, w, c = a.shape; gap = 4
g = np.full((4 * h + 5 * gap, 4 * w + 5 * gap, 3), 64, np.uint8)
for i in range(16):
    y, x = divmod(i, 4)
    g[gap + y * (h + gap):gap + y * (h + gap) + h, gap + x * (w + gap):gap + x * (w + gap) + w] = a[i]
Image.fromarray(g).save(out)
