#!/usr/bin/python3
"""pytorch/examples' dcgan/main.py, as the peer of `dcgan` on the DCGAN paper's models.

Its models, weights_init, optimisers (Adam(2e-4, betas (0.5, 0.999))), BCE loss, labels (1 real, 0 fake) and the
step in the open (update D on a real and a fake batch, then G through D again) are pytorch/examples' exactly, with
one generalisation: the number of layers follows the image's side (pytorch/examples builds 64x64 only; at 64 this is
its model layer for layer). Runs on Debian's python3-torch (1.13, CPU) and python3-numpy; nothing else.

  summary --image-size 64 --channels 3 [--width 64]        layer shapes and parameter counts, as JSON
  step    --image-size 64 --channels 3 --batch-size 128    median time of a train step on random data, as JSON
                                                           (`dcgan benchmark --recipe dcgan --pytorch THIS_FILE
                                                           --rounds 3` runs it interleaved with ours)
  train   --images data.idx --epochs 25 --samples out.idx  train on an IDX file (as `dcgan data export` writes it,
          [--step examples|tutorial]                       so both tools read the same pixels) and write samples
  first-steps --images data.idx --steps-from DIR           replay benchmarks/first-steps.cs's steps from its weights
                                                           and noise, in both orders, beside `dcgan`'s losses
"""
import argparse
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
from torch import nn

NZ = 100


def generator(side, channels, width):
    """pytorch/examples' Generator: ConvTranspose2d(nz, ngf*8, 4, 1, 0) to 4x4, then each 4x4 stride-2 transposed
    convolution halves the channels and doubles the side, batch norm and ReLU between, tanh at the end."""
    doublings = int(math.log2(side)) - 2
    hidden = width * 2 ** (doublings - 1)
    layers = [nn.ConvTranspose2d(NZ, hidden, 4, 1, 0, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(True)]
    for _ in range(doublings - 1):
        layers += [nn.ConvTranspose2d(hidden, hidden // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(hidden // 2), nn.ReLU(True)]
        hidden //= 2
    layers += [nn.ConvTranspose2d(hidden, channels, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def discriminator(side, channels, width):
    """pytorch/examples' Discriminator: the mirror, LeakyReLU(0.2), no batch norm at the input, one output from 4x4.
    Its last Sigmoid is left to the loss (BCEWithLogitsLoss), as `dcgan` does; the arithmetic is the same."""
    doublings = int(math.log2(side)) - 2
    layers = [nn.Conv2d(channels, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
    hidden = width
    for _ in range(doublings - 1):
        layers += [nn.Conv2d(hidden, hidden * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(hidden * 2), nn.LeakyReLU(0.2, inplace=True)]
        hidden *= 2
    layers += [nn.Conv2d(hidden, 1, 4, 1, 0, bias=False)]
    return nn.Sequential(*layers)


def weights_init(m):
    name = m.__class__.__name__
    if name.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif name.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


def models(args):
    net_g = generator(args.image_size, args.channels, args.width)
    net_d = discriminator(args.image_size, args.channels, args.width)
    net_g.apply(weights_init)
    net_d.apply(weights_init)
    return net_g, net_d


class Step:
    """One iteration of pytorch/examples' loop; with order 'tutorial', of the TensorFlow tutorial's train_step instead
    (as `dcgan` steps): both models' gradients from one forward pass, so G's comes from D before D's update."""

    def __init__(self, net_g, net_d, order='examples'):
        self.net_g, self.net_d, self.order = net_g, net_d, order
        self.criterion = nn.BCEWithLogitsLoss()
        self.opt_d = torch.optim.Adam(net_d.parameters(), lr=0.0002, betas=(0.5, 0.999))
        self.opt_g = torch.optim.Adam(net_g.parameters(), lr=0.0002, betas=(0.5, 0.999))

    def __call__(self, real, noise=None):
        """(loss D, loss G, D(x), D(G(z)) before D's update); noise [B, NZ] is drawn when not given."""
        b = real.size(0)
        noise = torch.randn(b, NZ, 1, 1) if noise is None else noise.view(b, NZ, 1, 1)
        if self.order == 'tutorial':
            return self.tutorial(real, noise)
        # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
        self.net_d.zero_grad()
        label = torch.full((b,), 1.0)
        output = self.net_d(real).view(-1)
        err_d_real = self.criterion(output, label)
        err_d_real.backward()
        d_x = torch.sigmoid(output).mean().item()
        fake = self.net_g(noise)
        label.fill_(0.0)
        output = self.net_d(fake.detach()).view(-1)
        err_d_fake = self.criterion(output, label)
        d_g_z = torch.sigmoid(output).mean().item()
        err_d_fake.backward()
        self.opt_d.step()
        # (2) Update G: maximize log(D(G(z)))
        self.net_g.zero_grad()
        label.fill_(1.0)
        output = self.net_d(fake).view(-1)
        err_g = self.criterion(output, label)
        err_g.backward()
        self.opt_g.step()
        return (err_d_real + err_d_fake).item(), err_g.item(), d_x, d_g_z

    def tutorial(self, real, noise):
        self.net_g.zero_grad()
        self.net_d.zero_grad()
        fake = self.net_g(noise)
        real_output, fake_output = self.net_d(real).view(-1), self.net_d(fake).view(-1)
        err_g = self.criterion(fake_output, torch.ones_like(fake_output))
        err_d = self.criterion(real_output, torch.ones_like(real_output)) + self.criterion(fake_output, torch.zeros_like(fake_output))
        g_params, d_params = list(self.net_g.parameters()), list(self.net_d.parameters())
        for p, g in zip(g_params, torch.autograd.grad(err_g, g_params, retain_graph=True)):
            p.grad = g
        for p, g in zip(d_params, torch.autograd.grad(err_d, d_params)):
            p.grad = g
        self.opt_g.step()
        self.opt_d.step()
        return err_d.item(), err_g.item(), torch.sigmoid(real_output).mean().item(), torch.sigmoid(fake_output).mean().item()


def summary(args):
    torch.manual_seed(0)
    rows = {}
    for name, net, x in (("generator", generator(args.image_size, args.channels, args.width), torch.randn(2, NZ, 1, 1)),
                         ("discriminator", discriminator(args.image_size, args.channels, args.width),
                          torch.randn(2, args.channels, args.image_size, args.image_size))):
        layers = []
        for layer in net:
            x = layer(x)
            layers.append({"kind": layer.__class__.__name__, "shape": list(x.shape[1:]),
                           "params": sum(p.numel() for p in layer.parameters())})
        rows[name] = {"layers": layers, "params": sum(p.numel() for p in net.parameters())}
    print(json.dumps(rows))


def step(args):
    torch.manual_seed(0)
    net_g, net_d = models(args)
    train_step = Step(net_g, net_d)
    pool = torch.rand(8 * args.batch_size, args.channels, args.image_size, args.image_size) * 2 - 1
    times = []
    for i in range(args.warmup + args.steps):
        start = time.perf_counter()
        idx = torch.randperm(pool.size(0))[:args.batch_size]
        train_step(pool[idx])
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    times.sort()
    print(json.dumps({"median_seconds": times[len(times) // 2], "p10_seconds": times[len(times) // 10],
                      "mean_seconds": sum(times) / len(times), "steps": len(times), "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "batch_size": args.batch_size,
                      "shape": [args.channels, args.image_size, args.image_size]}))


def read_idx(path):
    """An IDX image file (gzip or raw): N x rows x cols (gray, magic 0x0803) or N x rows x cols x 3 (colour, 0x0804)."""
    opener = gzip.open if open(path, 'rb').read(2) == b'\x1f\x8b' else open
    with opener(path, 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    images = np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)
    images = images[:, None] if dims == 3 else images.transpose(0, 3, 1, 2)
    return torch.from_numpy(images.astype(np.float32) / 127.5 - 1)


def write_idx(path, images):
    """Images in [-1, 1], [N, C, S, S], as IDX bytes of x * 127.5 + 127.5, rounded, as `dcgan generate` writes them."""
    pixels = (images * 127.5 + 127.5).round().clamp(0, 255).to(torch.uint8).numpy()
    if pixels.shape[1] == 1:
        pixels, magic = pixels[:, 0], 0x0803
    else:
        pixels, magic = pixels.transpose(0, 2, 3, 1), 0x0804
    with open(path, 'wb') as f:
        f.write(struct.pack('>I', magic) + struct.pack('>' + 'I' * pixels.ndim, *pixels.shape))
        f.write(np.ascontiguousarray(pixels).tobytes())


def train(args):
    torch.manual_seed(args.seed)
    data = read_idx(args.images)
    args.channels, args.image_size = data.shape[1], data.shape[2]
    net_g, net_d = models(args)
    train_step = Step(net_g, net_d, args.step)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(data.size(0))  # DataLoader(shuffle=True), the last batch short, as pytorch/examples
        for first in range(0, data.size(0), args.batch_size):
            err_d, err_g, _, _ = train_step(data[order[first:first + args.batch_size]])
        print(f"epoch {epoch}: loss D {err_d:.3f}, G {err_g:.3f}, {time.perf_counter() - start:.0f} s", flush=True)
    # pytorch/examples draws its grids in train mode, with each batch's own batch-norm statistics; these samples use
    # the moving statistics, as `dcgan`'s recipe samples by default, so both tools are measured alike.
    net_g.eval()
    with torch.no_grad():
        samples = torch.cat([net_g(torch.randn(min(500, args.count - i), NZ, 1, 1)) for i in range(0, args.count, 500)])
    write_idx(args.samples, samples)
    print(json.dumps({"samples": args.samples, "count": args.count, "seconds": time.perf_counter() - start}))


SAFETENSORS_DTYPES = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64}


def read_safetensors(path):
    """A safetensors file, read by hand (8-byte header length, JSON header, raw little-endian data): python3-safetensors
    is not in Debian."""
    with open(path, 'rb') as f:
        data = f.read()
    length = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + length])
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        begin, end = entry['data_offsets']
        values = np.frombuffer(data, SAFETENSORS_DTYPES[entry['dtype']], (end - begin) // np.dtype(SAFETENSORS_DTYPES[entry['dtype']]).itemsize, 8 + length + begin)
        tensors[name] = torch.from_numpy(values.reshape(entry['shape']).copy())
    return tensors


def sequential_index(name, kind, last):
    """The index in the nn.Sequential above of the `dcgan` layer `name` ("deconv3", "bn2", "dense", ...); `kind` is
    "generator" or "discriminator", `last` the discriminator's last index. Each layer and the activation after it take
    3 slots in the generator (conv, bn, relu), as they do in the discriminator after its first conv and leaky ReLU."""
    if name in ('project', 'conv1'):
        return 0
    if name == 'dense':
        return last
    k = int(name.lstrip('abcdefghijklmnopqrstuvwxyz'))
    if kind == 'generator':
        return 3 * k - 2 if name.startswith('bn') else 3 * k - 3
    return 3 * k - 3 if name.startswith('bn') else 3 * k - 4


def load_dcgan_weights(net, path, kind):
    """`dcgan`'s state dict (first-steps.cs writes it) into this script's nn.Sequential, each tensor shape-checked."""
    own = net.state_dict()
    last = len(net) - 1
    loaded = {}
    for name, tensor in read_safetensors(path).items():
        layer, rest = name.split('.', 1)
        key = f"{sequential_index(layer, kind, last)}.{rest.replace('conv.', '', 1) if rest.startswith('conv.') else rest}"
        loaded[key] = tensor.reshape(own[key].shape) if layer == 'dense' else tensor
    net.load_state_dict(loaded, strict=True)


def first_steps(args):
    """Replays `benchmarks/first-steps.cs`'s steps from its first weights, batches and noise, in pytorch/examples'
    order and in the tutorial's, and says how far each lands from `dcgan`'s weights after the same steps."""
    data = read_idx(args.images)
    args.channels, args.image_size = data.shape[1], data.shape[2]
    noise = read_safetensors(os.path.join(args.steps_from, 'noise.safetensors'))['noise']
    ours = [json.loads(line) for line in open(os.path.join(args.steps_from, 'losses.jsonl'))]
    report = {}
    for order in args.orders.split(','):
        net_g, net_d = models(args)
        load_dcgan_weights(net_g, os.path.join(args.steps_from, 'start-generator.safetensors'), 'generator')
        load_dcgan_weights(net_d, os.path.join(args.steps_from, 'start-discriminator.safetensors'), 'discriminator')
        train_step = Step(net_g, net_d, order)
        b = noise.shape[1]
        losses = [train_step(data[k * b:(k + 1) * b], noise[k]) for k in range(noise.shape[0])]
        distance = {}
        ends = models(args)
        for kind, net, theirs in (('generator', net_g, ends[0]), ('discriminator', net_d, ends[1])):
            load_dcgan_weights(theirs, os.path.join(args.steps_from, f'end-{kind}.safetensors'), kind)
            num = sum(((a - c) ** 2).sum().item() for a, c in zip(net.parameters(), theirs.parameters()))
            den = sum((c ** 2).sum().item() for c in theirs.parameters())
            distance[kind] = math.sqrt(num / den)
        report[order] = {'relative_weight_distance': distance, 'losses': [
            {'step': k + 1, 'discriminator': [round(ours[k]['discriminator'], 5), round(l[0], 5)], 'generator': [round(ours[k]['generator'], 5), round(l[1], 5)],
             'real': [round(ours[k]['real'], 5), round(l[2], 5)], 'fake': [round(ours[k]['fake'], 5), round(l[3], 5)]} for k, l in enumerate(losses)]}
    print(json.dumps(report, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('mode', choices=['summary', 'step', 'train', 'first-steps'])
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--channels', type=int, default=3)
    parser.add_argument('--width', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--threads', type=int, default=os.cpu_count(), help="torch threads (default: every core, as dcgan)")
    parser.add_argument('--images')
    parser.add_argument('--epochs', type=int, default=25)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--samples')
    parser.add_argument('--count', type=int, default=10000)
    parser.add_argument('--step', choices=['examples', 'tutorial'], default='examples',
                        help="pytorch/examples' order (D, then G through the updated D) or the tutorial's (one forward pass)")
    parser.add_argument('--steps-from', help="first-steps: the folder benchmarks/first-steps.cs wrote")
    parser.add_argument('--orders', default='tutorial,examples', help="first-steps: the orders to replay, of examples and tutorial")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    {'summary': summary, 'step': step, 'train': train, 'first-steps': first_steps}[args.mode](args)


if __name__ == '__main__':
    main()
