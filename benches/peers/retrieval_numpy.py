"""NumPy peer of benches/retrieval.rs: vectorised retrieval mAP (argsort per row + cumulative
precision), every query against every modality (within-modal: the query left out).

Usage: retrieval_numpy.py DIR   where DIR holds x.f32 (N*D float32), labels.u32, mods.u32 and
dims.txt ("N D") written by the Rust bench. Prints "seconds=S mean_map=M within_map=W".
Ties are ordered arbitrarily by argsort (the usual vectorised implementation).
"""
import os
import sys
import time

import numpy as np


def main():
    d = sys.argv[1]
    n, dim = map(int, open(os.path.join(d, "dims.txt")).read().split())
    x = np.fromfile(os.path.join(d, "x.f32"), dtype=np.float32).reshape(n, dim)
    labels = np.fromfile(os.path.join(d, "labels.u32"), dtype=np.uint32)
    mods = np.fromfile(os.path.join(d, "mods.u32"), dtype=np.uint32)
    t0 = time.perf_counter()
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    names = np.unique(mods)
    groups = [np.where(mods == m)[0] for m in names]
    cross, within = [], []
    for qi, q in enumerate(groups):
        for ti, t in enumerate(groups):
            aps = []
            for start in range(0, len(q), 1024):
                qb = q[start:start + 1024]
                s = xn[qb] @ xn[t].T
                rel = labels[qb][:, None] == labels[t][None, :]
                if qi == ti:
                    # Leave the query out: lowest score, and not relevant.
                    s[np.arange(len(qb)), start + np.arange(len(qb))] = -np.inf
                    rel[np.arange(len(qb)), start + np.arange(len(qb))] = False
                order = np.argsort(-s, axis=1)
                r = np.take_along_axis(rel, order, axis=1)
                hits = np.cumsum(r, axis=1)
                prec = hits / np.arange(1, r.shape[1] + 1)
                nrel = r.sum(1)
                ok = nrel > 0
                aps.append(((prec * r).sum(1)[ok]) / nrel[ok])
            m = float(np.concatenate(aps).mean())
            (within if qi == ti else cross).append(m)
    secs = time.perf_counter() - t0
    print(f"seconds={secs:.3f} mean_map={np.mean(cross):.6f} within_map={np.mean(within):.6f}")


if __name__ == "__main__":
    main()
