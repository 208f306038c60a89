"""NumPy peer of benches/retrieval.rs: vectorised retrieval mAP, every query against every
modality (within-modal: the query left out): per block of 1,024 queries one matrix product
against all items, then per target modality an argsort per row and cumulative precision.

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
    order = np.concatenate(groups)
    xg, lg = xn[order], labels[order]
    bounds = np.cumsum([0] + [len(g) for g in groups])
    aps = {}
    for start in range(0, n, 1024):
        stop = min(start + 1024, n)
        # One matrix product per block of queries against every item.
        s_all = xg[start:stop] @ xg.T
        rel_all = lg[start:stop, None] == lg[None, :]
        rows = np.arange(stop - start)
        qmod = np.searchsorted(bounds, np.arange(start, stop), side="right") - 1
        for ti in range(len(groups)):
            a, b = bounds[ti], bounds[ti + 1]
            s = s_all[:, a:b].copy()
            rel = rel_all[:, a:b].copy()
            # Within-modal: leave the query out (lowest score, not relevant).
            own = (qmod == ti)
            s[rows[own], start + rows[own] - a] = -np.inf
            rel[rows[own], start + rows[own] - a] = False
            order_ = np.argsort(-s, axis=1)
            r = np.take_along_axis(rel, order_, axis=1)
            hits = np.cumsum(r, axis=1)
            prec = hits / np.arange(1, r.shape[1] + 1)
            nrel = r.sum(1)
            ok = nrel > 0
            ap = (prec * r).sum(1)[ok] / nrel[ok]
            for qi in np.unique(qmod[ok]):
                aps.setdefault((qi, ti), []).append(ap[qmod[ok] == qi])
    cross, within = [], []
    for (qi, ti), parts in sorted(aps.items()):
        m = float(np.concatenate(parts).mean())
        (within if qi == ti else cross).append(m)
    secs = time.perf_counter() - t0
    print(f"seconds={secs:.3f} mean_map={np.mean(cross):.6f} within_map={np.mean(within):.6f}")


if __name__ == "__main__":
    main()
