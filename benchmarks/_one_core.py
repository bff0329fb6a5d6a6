"""Imported first by the benchmarks that time generated code against JAX and PyTorch: one BLAS
thread, one XLA thread, and the process pinned to one core (`--all-cores` leaves it unpinned).

XLA runs work on threads of its own whatever its flags say (JAX's CPU time exceeds its wall-clock
time), so unpinned its wall-clock figures would use both cores of a 2-core machine while NumPy uses
one. This must run before NumPy, JAX or PyTorch is imported, so that every thread a library starts
inherits it.
"""
import os
import sys

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if "--all-cores" not in sys.argv and hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
