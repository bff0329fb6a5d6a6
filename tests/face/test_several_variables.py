"""Several variables in one call: grad, hessian, hvp and check with a list of names.

The specification: one result holding a part per variable (or per Hessian block) in the order
named, each part the very result the single-variable call gives, printed together with the
subexpressions the parts share named once; `.evaluate` gives a dict; `check` covers every part.
"""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import matcalc
from conftest import assert_close

MLP = "sum((W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y).^2)"
PARAMS = ["W1", "b1", "W2", "b2"]
LOGREG = "sum(log(1 + exp(-y .* (X' w))))"


def mlp_values(seed=0, n_in=3, n_hidden=4, n_out=2, n=5):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((n_hidden, n_in)), "b1": rng.standard_normal(n_hidden),
            "W2": rng.standard_normal((n_out, n_hidden)), "b2": rng.standard_normal(n_out),
            "X": rng.standard_normal((n_in, n)), "Y": rng.standard_normal((n_out, n))}


def mlp_loss(v):
    h = np.tanh(v["W1"] @ v["X"] + v["b1"][:, None])
    return float(np.sum((v["W2"] @ h + v["b2"][:, None] - v["Y"]) ** 2))


def flat_fd_hessian(fun, vals, names, h=1e-4):
    """The dense Hessian over the named variables' entries (row-major), by central differences of
    a central-difference gradient: an independent reference for the block Hessian."""
    shapes = [np.shape(vals[n]) for n in names]
    sizes = [int(np.prod(s)) for s in shapes]
    x0 = np.concatenate([np.ravel(vals[n]) for n in names])

    def unflat(x):
        out, i = dict(vals), 0
        for n, s, k in zip(names, shapes, sizes):
            out[n] = x[i:i + k].reshape(s)
            i += k
        return out

    def grad(x):
        g = np.zeros_like(x)
        for i in range(x.size):
            e = np.zeros_like(x)
            e[i] = h
            g[i] = (fun(unflat(x + e)) - fun(unflat(x - e))) / (2 * h)
        return g
    H = np.zeros((x0.size, x0.size))
    for j in range(x0.size):
        e = np.zeros_like(x0)
        e[j] = h
        H[:, j] = (grad(x0 + e) - grad(x0 - e)) / (2 * h)
    return H


# ---------------------------------------------------------------- gradients
def test_list_of_names_gives_one_gradient_per_variable_in_that_order():
    r = matcalc.grad(MLP, PARAMS)
    assert list(r) == PARAMS and len(r) == 4
    got = r.evaluate(mlp_values())
    assert list(got) == PARAMS
    assert all(got[n].shape == np.shape(mlp_values()[n]) for n in PARAMS)


def test_a_tuple_of_names_is_the_same_as_a_list():
    assert str(matcalc.grad(MLP, tuple(PARAMS))) == str(matcalc.grad(MLP, PARAMS))


def test_each_part_is_the_single_variable_gradient():
    r = matcalc.grad(MLP, PARAMS)
    vals = mlp_values()
    for n in PARAMS:
        one = matcalc.grad(MLP, n)
        assert str(r[n]) == str(one) and r[n].latex() == one.latex()
        assert_close(r.evaluate(vals)[n], one.evaluate(vals), rtol=1e-12)


def test_gradients_agree_with_central_differences():
    vals = mlp_values(1)
    got = matcalc.grad(MLP, PARAMS).evaluate(vals)
    for n in PARAMS:
        ref = np.zeros_like(vals[n])
        for idx in np.ndindex(*vals[n].shape):
            plus, minus = dict(vals), dict(vals)
            plus[n], minus[n] = vals[n].copy(), vals[n].copy()
            plus[n][idx] += 1e-6
            minus[n][idx] -= 1e-6
            ref[idx] = (mlp_loss(plus) - mlp_loss(minus)) / 2e-6
        assert_close(got[n], ref, rtol=1e-5)


def test_check_covers_every_gradient():
    report = matcalc.check(matcalc.grad(MLP, PARAMS))
    assert report.ok and report.trials >= 1 and "W1, b1, W2, b2" in report.kind


def test_check_reports_a_wrong_part():
    r = matcalc.grad("x' A x + y' y", ["x", "y"])
    r.parts["y"]._expr = matcalc.grad("3 y' y", "y").node  # 6 y, not 2 y
    assert not matcalc.check(r).ok


def test_backpropagations_shared_terms_are_named_once():
    text = str(matcalc.grad(MLP, PARAMS))
    body, _, shared = text.partition("\nwhere ")
    assert text.count("tanh") == 1  # the hidden layer, once, though W2's gradient has it transposed
    assert shared.startswith("P = tanh(W1 X + b1 ones(1, N))")
    assert "M = W2 P + b2 ones(1, N) - Y" in shared  # the residual, named once
    assert "Q = (1 - P.^2) .* (W2' M)" in shared      # backpropagated through W2 once
    assert body.splitlines()[:3] == ["grad W1 = 2 Q X'", "grad b1 = 2 Q ones(N)", "grad W2 = 2 M P'"]


def test_a_gradient_with_a_named_sum_multiplied_out_is_written_with_its_name():
    body, _, _ = str(matcalc.grad(MLP, PARAMS)).partition("\nwhere ")
    assert body.splitlines()[3] == "grad b2 = 2 M ones(N)"  # not 2 (dim(N) b2 + (W2 P - Y) ones(N))
    assert "dim(" not in body


def test_shared_names_never_reuse_a_dimension_name():
    r = matcalc.grad(MLP, PARAMS)
    _, _, shared = str(r).partition("\nwhere ")
    assert not any(d.startswith("N =") for d in shared.split(", "))


def test_each_printed_line_with_the_shared_names_reads_back_to_its_gradient():
    r = matcalc.grad(MLP, PARAMS)
    vals = mlp_values(2)
    shared = r.where_line()
    for key, _, _, text, _ in r.lines():
        e = matcalc.parse(f"{text} where {shared}", where=r.where)
        assert_close(e.evaluate(vals), r[key].evaluate(vals), rtol=1e-12)


def test_latex_is_one_aligned_block_with_a_label_per_variable():
    r = matcalc.grad(MLP, PARAMS)
    tex = r.latex()
    assert tex.startswith(r"\begin{aligned}") and tex.endswith(r"\end{aligned}")
    assert tex.count("&=") == 4 and r"\nabla_{W_{1}} f" in tex and r"\text{where }" in tex
    assert r._repr_latex_() == "$$" + tex + "$$"


def test_no_shared_terms_means_no_where_line():
    r = matcalc.grad("a' x + b' y", ["x", "y"])
    assert str(r) == "grad x = a\ngrad y = b"


def test_joint_differential_moves_every_variable():
    r = matcalc.grad("x' A y", ["x", "y"])
    assert str(r.differential) == "dx' A y + dy' A' x"


def test_a_variable_that_cancelled_has_a_zero_gradient():
    r = matcalc.grad("x' x + y - y", ["x", "y"], where="y: scalar")
    assert r.evaluate({"x": np.ones(2), "y": 3.0})["y"] == 0


def test_symmetric_variable_among_several_keeps_its_projection():
    where = "S: matrix(n,n) symmetric; A: matrix(n,n)"
    r = matcalc.grad("tr(A S) + x' S x", ["S", "x"], where=where)
    assert str(r["S"]) == str(matcalc.grad("tr(A S) + x' S x", "S", where=where))
    assert matcalc.check(r)


@pytest.mark.parametrize("wrt, words", [
    ([], "at least one variable"),
    (["x", 3], "by its name"),
    (["x", "x"], "named twice"),
    (["x", "z"], "not a variable"),
])
def test_bad_lists_of_names_are_clear_errors(wrt, words):
    with pytest.raises(matcalc.MatcalcError, match=words):
        matcalc.grad("x' y", wrt)


def test_asking_for_a_part_that_is_not_there_names_the_parts():
    with pytest.raises(matcalc.MatcalcError, match="'W1', 'b1'"):
        matcalc.grad(MLP, PARAMS)["W3"]


def test_a_result_for_several_variables_compiles_to_one_function_returning_every_part():
    r = matcalc.grad(MLP, PARAMS)
    fn = r.to_numpy()
    vals = mlp_values(10)
    got = fn(vals["W1"], vals["W2"], vals["X"], vals["Y"], vals["b1"], vals["b2"])
    want = r.evaluate(vals)
    assert len(got) == 4
    for g, n in zip(got, PARAMS):
        assert_close(g, want[n], rtol=1e-10)


def test_a_block_hessian_compiles_to_rows_of_blocks():
    r = matcalc.hessian("x' A y + y' y", ["x", "y"])
    rng = np.random.default_rng(11)
    A, x, y = rng.standard_normal((2, 3)), rng.standard_normal(2), rng.standard_normal(3)
    (hxx, hxy), (hyx, hyy) = r.to_numpy()(A, x, y)
    assert_close(hxy, A) and assert_close(hyx, A.T) and assert_close(hyy, 2 * np.eye(3))
    assert not np.any(hxx)


# ---------------------------------------------------------------- block Hessians
def test_list_of_names_gives_the_block_hessian_and_a_pair_is_one_block():
    where = "W: matrix(m,n)"
    f = "1/2 ||W x + b - y||^2"
    r = matcalc.hessian(f, ["W", "b"], where=where)
    assert list(r) == [("W", "W"), ("W", "b"), ("b", "W"), ("b", "b")]
    assert str(r[("W", "b")]) == str(matcalc.hessian(f, ("W", "b"), where=where)) == "db x'"
    assert str(r[("W", "W")]) == str(matcalc.hessian(f, "W", where=where))
    assert str(r) == "H[W, W][V] = V x x'\nH[W, b][db] = db x'\nH[b, W][dW] = dW x\nH[b, b] = I_m"


def test_block_hessian_evaluates_to_blocks_shaped_by_both_variables():
    rng = np.random.default_rng(0)
    vals = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(3), "x": rng.standard_normal(2),
            "y": rng.standard_normal(3)}
    got = matcalc.hessian("1/2 ||W x + b - y||^2", ["W", "b"]).evaluate(vals)
    assert {k: v.shape for k, v in got.items()} == {("W", "W"): (3, 2, 3, 2), ("W", "b"): (3, 2, 3),
                                                    ("b", "W"): (3, 3, 2), ("b", "b"): (3, 3)}


def test_block_hessian_of_a_network_matches_second_differences():
    r = matcalc.hessian(MLP, PARAMS)
    vals = mlp_values(3, n_in=2, n_hidden=3, n_out=2, n=4)
    H = r.dense(vals)
    assert_close(H, H.T, rtol=1e-10)
    assert_close(H, flat_fd_hessian(mlp_loss, vals, PARAMS), rtol=1e-4, atol=1e-5)


def test_a_zero_block_prints_as_zero():
    r = matcalc.hessian("x' A x + y' B y", ["x", "y"])
    assert "H[x, y] = 0" in str(r).splitlines() and "H[y, x] = 0" in str(r).splitlines()
    assert r[("x", "y")].latex() == "0" and str(r[("x", "y")]) == "0"
    vals = {"A": np.eye(2), "B": np.eye(3), "x": np.ones(2), "y": np.ones(3)}
    assert r.evaluate(vals)[("x", "y")].shape == (2, 3)


def test_a_zero_block_of_matrix_variables_prints_as_zero():
    r = matcalc.hessian("tr(X A) + tr(Y B Y)", ["X", "Y"])
    assert str(r[("X", "Y")]) == "0" and "H[X, Y] = 0" in str(r)


def test_check_covers_every_block():
    report = matcalc.check(matcalc.hessian(MLP, PARAMS), trials=1)
    assert report.ok and report.kind == "hessian by W1, b1, W2, b2"


def test_a_tuple_of_more_than_two_names_asks_for_a_list():
    with pytest.raises(matcalc.MatcalcError, match=r"give a list: \['x', 'y', 'z'\]"):
        matcalc.hessian("x'y + y'z", ("x", "y", "z"))


@pytest.mark.parametrize("f, where", [
    ("x' S x + tr(S S x x')", "S: matrix(n,n) symmetric"),
    ("log(x' S x)", "S: matrix(n,n) spd"),
    ("x' D x + tr(D A D)", "D: matrix(n,n) diagonal"),
])
def test_mixed_blocks_of_a_symmetric_or_diagonal_variable_live_on_its_own_space(f, where):
    """Block (S, x) is sym(.) of d(grad_S f)[dx] (like S's gradient); block (x, S) takes symmetric
    directions, its array entry [.., k, l] the derivative along (E_kl + E_lk)/2 (diagonal: zero off
    the diagonal), as the single-variable Hessian of such a variable is. (These blocks were wrong
    before: they differentiated the unprojected gradient, in every direction.)"""
    name = where.split(":")[0]
    r = matcalc.hessian(f, [name, "x"], where=where)
    assert matcalc.check(r)
    for key in ((name, "x"), ("x", name)):
        assert str(r[key]) == str(matcalc.hessian(f, key, where=where))


def test_mixed_block_by_a_symmetric_variable_follows_the_symmetric_array_convention():
    r = matcalc.hessian("x' S y", ("x", "S"), where="S: matrix(n,n) symmetric")
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    got = r.evaluate({"x": x, "y": y, "S": np.eye(3)})          # [i, k, l]: grad_x = S y moved by (E_kl + E_lk)/2
    want = np.zeros((3, 3, 3))
    for k in range(3):
        for l in range(3):
            E = np.zeros((3, 3))
            E[k, l] += 0.5
            E[l, k] += 0.5
            want[:, k, l] = E @ y
    assert_close(got, want, rtol=1e-12)


def test_newton_step_on_logistic_regression_from_the_hessian():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((3, 20)), np.sign(rng.standard_normal(20))
    vals = {"X": X, "y": y, "w": np.zeros(3)}
    g = matcalc.grad(LOGREG, "w").evaluate(vals)
    H = matcalc.hessian(LOGREG, ["w"]).evaluate(vals)[("w", "w")]
    w1 = -np.linalg.solve(H, g)
    loss = matcalc.parse(LOGREG)
    assert loss.evaluate({**vals, "w": w1}) < loss.evaluate(vals)


# ---------------------------------------------------------------- block Hessian-vector products
def test_block_hvp_is_the_block_hessian_times_the_stacked_directions():
    r = matcalc.hvp(MLP, PARAMS)
    assert [v.name for v in r.directions] == ["v_W1", "v_b1", "v_W2", "v_b2"]
    vals = mlp_values(5, n_in=2, n_hidden=3, n_out=2, n=4)
    rng = np.random.default_rng(6)
    dirs = {f"v_{n}": rng.standard_normal(np.shape(vals[n])) for n in PARAMS}
    got = r.evaluate({**vals, **dirs})
    H = matcalc.hessian(MLP, PARAMS).dense(vals)
    want = H @ np.concatenate([np.ravel(dirs[f"v_{n}"]) for n in PARAMS])
    assert_close(np.concatenate([np.ravel(got[n]) for n in PARAMS]), want, rtol=1e-9)


def test_block_hvp_prints_each_row_in_the_directions():
    r = matcalc.hvp("1/2 ||W x + b - y||^2", ["W", "b"], where="W: matrix(m,n)")
    assert str(r) == "H[v]_W = (v_W x + v_b) x'\nH[v]_b = v_W x + v_b"


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_the_generated_code_of_each_part_of_a_block_hvp_takes_every_direction(backend):
    """r["W"].to_numpy() took v_b only, and raised NameError for v_W."""
    if backend != "numpy":
        pytest.importorskip(backend)
    if backend == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
    r = matcalc.hvp(MLP, PARAMS)
    vals = mlp_values(5, n_in=2, n_hidden=3, n_out=2, n=4)
    rng = np.random.default_rng(7)
    vals.update({f"v_{n}": rng.standard_normal(np.shape(vals[n])) for n in PARAMS})
    for name in PARAMS:
        part = r[name]
        fn = part.to_numpy(backend=backend)
        got = fn(*[vals[p] for p in inspect.signature(fn).parameters])
        assert_close(np.asarray(got), part.evaluate(vals), rtol=1e-9)


def test_check_of_a_block_hvp_moves_every_variable():
    assert matcalc.check(matcalc.hvp(MLP, PARAMS))


def test_a_vector_and_its_transpose_are_named_once():
    where = "X: matrix(d,N); y: vector(N); w: vector(d); c: scalar"
    text = str(matcalc.hessian("sum(log(1 + exp(-y .* (X' w + c))))", ["w", "c"], where=where))
    assert text.count("(c + X' w) .* y") == 1 and "H[c, w] = p' X'" in text  # named once, p' not (X p)' or p''


def test_a_mixed_block_of_a_matrix_variable_has_its_kronecker_form():
    r = matcalc.hessian("1/2 ||W x + b - y||^2", ("W", "b"), where="W: matrix(m,n)")
    rng = np.random.default_rng(8)
    vals = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(3), "x": rng.standard_normal(2),
            "y": rng.standard_normal(3)}
    dense = r.evaluate(vals)                              # [i, j, k] = d2f / dW_ij db_k
    J = np.asarray(r.kron.evaluate(vals))                 # vec(dG_W) = J db, vec column-major
    assert_close(J, dense.reshape(6, 3, order="F"), rtol=1e-12)


@pytest.mark.parametrize("fn", [matcalc.jacobian, matcalc.differential])
def test_jacobian_and_differential_take_one_variable_and_say_so(fn):
    with pytest.raises(matcalc.MatcalcError, match="one variable"):
        fn("A x + B y", ["x", "y"])


# ---------------------------------------------------------------- every seed case, all its variables at once
def _scalar_seed_cases():
    from conftest import load_cases
    out, seen = [], set()
    for case in load_cases():
        if case["kind"] not in ("gradient", "hessian") or case["expr"] in seen:
            continue
        seen.add(case["expr"])
        out.append(case)
    return out


@pytest.mark.parametrize("case", _scalar_seed_cases(), ids=lambda c: c["id"])
def test_every_seed_function_by_all_its_variables_prints_lines_that_read_back(case):
    """The joint text (shared names, a node and its transpose named once) says exactly what each
    single-variable gradient says: every line with the shared names evaluates to its part."""
    from conftest import decl, sample_inputs
    where = decl(case)
    names = sorted(case["vars"])
    r = matcalc.grad(case["expr"], names, where=where)
    vals = sample_inputs(case)
    shared = r.where_line()
    for key, _, _, text, _ in r.lines():
        e = matcalc.parse(text + (f" where {shared}" if shared else ""), where=r.where)
        assert_close(e.evaluate(vals), r[key].evaluate(vals), rtol=1e-9)


@pytest.mark.parametrize("case", _scalar_seed_cases(), ids=lambda c: c["id"])
def test_every_seed_function_has_a_block_hessian_by_all_its_variables_that_checks(case):
    """Every block against finite differences of the gradients (symmetric variables included)."""
    from conftest import decl
    r = matcalc.hessian(case["expr"], sorted(case["vars"]), where=decl(case))
    assert len(r) == len(case["vars"]) ** 2
    assert matcalc.check(r, trials=1)


@pytest.mark.parametrize("fn", [matcalc.grad, matcalc.hessian, matcalc.hvp])
def test_an_orthogonal_variable_among_several_is_differentiated_as_a_general_matrix(fn):
    """As for one variable: the Euclidean derivative, what finite differences in every direction
    measure (the mixed block by Q used to leave the manifold in its check and find no input)."""
    assert matcalc.check(fn("tr(Q A) + x' Q x", ["x", "Q"], where="Q: matrix(n,n) orthogonal"))


@pytest.mark.parametrize("f, where, vals", [
    ("sum(X .^ 3) + sum(Y .^ 3)", "X: matrix(m,n); Y: matrix(k,l)", {"X": (2, 3), "Y": (4, 5)}),
    # a subscripted variable's direction is a valid name (V_W1, not V_W_1)
    ("tr(W_1 W2 W_1') + tr(W2 W2 W2)", "W_1: matrix(m,n); W2: matrix(n,n)", {"W_1": (2, 3), "W2": (3, 3)}),
    # a symmetric direction and a general one of the same shape are two names (H.where declared V symmetric)
    ("tr(X X X) + logdet(S)", "S: matrix(n,n) spd; X: matrix(n,n)", {"S": "spd", "X": (3, 3)}),
])
def test_block_hessian_lines_of_variables_of_two_shapes_read_back_under_its_where(f, where, vals):
    # every map block's direction was V, declared in H.where with the first block's shape: H[Y, Y][V] did
    # not read back (a shape clash), nor evaluate against a V of Y's shape
    H = matcalc.hessian(f, list(vals), where=where)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    vals = {k: (a @ a.T + 3 * np.eye(3) if v == "spd" else rng.standard_normal(v)) for k, v in vals.items()}
    blocks = H.evaluate(vals)
    for line in str(H).splitlines():
        label, text = line.split(" = ", 1)
        if text == "0":
            continue
        a, b = label[2:label.index("]")].split(", ")
        direction = label.rsplit("[", 1)[1].rstrip("]")
        v = rng.standard_normal(vals[b].shape)
        if "symmetric" in H.where.split(direction + ":", 1)[1].split(";")[0]:
            v = v + v.T
        got = matcalc.parse(text, where=H.where).evaluate({**vals, direction: v})
        assert np.allclose(got, np.tensordot(blocks[(a, b)], v, axes=v.ndim))


def test_a_block_hessian_writes_a_difference_one_way_in_all_blocks():
    # H[x, x] wrote mu - x and H[s, x] x - mu, so their shared parts were named twice:
    # a = exp(-c p' p / 2) and m = exp(-c t / 2) were one number, and t = -(x - mu)' p was p' p
    r = matcalc.hessian("exp(-||x - mu||^2 / (2 s^2))", ["x", "s"], where="s: scalar")
    text = str(r)
    assert ("x - mu" in text) != ("mu - x" in text)
    assert len(text) < 200
    assert matcalc.check(r).ok
