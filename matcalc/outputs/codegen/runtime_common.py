"""Runtime helpers shared by every backend of generated code (NumPy, JAX, PyTorch).

Like `runtime_numpy`, its top-level statements are copied into generated modules that use
them; it imports nothing, so it works on any array type with `.shape`.
"""

CHECK_INPUTS = True  # set to False on a generated module (mod.CHECK_INPUTS = False) to skip the checks in hot loops


def _vector(x):
    """A vector argument, already an array, as 1-D: a column (n, 1) or a row (1, n) is taken too,
    as evaluate takes it (a variable declared matrix(n, 1) or matrix(1, n) is a vector)."""
    if x.ndim == 2 and (x.shape[1] == 1 or x.shape[0] == 1):
        return x.reshape(-1)
    return x


def _one_entry(x, name):
    """A scalar argument, already an array, as 0-D: shape (1,) or (1, 1) is taken too, as evaluate takes it."""
    if tuple(x.shape) not in ((), (1,), (1, 1)):
        raise ValueError(f"argument {name}: expected a scalar, got an array of shape {tuple(x.shape)}")
    return x.reshape(())


def _check_args(args):
    """Check arguments against their declared shapes: each (name, array, dims) has one entry of
    dims per axis (a dimension's symbol, a fixed size, or None for no check). The number of axes
    must match (vectors are 1-D) and every symbol must have one size across all arguments."""
    sizes = {}
    for name, x, dims in args:
        shape = tuple(x.shape)
        if len(shape) != len(dims):
            want = ("a scalar", "a 1-D vector", "a 2-D matrix")[len(dims)]
            raise ValueError(f"argument {name}: expected {want}, got an array of shape {shape}")
        for axis in range(len(dims)):
            d, s = dims[axis], shape[axis]
            if d is None:
                continue
            if s == 0:  # (as evaluate refuses it: mean(x) of an empty x divided by 0)
                raise ValueError(f"argument {name}: axis {axis} is empty; dimensions are at least 1")
            if isinstance(d, int):
                if s != d:
                    raise ValueError(f"argument {name}: axis {axis} has size {s}, declared as {d}")
                continue
            seen = sizes.setdefault(d, (s, name, axis))
            if seen[0] != s:
                raise ValueError(f"argument {name}: axis {axis} has size {s}, but dimension {d} is {seen[0]} "
                                 f"(argument {seen[1]}, axis {seen[2]})")


def _size(x, name):
    """A size given by keyword (one no input shows) as an int; anything else is refused naming it."""
    try:
        n = int(x)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"size {name}: expected a whole number, got {x!r}") from None
    if n != x or n < 1:
        raise ValueError(f"size {name}: expected a whole number, at least 1, got {x!r}")
    return n


def _check_size_product(name, got, spelled, want):
    """An input whose length is a product of sizes given by keyword has that length; else refused naming both."""
    if got != want:
        raise ValueError(f"argument {name}: its size {got} is not {spelled} = {want} from the sizes given")


def _fits(size, what):
    """Refuse an array past 2**28 entries (2 GB in float64) before forming it, as evaluate refuses one:
    a vector's Hessian read off through vec can hold a Kronecker product of (m n)^2 entries, which Linux
    grants and then kills the process filling (12.8 GB at m = n = 200)."""
    if size > 2 ** 28:
        raise MemoryError(f"this code forms {what}, {size:,} entries, more than 2 GB: take a Hessian-vector "
                          f"product (matcalc.hvp) or the result at smaller sizes")
