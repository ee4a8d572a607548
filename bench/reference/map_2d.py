"""2-D maps by the programs users pick instead of aelab's t-SNE, on the same codes:

  sklearn: sklearn.manifold.TSNE (Barnes-Hut, perplexity 30, PCA init, learning rate auto)
  umap:    umap.UMAP (15 neighbours, min_dist 0.1)

UMAP is timed after a warm-up fit on 300 random points (numba's compile is not counted).
Writes the map as .npy (N, 2) for `aelab knn` to score with the same 10-NN definition as ours;
prints one JSON line with the seconds.

  python3 map_2d.py --method sklearn --codes codes.npy --out map.npy --threads 2
"""
import blas_info  # noqa: F401
import argparse
import os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--method", choices=["sklearn", "umap"], required=True)
    ap.add_argument("--codes", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=1)
    a = ap.parse_args()
    # numba (UMAP) and scikit-learn's OpenMP loops read these before they start their pools.
    os.environ["NUMBA_NUM_THREADS"] = str(a.threads)
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    import numpy as np
    from threadpoolctl import threadpool_limits
    x = np.load(a.codes).astype(np.float32)
    with threadpool_limits(limits=a.threads, user_api="openmp"):
        if a.method == "sklearn":
            import sklearn
            from sklearn.manifold import TSNE
            tool = f"scikit-learn {sklearn.__version__} TSNE"
            model = TSNE(n_components=2, perplexity=30.0, init="pca", learning_rate="auto",
                         method="barnes_hut", angle=0.5, n_iter=1000, random_state=0,
                         n_jobs=a.threads)
        else:
            import umap
            tool = f"umap-learn {umap.__version__}"
            model = umap.UMAP(n_components=2, n_neighbors=15, min_dist=0.1, random_state=None,
                              n_jobs=a.threads)
            # numba compiles UMAP's kernels on the first fit: do that on a small input first, so
            # the timed figure is the algorithm (a user pays the compile once per process).
            umap.UMAP(n_components=2, n_neighbors=15, n_jobs=a.threads).fit_transform(
                np.random.default_rng(0).normal(size=(300, x.shape[1])).astype(np.float32))
        with blas_info.Timer() as t:
            y = model.fit_transform(x)
    np.save(a.out, np.asarray(y, dtype=np.float32))
    blas_info.emit({"figure": "map2d", "method": a.method, "tool": tool, "n": int(x.shape[0]),
                    "d": int(x.shape[1]), "seconds": t.seconds, "threads": a.threads,
                    "out": a.out})


if __name__ == "__main__":
    main()
