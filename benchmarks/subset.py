#!/usr/bin/python3
"""A seeded subset of an image folder, its group folders kept: the small sets of issue 47's measurements.

  subset.py SOURCE OUT COUNT [--seed 47]

Every file under SOURCE (sorted by path) is a candidate; random.Random(seed).sample picks COUNT of them, copied to the
same relative paths under OUT. The same arguments give the same subset on every machine."""
import argparse
import os
import random
import shutil

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument('source')
parser.add_argument('out')
parser.add_argument('count', type=int)
parser.add_argument('--seed', type=int, default=47)
args = parser.parse_args()
files = sorted(os.path.relpath(os.path.join(d, f), args.source) for d, _, fs in os.walk(args.source) for f in fs
               if f.lower().endswith(('.png', '.jpg', '.jpeg')))
for path in random.Random(args.seed).sample(files, args.count):
    os.makedirs(os.path.join(args.out, os.path.dirname(path)), exist_ok=True)
    shutil.copy2(os.path.join(args.source, path), os.path.join(args.out, path))
print(f"{args.count} of {len(files)} images from {args.source} into {args.out} (seed {args.seed})")
