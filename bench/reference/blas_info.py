"""Which BLAS kernel and how many threads a reference runs with, recorded beside every figure.

Imported first by every Python reference: it removes OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE from
this process's environment before NumPy or PyTorch load OpenBLAS, so OpenBLAS picks the kernel a
user's machine would get (a build machine may pin an older one), and applies the OpenBLAS thread
count given on the command line (--blas-threads) before the library starts its pool.
"""
import ctypes
import ctypes.util
import glob
import json
import os
import sys
import time

for _v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_v, None)


def set_blas_threads_from_argv():
    """--blas-threads N (before numpy/torch are imported) -> OPENBLAS_NUM_THREADS, OMP_NUM_THREADS."""
    if "--blas-threads" in sys.argv:
        n = sys.argv[sys.argv.index("--blas-threads") + 1]
        os.environ["OPENBLAS_NUM_THREADS"] = n


set_blas_threads_from_argv()


def _openblas():
    """The OpenBLAS this process loaded (through libblas.so.3 or by name), or None."""
    for name in ("libblas.so.3", "libopenblas.so.0", "libopenblasp-r0.3.21.so"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib
        except (OSError, AttributeError):
            continue
    return None


def blas_record():
    lib = _openblas()
    rec = {"openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
           "openblas_l2_size_env": os.environ.get("OPENBLAS_L2_SIZE")}
    if lib is None:
        rec["blas"] = "not OpenBLAS (libblas.so.3 has no openblas_get_corename)"
        return rec
    rec["blas"] = "OpenBLAS"
    rec["kernel"] = lib.openblas_get_corename().decode()
    rec["blas_threads"] = lib.openblas_get_num_threads()
    try:
        lib.openblas_get_config.restype = ctypes.c_char_p
        rec["blas_config"] = lib.openblas_get_config().decode()
    except AttributeError:
        pass
    return rec


def emit(result):
    """One JSON line on stdout: the figure, and what it ran with."""
    result.update(blas_record())
    result["python"] = sys.version.split()[0]
    print(json.dumps(result), flush=True)


class Timer:
    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
