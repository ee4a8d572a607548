"""scikit-learn reference for aelab's k-means: k 10, 10 k-means++ restarts (n_init=10), Lloyd,
on the same codes (.npy written by `aelab codes --format npy`). One JSON line: seconds, inertia.

  python3 sklearn_kmeans.py --codes codes.npy --blas-threads 2
"""
import blas_info  # noqa: F401
import argparse
import os

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--codes", required=True)
    ap.add_argument("--blas-threads", type=int, default=1)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--restarts", type=int, default=10)
    a = ap.parse_args()
    from threadpoolctl import threadpool_limits
    import sklearn
    from sklearn.cluster import KMeans
    x = np.load(a.codes).astype(np.float32)
    km = KMeans(n_clusters=a.k, n_init=a.restarts, init="k-means++", algorithm="lloyd",
                random_state=0)
    with threadpool_limits(limits=a.blas_threads):
        with blas_info.Timer() as t:
            km.fit(x)
    blas_info.emit({"figure": "kmeans", "tool": f"scikit-learn {sklearn.__version__}",
                    "n": int(x.shape[0]), "d": int(x.shape[1]), "seconds": t.seconds,
                    "inertia": float(km.inertia_), "threads": a.blas_threads,
                    "omp_num_threads": os.environ.get("OMP_NUM_THREADS")})


if __name__ == "__main__":
    main()
