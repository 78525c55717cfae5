#!/usr/bin/python3
"""The data-loading peer of `dcgan data prepare` and of training on a folder: torchvision's ImageFolder with
pytorch/examples' dcgan transforms (Resize, CenterCrop, ToTensor, Normalize to [-1, 1]) through a DataLoader with
worker processes, as `main.py --dataset folder --workers 2` reads a folder every epoch. Runs on Debian's
python3-torchvision; nothing else.

  torchvision_folder.py FOLDER [--image-size 64] [--batch-size 128] [--workers 2] [--batches N]

Prints, as JSON: the images listed, the seconds to list them, and the images/s of the batches read (the first
batch, which starts the workers, counted apart).
"""
import argparse
import json
import time

import torch
from torchvision import datasets, transforms

parser = argparse.ArgumentParser()
parser.add_argument("folder")
parser.add_argument("--image-size", type=int, default=64)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--batches", type=int, default=0, help="batches to time (0: one whole epoch)")
args = parser.parse_args()

clock = time.perf_counter()
dataset = datasets.ImageFolder(root=args.folder, transform=transforms.Compose([
    transforms.Resize(args.image_size),
    transforms.CenterCrop(args.image_size),
    transforms.ToTensor(),
    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
]))
listed = time.perf_counter() - clock
loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True, num_workers=args.workers)
clock = time.perf_counter()
images = 0
first = None
for i, (batch, _) in enumerate(loader):
    if first is None:
        first = time.perf_counter() - clock
        clock = time.perf_counter()
    else:
        images += batch.shape[0]
    if args.batches and i + 1 >= args.batches:
        break
seconds = time.perf_counter() - clock
print(json.dumps({"images": len(dataset), "list_seconds": round(listed, 2), "workers": args.workers,
                  "first_batch_seconds": round(first, 2), "timed_images": images,
                  "images_per_second": round(images / seconds, 1), "torch": torch.__version__}))
