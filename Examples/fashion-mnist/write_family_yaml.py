#!/usr/bin/env python3
"""Writes family.yaml from reference.json, so the manifest's reference accuracies are always train.py's figures.
Run after train.py: python3 Examples/fashion-mnist/write_family_yaml.py"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["mlp", "cnn-w25", "cnn-w50", "mobilenet-v2", "resnet-8", "cnn-w100", "resnet-8-wide"]

reference = json.load(open(os.path.join(HERE, "reference.json")))
models = reference["models"]
lines = [
    "# The bundled demo family: Fashion-MNIST classifiers trained by train.py (see README.md here).",
    "# Written by write_family_yaml.py from reference.json: reference_accuracy is PyTorch's top-1 on the 10 000 test",
    "# images; `adapt-top profile` measures it again on the device.",
    "family: fashion-mnist",
    "task: image-classification",
    "labels: [" + ", ".join(json.dumps(c) for c in reference["classes"]) + "]",
    "input:",
    "  shape: [1, 1, 28, 28]",
    "  normalization: {scale: 0.00392156862745098, mean: [%.4f], std: [%.4f]}"
    % (reference["preprocessing"]["mean"], reference["preprocessing"]["std"]),
    "dataset:",
    "  name: fashion-mnist",
    "  split: test",
    "variants:",
]
for name in [n for n in ORDER if n in models] + sorted(set(models) - set(ORDER)):
    lines += [f"  - id: {name}", f"    file: {models[name]['file']}", f"    reference_accuracy: {models[name]['test_accuracy_torch']}"]
lines += [
    "budgets: {latency_ms: 0.3, memory_mb: 8, accuracy_floor: 0.90}",
    "transforms:",
    "  - {kind: int8, calibration_images: 256}",
    "  - {kind: prune, ratios: [0.25, 0.5]}",
]
with open(os.path.join(HERE, "family.yaml"), "w") as f:
    f.write("\n".join(lines) + "\n")
