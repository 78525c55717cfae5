#!/usr/bin/python3
"""An independent reading of the ImageNet features dcgan measures with: ML.NET's ResNetPreprocess.onnx and
ResNet18.onnx (from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0), their graphs read with
Debian's python3-onnx and computed in float64 by Debian's python3-torch, node by node (the op types these two graphs
use: Split, Concat, Sub, Conv, BatchNormalization, Relu, Add, MaxPool, AveragePool), not by ONNX Runtime.

  resnet18_reference.py PREPROCESS.onnx RESNET18.onnx

Its input is a batch of two fixed patterns, RGB in 0-255 shaped [2, 3, 224, 224]: x[0, c, y, x] = (7c + 13y + 3x)
mod 256 and x[1, c, y, x] = (5c + 11y + 17x) mod 256 (the C# test builds the same, and runs them as one batch, as
dcgan does); it prints the 512 pooled features of each as JSON, [[...], [...]].
"""
import json
import sys

import onnx
import torch
from onnx import numpy_helper
from torch.nn import functional as F


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pad(x, pads, value=0.0):
    # ONNX pads: begins then ends, per spatial axis (top, left, bottom, right); F.pad takes the last axis first.
    top, left, bottom, right = pads
    return F.pad(x, (left, right, top, bottom), value=value)


def run(model, inputs):
    values = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()).double() for i in model.graph.initializer}
    values.update(inputs)
    for node in model.graph.node:
        a = attributes(node)
        x = [values[name] for name in node.input]
        op = node.op_type
        if op == "Split":
            out = torch.split(x[0], list(a["split"]), dim=a["axis"])
        elif op == "Concat":
            out = (torch.cat(x, dim=a["axis"]),)
        elif op == "Sub":
            out = (x[0] - x[1],)
        elif op == "Add":
            out = (x[0] + x[1],)
        elif op == "Relu":
            out = (torch.relu(x[0]),)
        elif op == "Conv":
            bias = x[2] if len(x) > 2 else None
            out = (F.conv2d(pad(x[0], a.get("pads", [0, 0, 0, 0])), x[1], bias, stride=a["strides"], dilation=a["dilations"], groups=a["group"]),)
        elif op == "BatchNormalization":
            scale, shift, mean, var = (t.reshape(1, -1, 1, 1) for t in x[1:5])
            out = ((x[0] - mean) / torch.sqrt(var + a["epsilon"]) * scale + shift,)
        elif op == "MaxPool":
            out = (F.max_pool2d(pad(x[0], a["pads"], float("-inf")), a["kernel_shape"], a["strides"]),)
        elif op == "AveragePool":
            if any(a["pads"]):
                raise SystemExit("AveragePool with padding is not read here")
            out = (F.avg_pool2d(x[0], a["kernel_shape"], a["strides"]),)
        else:
            raise SystemExit(f"op {op} is not read here")
        values.update(zip(node.output, out))
    return values[model.graph.output[0].name]


def main():
    preprocess, network = (onnx.load(path) for path in sys.argv[1:3])
    c, y, x = torch.meshgrid(torch.arange(3), torch.arange(224), torch.arange(224), indexing="ij")
    patterns = torch.stack([(7 * c + 13 * y + 3 * x) % 256, (5 * c + 11 * y + 17 * x) % 256]).double()
    prepared = run(preprocess, {preprocess.graph.input[0].name: patterns})
    features = run(network, {network.graph.input[0].name: prepared})
    print(json.dumps(features.flatten(1).tolist()))


if __name__ == "__main__":
    main()
