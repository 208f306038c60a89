"""scikit-learn peer of benches/nn.rs: GaussianMixture(covariance_type="diag") EM seconds per
iteration for N = 20,000, D = 1,024, K = 100 (float64, as scikit-learn computes), same data
recipe as the Rust side (3 x K well-mixed Gaussian blobs drawn with numpy).

Per-iteration time = (time of max_iter = 1 + n_extra) - (time of max_iter = 1), divided by
n_extra, so the k-means initialisation is not counted. Prints 'em_s_per_iter <x>'.
Usage: python gmm_sklearn.py [n_extra]
"""
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

warnings.filterwarnings("ignore", category=ConvergenceWarning)
extra = int(sys.argv[1]) if len(sys.argv) > 1 else 5
N, D, K = 20_000, 1_024, 100
rng = np.random.default_rng(0)
centres = rng.normal(0, 1, (K, D))
x = centres[rng.integers(0, K, N)] + 0.5 * rng.normal(0, 1, (N, D))


def fit(iters):
    g = GaussianMixture(K, covariance_type="diag", max_iter=iters, tol=0.0, n_init=1,
                        init_params="k-means++", random_state=0)
    t = time.perf_counter()
    g.fit(x)
    return time.perf_counter() - t


base = fit(1)
more = fit(1 + extra)
print(f"em_s_per_iter {(more - base) / extra:.3f}")
