"""PyTorch reference for aelab bench's training figures, on the same data.

  mlp:    the study autoencoder 784-512-16-512-784 (ReLU, sigmoid output), L1 loss, Adam, batch 256
  disnet: dis_net, conv 1->32 3x3 ReLU, maxpool 2, conv 32->64 3x3 ReLU, maxpool 2, 3136->128 ReLU,
          128->1, BCE with logits, Adam, batch 128

Batches are consecutive slices of the dataset's training images (IDX .gz, as aelab reads them),
the same slices aelab bench uses. Prints one JSON line: samples/s (best of 3 timed blocks), torch
and OpenBLAS thread counts, the OpenBLAS kernel.

  python3 torch_train.py --model mlp --torch-threads 1 --blas-threads 2 --images FILE.gz
"""
import blas_info  # noqa: F401  (first: clears the OpenBLAS overrides, sets its threads)
import argparse
import gzip
import struct

import numpy as np
import torch
from torch import nn


def read_idx_images(path, limit):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 0x803:
            raise SystemExit(f"{path}: not an IDX image file")
        n = min(n, limit)
        data = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
    return data.reshape(n, 1, rows, cols).astype(np.float32) / 255.0


def study_mlp(latent):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, latent),
                         nn.Linear(latent, 512), nn.ReLU(), nn.Linear(512, 784), nn.Sigmoid())


def dis_net():
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "disnet"], required=True)
    ap.add_argument("--images", required=True, help="IDX images (.gz or plain)")
    ap.add_argument("--torch-threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch", type=int, default=0, help="0: 256 for mlp, 128 for disnet")
    ap.add_argument("--latent", type=int, default=16)
    a = ap.parse_args()
    torch.set_num_threads(a.torch_threads)
    torch.manual_seed(0)
    batch = a.batch or (256 if a.model == "mlp" else 128)
    images = torch.from_numpy(read_idx_images(a.images, 16384))
    n_batches = images.shape[0] // batch
    if a.model == "mlp":
        net, loss_fn = study_mlp(a.latent), nn.L1Loss()
        targets = None
    else:
        net, loss_fn = dis_net(), nn.BCEWithLogitsLoss()
        targets = (torch.arange(batch) % 2).float().reshape(batch, 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    step_no = [0]

    def step():
        x = images[(step_no[0] % n_batches) * batch:(step_no[0] % n_batches + 1) * batch]
        step_no[0] += 1
        opt.zero_grad(set_to_none=True)
        out = net(x)
        loss = loss_fn(out, x.flatten(1)) if targets is None else loss_fn(out, targets)
        loss.backward()
        opt.step()

    warm = 5 if a.model == "mlp" else 3
    for _ in range(warm):
        step()
    best = float("inf")
    for _ in range(3):
        with blas_info.Timer() as t:
            for _ in range(a.steps):
                step()
        best = min(best, t.seconds)
    blas_info.emit({"figure": f"{a.model}_train", "tool": f"PyTorch {torch.__version__}",
                    "samples_per_s": batch * a.steps / best, "batch": batch, "steps": a.steps,
                    "torch_threads": torch.get_num_threads(), "requested_blas_threads":
                    a.blas_threads})


if __name__ == "__main__":
    main()
