"""PyTorch peer of benches/nn.rs: scene-net-s at batch 64 on the CPU (2 threads), float32.

Prints 'forward_img_s <x>' and 'train_img_s <x>' (fwd + CE + bwd + SGD step, no momentum, as the
Rust side), medians of `iters` timed steps after 3 warm-ups.
Usage: python scene_net_torch.py [iters]
"""
import statistics
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(2)
torch.manual_seed(0)
iters = int(sys.argv[1]) if len(sys.argv) > 1 else 10
B, C = 64, 205

net = nn.Sequential(
    nn.Conv2d(3, 48, 5, 2, 2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(48, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(128, 192, 3, 1, 1), nn.ReLU(),
    nn.Conv2d(192, 192, 3, 1, 1), nn.ReLU(),
    nn.Conv2d(192, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(2048, 1024), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(1024, 1024), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(1024, C),
)
x = torch.randn(B, 3, 64, 64)
y = torch.randint(0, C, (B,))
opt = torch.optim.SGD(net.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()


def timed(step):
    for _ in range(3):
        step()
    ts = []
    for _ in range(iters):
        t = time.perf_counter()
        step()
        ts.append(time.perf_counter() - t)
    return B / statistics.median(ts)


def fwd():
    with torch.no_grad():
        net.eval()
        net(x)


def train():
    net.train()
    opt.zero_grad()
    loss_fn(net(x), y).backward()
    opt.step()


print(f"forward_img_s {timed(fwd):.1f}")
print(f"train_img_s {timed(train):.1f}")
