"""PyTorch peer of scripts/bench_gpu.rhai: scene-net-s training throughput on a CUDA GPU.

fwd + cross-entropy + bwd + SGD (momentum 0.9, weight decay 5e-4) step at batch 256, float32
(TF32 off, as candle's default), and forward-only extraction; medians of timed steps after
warm-up, with torch.cuda.synchronize() around each. Prints 'train_img_s <x>' and
'forward_img_s <x>' and peak memory.
Usage: python scene_net_torch_gpu.py [batch] [iters]
"""
import statistics
import sys
import time

import torch
import torch.nn as nn

B = int(sys.argv[1]) if len(sys.argv) > 1 else 256
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 20
torch.manual_seed(0)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")
net = nn.Sequential(
    nn.Conv2d(3, 48, 5, 2, 2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(48, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(128, 192, 3, 1, 1), nn.ReLU(),
    nn.Conv2d(192, 192, 3, 1, 1), nn.ReLU(),
    nn.Conv2d(192, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(2048, 1024), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(1024, 1024), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(1024, 20),
).to(dev)
x = torch.randn(B, 3, 64, 64, device=dev)
y = torch.randint(0, 20, (B,), device=dev)
opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)


def step():
    opt.zero_grad()
    nn.functional.cross_entropy(net(x), y).backward()
    opt.step()


def fwd():
    with torch.no_grad():
        net.eval()
        net(x)
        net.train()


for f, name in [(step, "train_img_s"), (fwd, "forward_img_s")]:
    for _ in range(3):
        f()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        f()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    print(name, B / statistics.median(times))
print("peak_mib", torch.cuda.max_memory_allocated() / 2**20)
