"""scikit-learn reference for aelab's k-means: k 10, 10 k-means++ restarts (n_init=10), Lloyd,
on the same codes (.npy written by `aelab codes --format npy`). One JSON line: seconds, inertia.

  python3 sklearn_kmeans.py --codes codes.npy --blas-threads 2 [--seed 0] [--repeat 4]

--repeat N fits N times in this process, as `aelab kmeans --repeat N` runs its clustering:
`seconds` is then the fastest fit, the first one's apart (`first_seconds`: it pays what a process
pays once); `same_answer` says whether every fit gave the first one's labels.

`inertia` is scikit-learn's own figure, summed in float32 (on 70,000 codes it is off by about
1e-5 of itself, more than the gap between two runs' answers); `inertia_f64` is the same answer's
inertia summed in float64 from its labels and centres, the figure compared with aelab's.
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
    ap.add_argument("--seed", type=int, default=0, help="random_state")
    ap.add_argument("--repeat", type=int, default=1, help="fits; seconds: the fastest")
    a = ap.parse_args()
    if not 1 <= a.repeat <= 100:
        ap.error("--repeat must be in 1..100")
    from threadpoolctl import threadpool_limits
    import sklearn
    from sklearn.cluster import KMeans
    x = np.load(a.codes).astype(np.float32)
    each, answer, same = [], None, True
    for _ in range(a.repeat):
        km = KMeans(n_clusters=a.k, n_init=a.restarts, init="k-means++", algorithm="lloyd",
                    random_state=a.seed)
        with threadpool_limits(limits=a.blas_threads):
            with blas_info.Timer() as t:
                km.fit(x)
        each.append(t.seconds)
        if answer is None:
            answer = km.labels_
        same = same and np.array_equal(answer, km.labels_)
    seconds = min(each)
    x64 = x.astype(np.float64)
    inertia_f64 = float(((x64 - km.cluster_centers_.astype(np.float64)[km.labels_]) ** 2).sum())
    blas_info.emit({"figure": "kmeans", "tool": f"scikit-learn {sklearn.__version__}",
                    "n": int(x.shape[0]), "d": int(x.shape[1]), "seconds": seconds,
                    "first_seconds": each[0], "seconds_each": each,
                    "same_answer": bool(same),
                    "inertia": float(km.inertia_), "inertia_f64": inertia_f64, "seed": a.seed,
                    "threads": a.blas_threads,
                    "omp_num_threads": os.environ.get("OMP_NUM_THREADS")})


if __name__ == "__main__":
    main()
