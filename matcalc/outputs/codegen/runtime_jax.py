"""The JAX runtime of generated code: helpers copied into generated JAX modules (see
`runtime_numpy`). matcalc never imports this module; the generator only reads its source."""
import jax
import jax.numpy as _np

jax.config.update('jax_enable_x64', True)


def _softmax(u):
    return jax.nn.softmax(u, axis=0)


def _log_det(x):
    sign, logabs = _np.linalg.slogdet(x)
    return _np.where(sign > 0, logabs, _np.nan)


def _comm(m, n):
    k = _np.zeros((m * n, m * n))
    rows = _np.arange(m * n)
    i, j = rows // n, rows % n
    return k.at[rows, j * m + i].set(1.0)
