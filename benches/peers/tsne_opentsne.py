"""Peer for benches/tsne.rs: openTSNE on the same data, same 2 threads.

usage: tsne_opentsne.py DATA.f32 N D METHOD OUT.f32
Reads N×D float32 (raw, row-major), runs openTSNE's default recipe (perplexity 30, PCA init,
early exaggeration 12 for 250 iterations, then 500 iterations, learning rate auto) with
negative_gradient_method METHOD ("fft" or "bh") and n_jobs=2, writes the N×2 embedding as raw
float64 to OUT, and prints one line: "seconds <s>".
"""
import sys
import time

import numpy as np
from openTSNE import TSNE

path, n, d, method, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
x = np.fromfile(path, dtype=np.float32).reshape(n, d)
t0 = time.perf_counter()
emb = TSNE(
    n_components=2,
    perplexity=30,
    n_jobs=2,
    random_state=0,
    negative_gradient_method=method,
    neighbors="exact" if n <= 10000 else "auto",
    verbose=False,
).fit(x)
secs = time.perf_counter() - t0
np.asarray(emb, dtype=np.float64).tofile(out)
print(f"seconds {secs:.3f}")
