"""The op pool and program generator of the differential tests (test_differential.py).

A *program* is a chain of 2-8 steps drawn from POOL, applied to a float64 value that starts
as leaf L0; steps may bring in up to two more float64 leaves (L1, L2) or constants (C0, C1,
...: float64 data, int64 indices, bool masks), and the last value is reduced to a scalar (or
given a random grad_outputs) for backward. Every step is one Python function `fn(run, v)`
written once against a library adapter (`run.M` is `torch` or `tapedeck`, `run.F` is
`torch.nn.functional` or `tapedeck._C._nn`), so PyTorch and Tapedeck run literally the same
code on the same numpy data.

Programs are generated from a fixed seed. While generating, each program runs once in
PyTorch with `checking=True`: the steps' kink checks (`run.kink`, `run.tie`) raise Redraw
when a value sits within KINK_TOL of a kink of the op (relu/abs/sign/clamp/leaky_relu at
their breakpoints, maximum/minimum and comparisons at equality, ties in
max/min/amax/amin/argmax/argmin/max_pool2d, l1_loss at input == target, integer
truncation at integers), values leave [-1e6, 1e6], or PyTorch's own result is
ill-conditioned (a 1e-10 relative nudge of the leaves moves an output or gradient by more
than 1e-5 relative). Such a program is redrawn from the next seed of its index, never
dropped; the redraws are counted by reason.

Run `python3 differential_ops.py N` (PYTHONPATH as for the tests) to print program N.
"""
import math
import random
from collections import Counter

import numpy as np

BASE_SEED = 20261128
KINK_TOL = 1e-6
RANGE_LIMIT = 1e6
MAX_NUMEL = 192
RTOL = 1e-6
ATOL = 1e-9

# Cases where Tapedeck and PyTorch disagree (each reproduced by an xfail(strict=True) test in
# test_differential.py). The generator avoids exactly these cases so the random programs test
# the rest of each op; when the engine is fixed the xfail test passes (strictly: it fails the
# suite), and the case is taken out of this set so the programs draw it again.
KNOWN_MISMATCHES = {
    "mse_loss_broadcast":
        "mse_loss / l1_loss with a target that broadcasts to the input's shape: PyTorch broadcasts (with a "
        "UserWarning that it is likely incorrect); Tapedeck raises 'target of shape [3] does not match input of "
        "shape [2, 3]', on purpose: it is most often the [N, 1] output vs [N] target bug",
}


class Redraw(Exception):
    """The program hit a kink/tie, left the value range or is ill-conditioned."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# --- libraries --------------------------------------------------------------------------

class Lib:
    """torch or tapedeck behind one interface: M (the module), F (the nn functions)."""

    def __init__(self, name, M, F, autograd_grad):
        self.name = name
        self.M = M
        self.F = F
        self.grad = autograd_grad

    def tensor(self, array, requires_grad=False):
        array = np.asarray(array)
        dtype = {np.dtype(np.float64): self.M.float64, np.dtype(np.int64): self.M.int64,
                 np.dtype(np.bool_): self.M.bool}[array.dtype]
        return self.M.tensor(array, dtype=dtype, requires_grad=requires_grad)


def to_numpy(t):
    return np.array(t.detach().numpy(), copy=True)


def torch_lib():
    import torch
    import torch.nn.functional as F
    return Lib("torch", torch, F, torch.autograd.grad)


def tapedeck_lib():
    import tapedeck
    from tapedeck import autograd
    return Lib("tapedeck", tapedeck, tapedeck._C._nn, autograd.grad)


# --- running a program --------------------------------------------------------------------

class Run:
    """One execution of a program in one library."""

    def __init__(self, lib, program, checking=False, perturb=None):
        self.lib = lib
        self.M = lib.M
        self.F = lib.F
        self.program = program
        self.checking = checking
        self.perturb = perturb
        self._leaves = {}
        self._consts = {}
        self.records = []  # (label, tensor): every step's output and auxiliary outputs
        self.hook_grads = []  # gradients seen by recording hooks during backward

    def leaf(self, i):
        if i not in self._leaves:
            data = self.program.leaf_data[i]
            if self.perturb is not None:
                data = data * (1.0 + self.perturb[i])
            if self.program.index % 2:  # both spellings of making a leaf
                self._leaves[i] = self.lib.tensor(data).requires_grad_()
            else:
                self._leaves[i] = self.lib.tensor(data, requires_grad=True)
        return self._leaves[i]

    def leaves(self):
        return [self.leaf(i) for i in range(len(self.program.leaf_data))]

    def const(self, j):
        if j not in self._consts:
            self._consts[j] = self.lib.tensor(self.program.const_data[j])
        return self._consts[j]

    def get(self, ref):
        kind, value = ref
        if kind == "leaf":
            return self.leaf(value)
        if kind == "const":
            return self.const(value)
        return value  # a Python scalar

    def record(self, label, tensor):
        self.records.append((label, tensor))
        return tensor

    # Kink checks: no-ops except while generating (PyTorch, checking=True).
    def kink(self, label, distance, transform=None):
        if not self.checking:
            return
        d = to_numpy(distance) if not isinstance(distance, (int, float)) else np.asarray(distance)
        if transform is not None:
            d = transform(d)
        d = np.abs(np.asarray(d, dtype=np.float64))
        if d.size and np.nanmin(d) < KINK_TOL:
            raise Redraw("kink:" + label)

    def within(self, label, x, limit):
        """Redraws when |x| exceeds limit somewhere (an op's domain edge, e.g. a saturated sigmoid)."""
        if self.checking and np.abs(to_numpy(x)).max(initial=0.0) > limit:
            raise Redraw("saturated:" + label)

    def tie(self, label, x, dims=None, which="both"):
        """Redraws when the largest (or smallest) two values along `dims` are within KINK_TOL."""
        if not self.checking:
            return
        a = to_numpy(x)
        if a.ndim == 0:
            return
        if dims is None:
            rows = a.reshape(1, -1)
        else:
            dims = [d % a.ndim for d in ([dims] if isinstance(dims, int) else dims)]
            moved = np.moveaxis(a, dims, list(range(a.ndim - len(dims), a.ndim)))
            rows = moved.reshape(-1, int(np.prod([a.shape[d] for d in dims])))
        check_rows_tie(label, rows, which)


def check_rows_tie(label, rows, which):
    if rows.shape[-1] < 2 or rows.size == 0:
        return
    s = np.sort(rows, axis=-1)
    with np.errstate(invalid="ignore"):
        gaps = []
        if which in ("both", "max"):
            gaps.append(s[..., -1] - s[..., -2])
        if which in ("both", "min"):
            gaps.append(s[..., 1] - s[..., 0])
        if which == "all":  # any two values (a sort's order of ties is open)
            gaps.append(np.diff(s, axis=-1))
        g = np.concatenate([np.ravel(x) for x in gaps])
    g = g[np.isfinite(g)]
    if g.size and g.min() < KINK_TOL:
        raise Redraw("tie:" + label)


def pos(x):
    """A strictly positive value from x (>= 0.5), smooth: x*x + 0.5."""
    return x * x + 0.5


def fit(run, v, ref, shape):
    """v's entries rearranged (reshape, or index_select with repeats) into `shape`."""
    if ref is None:
        return v.reshape(*shape) if shape else v.reshape(())
    flat = v.reshape(-1)
    picked = run.M.index_select(flat, 0, run.get(ref))
    return picked.reshape(*shape) if shape else picked.reshape(())


# --- programs -----------------------------------------------------------------------------

class Step:
    def __init__(self, name, desc, fn, uses):
        self.name = name
        self.desc = desc
        self.fn = fn
        self.uses = uses  # pool names (and forms) this step exercises
        self.shapes = ""


class Program:
    def __init__(self, index, seed, attempt):
        self.index = index
        self.seed = seed
        self.attempt = attempt
        self.leaf_data = []
        self.const_data = []
        self.steps = []
        self.backward = "sum"
        self.grad_output = None  # const index for backward(gradient=...) / autograd.grad
        self.retain = False

    def describe(self):
        leaves = ", ".join(f"L{i}{tuple(a.shape)}" for i, a in enumerate(self.leaf_data))
        consts = ", ".join(f"C{j}{tuple(a.shape)}:{a.dtype}" for j, a in enumerate(self.const_data))
        lines = [f"program #{self.index} (seed {self.seed}, draw {self.attempt + 1}); leaves {leaves}; "
                 f"consts [{consts}]; backward: {self.backward}"
                 + (f" with C{self.grad_output}" if self.grad_output is not None else "")
                 + ("; retain_grad on intermediates" if self.retain else "")]
        for k, s in enumerate(self.steps):
            lines.append(f"  {k + 1}. [{s.name}] {s.desc}   {s.shapes}")
        return "\n".join(lines)


def execute(lib, program, checking=False, perturb=None, backward=True):
    """Runs the program: (run, output, list of leaf grads or None, intermediate grads)."""
    run = Run(lib, program, checking=checking, perturb=perturb)
    leaves = run.leaves()
    v = leaves[0]
    outputs = []
    for step in program.steps:
        v = step.fn(run, v)
        run.record(step.name, v)
        outputs.append(v)
    if not backward:
        return run, v, None, None
    retained = []  # (label, tensor or None) for every record, None where not retained
    if program.retain:
        for label, t in run.records:
            if t.dtype == lib.M.float64 and t.requires_grad and not t.is_leaf:
                t.retain_grad()
                retained.append((label, t))
            else:
                retained.append((label, None))
    grads = None
    if v.requires_grad:
        if program.backward == "sum":
            v.sum().backward()
        elif program.backward == "plain":
            v.backward()
        elif program.backward == "gradient":
            v.backward(run.const(program.grad_output))
        else:  # autograd.grad
            grads = list(lib.grad([v], leaves, grad_outputs=[run.const(program.grad_output)], allow_unused=True))
    if grads is None:
        grads = [leaf.grad for leaf in leaves]
    return run, v, grads, [(label, None if t is None else t.grad, t is not None) for label, t in retained]


# --- the generator's helpers --------------------------------------------------------------

def numel(shape):
    return int(np.prod(shape)) if shape else 1


def fmt(ref):
    kind, value = ref
    if kind == "leaf":
        return f"L{value}"
    if kind == "const":
        return f"C{value}"
    return repr(value)


class Builder:
    """Draws a program's data and parameters; `v` is PyTorch's current value (for shapes)."""

    def __init__(self, program, r, max_leaves):
        self.program = program
        self.r = r
        self.np = np.random.default_rng(r.randrange(2 ** 32))
        self.max_leaves = max_leaves
        self.v = None
        self.uses = set()
        self.used = set()  # leaves referenced by a step so far

    def use(self, *names):
        self.uses.update(names)

    # data
    def new_leaf(self, shape, kind="normal"):
        self.program.leaf_data.append(self._data(shape, kind))
        return self._leaf(len(self.program.leaf_data) - 1)

    def const(self, array):
        self.program.const_data.append(np.asarray(array))
        return ("const", len(self.program.const_data) - 1)

    def float_const(self, shape, kind="normal"):
        return self.const(self._data(shape, kind))

    def _data(self, shape, kind):
        if kind == "unit":
            return self.np.uniform(0.05, 0.95, size=shape).astype(np.float64)
        return np.asarray(self.np.standard_normal(size=shape), dtype=np.float64)

    def int_const(self, high, shape, low=0):
        return self.const(self.np.integers(low, high, size=shape).astype(np.int64))

    def bool_const(self, shape):
        return self.const(self.np.random(size=shape) < 0.5)

    def scalar(self, nonzero=False):
        r = self.r
        if r.random() < 0.25:
            value = r.choice([2, 3, -1, 1] if nonzero else [0, 1, 2, -1, 3])
        else:
            value = round(r.uniform(-2.0, 2.0), 3)
            if nonzero and abs(value) < 0.5:
                value = 0.5 if value >= 0 else -0.5
        return ("scalar", value)

    # operands
    def tensor_exact(self, shape, kind="normal"):
        """A leaf or constant of exactly `shape` (reusing a leaf of that shape sometimes)."""
        r = self.r
        same = [i for i, a in enumerate(self.program.leaf_data) if a.shape == tuple(shape)]
        unused = [i for i in same if i not in self.used]
        if kind == "normal" and unused and r.random() < 0.7:
            return self._leaf(r.choice(unused))
        if kind == "normal" and same and r.random() < 0.35:
            return self._leaf(r.choice(same))
        if len(self.program.leaf_data) < self.max_leaves and r.random() < 0.8:
            return self.new_leaf(tuple(shape), kind)
        return self.float_const(tuple(shape), kind)

    def partner_shape(self, shape, grow=True):
        r = self.r
        for _ in range(10):
            if r.random() < 0.12:
                out = ()
            else:
                n = len(shape)
                k = r.randint(0, n)
                dims = []
                for s in shape[n - k:]:
                    x = r.random()
                    if s == 1 and grow and x < 0.3:
                        dims.append(r.randint(2, 3))
                    elif x < 0.3:
                        dims.append(1)
                    else:
                        dims.append(s)
                if grow and k == n and n < 4 and r.random() < 0.2:
                    dims = [r.randint(1, 3)] + dims
                out = tuple(dims)
            if numel(np.broadcast_shapes(tuple(shape), out)) <= MAX_NUMEL:
                return out
        return ()

    def tensor_operand(self, shape, grow=True):
        """A leaf or constant whose shape broadcasts with `shape`."""
        r = self.r
        fits = [i for i, a in enumerate(self.program.leaf_data)
                if broadcastable(a.shape, shape, grow)]
        unused = [i for i in fits if i not in self.used]
        if unused and r.random() < 0.7:
            return self._leaf(r.choice(unused))
        if fits and r.random() < 0.35:
            return self._leaf(r.choice(fits))
        return self.tensor_exact(self.partner_shape(shape, grow))

    def _leaf(self, i):
        self.used.add(i)
        return ("leaf", i)

    def operand(self, shape, scalar_p=0.3, grow=True):
        if self.r.random() < scalar_p:
            return self.scalar()
        return self.tensor_operand(shape, grow)

    def dim(self, n, allow_neg=True):
        d = self.r.randrange(n)
        return d - n if allow_neg and self.r.random() < 0.3 else d

    def reduce_dims(self, shape, allow_none=True, allow_multi=True):
        """None (all), an int, or a tuple/list of distinct dims."""
        r = self.r
        n = len(shape)
        if n == 0:
            return None
        x = r.random()
        if allow_none and x < 0.2:
            return None
        if allow_multi and n >= 2 and x < 0.5:
            k = r.randint(2, n)
            dims = r.sample(range(n), k)
            dims = [d - n if r.random() < 0.3 else d for d in dims]
            return tuple(dims) if r.random() < 0.6 else list(dims)
        return self.dim(n)

    def fit_ref(self, shape, target):
        """Parameters for fit(): None (reshape) when sizes agree, else random indices."""
        if numel(shape) == numel(target) and self.r.random() < 0.6:
            return None
        return self.int_const(numel(shape), (numel(target),))

    def random_shape(self, max_dims=4, max_size=4):
        r = self.r
        for _ in range(20):
            n = r.choice([0, 1, 1, 2, 2, 2, 3, 3, 4][: {4: 9, 3: 8, 2: 6}.get(max_dims, 9)])
            shape = tuple(1 if r.random() < 0.2 else r.randint(2, max_size) for _ in range(n))
            if numel(shape) <= 96:
                return shape
        return (3,)


def broadcastable(a, b, grow=True):
    try:
        out = np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        return False
    return (out == tuple(b) or grow) and numel(out) <= MAX_NUMEL


def reduced_count(shape, dims):
    if dims is None:
        return numel(shape)
    dims = [dims] if isinstance(dims, int) else dims
    return numel([shape[d] for d in dims])


# --- the pool -----------------------------------------------------------------------------

class OpSpec:
    def __init__(self, name, make, covers, weight=None):
        self.name = name
        self.make = make
        self.covers = covers  # the exposed names (functions, Tensor.methods, nn.functions) it draws
        # ops with many spellings (functions, methods, operators) are drawn more often so each
        # spelling is drawn a few times
        self.weight = weight if weight is not None else max(1.0, len(covers) / 2.0)


POOL = {}


def op(name, covers, weight=None):
    def deco(make):
        POOL[name] = OpSpec(name, make, tuple(covers), weight)
        return make
    return deco


def choose(b, forms):
    """Picks one (desc, fn, covered-name) form and notes its name."""
    desc, fn, covered = forms[b.r.randrange(len(forms))]
    b.use(covered)
    return desc, fn


# unary elementwise ------------------------------------------------------------------------

def _unary(name, positive=False, kink=False, extra_forms=(), function=True, wrap=None, domain=None):
    """domain: (description, transform) putting v where the op is finite ('u=0.9*tanh(v)')."""
    def make(b, shape):
        forms = [(f"M.{name}(v)", lambda run, v: getattr(run.M, name)(v), name),
                 (f"v.{name}()", lambda run, v: getattr(v, name)(), f"Tensor.{name}")] + list(extra_forms)
        if not function:
            forms = forms[1:]
        desc, f = choose(b, forms)
        if wrap is not None:
            f = wrap[1](f)
            desc = wrap[0].replace("#", desc)

        def fn(run, v):
            if positive:
                v = pos(v)
            if domain is not None:
                v = domain[1](v)
            if kink:
                run.kink(name, v)
            return f(run, v)
        prefix = ("pos(v)=v*v+0.5; " if positive else "") + (f"{domain[0]}; " if domain is not None else "")
        return prefix + desc, fn
    covers = ([name] if function else []) + [f"Tensor.{name}"] + [c for _, _, c in extra_forms]
    op(name, covers)(make)


_unary("neg", extra_forms=[("M.negative(v)", lambda run, v: run.M.negative(v), "negative"),
                           ("v.negative()", lambda run, v: v.negative(), "Tensor.negative"),
                           ("-v", lambda run, v: -v, "Tensor.__neg__")])
_unary("exp")
# tapedeck.log(tensor) is the natural log; tapedeck.log(name, value) the curve logger.
_unary("log", positive=True)
_unary("sqrt", positive=True)
_unary("rsqrt", positive=True)
_INSIDE_ONE = ("v=0.9*tanh(v)", lambda v: v.tanh() * 0.9)
_unary("log1p", positive=True)
_unary("expm1")
_unary("tan", domain=_INSIDE_ONE)
_unary("asin", domain=_INSIDE_ONE)
_unary("acos", domain=_INSIDE_ONE)
_unary("atan")
_unary("sinh")
_unary("cosh")
_unary("asinh")
_unary("acosh", domain=("v=v*v+1.1", lambda v: v * v + 1.1))
_unary("atanh", domain=_INSIDE_ONE)
_unary("abs", kink=True, extra_forms=[("abs(v)", lambda run, v: abs(v), "Tensor.__abs__")])
_unary("sign", kink=True)  # a zero gradient, its result requiring grad (as the roundings)
def _rounding(name, offset, aliases=()):
    """floor, ceil, trunc (steps at whole numbers) and round (at halves): values away from a
    step, so both libraries see the same side of it; their gradients are zero."""
    def make(b, shape):
        forms = [(f"M.{name}(v)", lambda run, v: getattr(run.M, name)(v), name),
                 (f"v.{name}()", lambda run, v: getattr(v, name)(), f"Tensor.{name}")]
        for alias in aliases:
            forms += [(f"M.{alias}(v)", lambda run, v, a=alias: getattr(run.M, a)(v), alias),
                      (f"v.{alias}()", lambda run, v, a=alias: getattr(v, a)(), f"Tensor.{alias}")]
        desc, f = choose(b, forms)

        def fn(run, v):
            run.kink(name, v, transform=lambda d: (d + offset) - np.round(d + offset))
            return f(run, v)
        return desc, fn
    covers = [name, f"Tensor.{name}"] + [c for a in aliases for c in (a, f"Tensor.{a}")]
    op(name, covers)(make)


_rounding("floor", 0.0)
_rounding("ceil", 0.0)
_rounding("trunc", 0.0, aliases=("fix",))
_rounding("round", 0.5)
_unary("sin")
_unary("cos")
_unary("tanh")
_unary("sigmoid")
_unary("relu", kink=True)
_unary("erf")


@op("pos", ["Tensor.__pos__"])
def _pos(b, shape):
    return "+v", lambda run, v: +v


# binary elementwise -----------------------------------------------------------------------

@op("add", ["add", "Tensor.add", "Tensor.__add__", "Tensor.__radd__"])
def _add(b, shape):
    o = b.operand(shape)
    a = b.r.choice([2.0, -0.5, 3])
    forms = [(f"M.add(v, {fmt(o)})", lambda run, v: run.M.add(v, run.get(o)), "add"),
             (f"v.add({fmt(o)})", lambda run, v: v.add(run.get(o)), "Tensor.add"),
             (f"M.add(v, {fmt(o)}, alpha={a})", lambda run, v: run.M.add(v, run.get(o), alpha=a), "add"),
             (f"v.add({fmt(o)}, alpha={a})", lambda run, v: v.add(run.get(o), alpha=a), "Tensor.add"),
             (f"v + {fmt(o)}", lambda run, v: v + run.get(o), "Tensor.__add__"),
             (f"{fmt(o)} + v", lambda run, v: run.get(o) + v,
              "Tensor.__radd__" if o[0] == "scalar" else "Tensor.__add__")]
    forms += forms[-1:] * 2 if o[0] == "scalar" else []
    return choose(b, forms)


@op("sub", ["sub", "Tensor.sub", "Tensor.__sub__", "Tensor.__rsub__"])
def _sub(b, shape):
    o = b.operand(shape)
    forms = [(f"M.sub(v, {fmt(o)})", lambda run, v: run.M.sub(v, run.get(o)), "sub"),
             (f"v.sub({fmt(o)})", lambda run, v: v.sub(run.get(o)), "Tensor.sub"),
             (f"v - {fmt(o)}", lambda run, v: v - run.get(o), "Tensor.__sub__"),
             (f"{fmt(o)} - v", lambda run, v: run.get(o) - v,
              "Tensor.__rsub__" if o[0] == "scalar" else "Tensor.__sub__")]
    forms += forms[-1:] * 2 if o[0] == "scalar" else []
    return choose(b, forms)


@op("mul", ["mul", "Tensor.mul", "Tensor.__mul__", "Tensor.__rmul__"])
def _mul(b, shape):
    o = b.operand(shape)
    forms = [(f"M.mul(v, {fmt(o)})", lambda run, v: run.M.mul(v, run.get(o)), "mul"),
             (f"v.mul({fmt(o)})", lambda run, v: v.mul(run.get(o)), "Tensor.mul"),
             (f"v * {fmt(o)}", lambda run, v: v * run.get(o), "Tensor.__mul__"),
             (f"{fmt(o)} * v", lambda run, v: run.get(o) * v,
              "Tensor.__rmul__" if o[0] == "scalar" else "Tensor.__mul__"),
             ("v * v", lambda run, v: v * v, "Tensor.__mul__")]
    forms += forms[-2:-1] * 2 if o[0] == "scalar" else []
    return choose(b, forms)


@op("div", ["div", "Tensor.div", "Tensor.__truediv__", "Tensor.__rtruediv__"])
def _div(b, shape):
    r = b.r
    if r.random() < 0.4:
        s = b.scalar(nonzero=True)
        forms = [(f"M.div(v, {fmt(s)})", lambda run, v: run.M.div(v, s[1]), "div"),
                 (f"v / {fmt(s)}", lambda run, v: v / s[1], "Tensor.__truediv__"),
                 (f"v.div({fmt(s)})", lambda run, v: v.div(s[1]), "Tensor.div")]
        forms += [(f"{fmt(s)} / pos(v)", lambda run, v: s[1] / pos(v), "Tensor.__rtruediv__")] * 2
        return choose(b, forms)
    o = b.tensor_operand(shape)
    forms = [(f"M.div(v, pos({fmt(o)}))", lambda run, v: run.M.div(v, pos(run.get(o))), "div"),
             (f"v.div(pos({fmt(o)}))", lambda run, v: v.div(pos(run.get(o))), "Tensor.div"),
             (f"v / pos({fmt(o)})", lambda run, v: v / pos(run.get(o)), "Tensor.__truediv__"),
             (f"{fmt(o)} / pos(v)", lambda run, v: run.get(o) / pos(v), "Tensor.__truediv__")]
    return choose(b, forms)


@op("pow", ["pow", "Tensor.pow", "Tensor.__pow__", "Tensor.__rpow__"])
def _pow(b, shape):
    r = b.r
    x = r.random()
    if x < 0.45:  # scalar exponent
        k = r.choice([2, 3, 0, 1, 2.0, -1, 0.5, 1.5, -0.5, 2.5])
        positive = not (isinstance(k, int) and k >= 0) and k != 2.0
        base = (lambda v: pos(v)) if positive else (lambda v: v)
        bd = "pos(v)" if positive else "v"
        forms = [(f"M.pow({bd}, {k})", lambda run, v: run.M.pow(base(v), k), "pow"),
                 (f"{bd}.pow({k})", lambda run, v: base(v).pow(k), "Tensor.pow"),
                 (f"{bd} ** {k}", lambda run, v: base(v) ** k, "Tensor.__pow__")]
        return choose(b, forms)
    if x < 0.6:  # scalar base
        s = r.choice([2.0, 0.5, 3, math.e])
        return choose(b, [(f"{s} ** v", lambda run, v: s ** v, "Tensor.__rpow__")])
    o = b.tensor_operand(shape)
    forms = [(f"M.pow(pos(v), {fmt(o)})", lambda run, v: run.M.pow(pos(v), run.get(o)), "pow"),
             (f"pos(v).pow({fmt(o)})", lambda run, v: pos(v).pow(run.get(o)), "Tensor.pow"),
             (f"pos(v) ** {fmt(o)}", lambda run, v: pos(v) ** run.get(o), "Tensor.__pow__"),
             (f"pos({fmt(o)}) ** v", lambda run, v: pos(run.get(o)) ** v, "Tensor.__pow__")]
    return choose(b, forms)


def _python_division(name, fn_name, operator, fwd, rev):
    """remainder (%) and floor_divide (//): a scalar or tensor divisor kept away from 0, and
    quotients away from whole numbers (where both ops step). PyTorch 1.13 has no gradient for
    a remainder's divisor nor for floor_divide at all: divisors are detached there, and a
    floor division is added to v detached."""
    def make(b, shape):
        r = b.r
        if r.random() < 0.4:
            s = b.scalar(nonzero=True)
            forms = [(f"M.{fn_name}(v, {fmt(s)})", lambda run, v: (v, s[1], getattr(run.M, fn_name)(v, s[1])), fn_name),
                     (f"v.{fn_name}({fmt(s)})", lambda run, v: (v, s[1], getattr(v, fn_name)(s[1])),
                      f"Tensor.{fn_name}"),
                     (f"v {operator} {fmt(s)}", lambda run, v: (v, s[1], eval(f"v {operator} d", {"v": v, "d": s[1]})),
                      f"Tensor.{fwd}"),
                     (f"{fmt(s)} {operator} pos(v).detach()",
                      lambda run, v: (s[1], pos(v), eval(f"d {operator} p.detach()", {"p": pos(v), "d": s[1]})),
                      f"Tensor.{rev}")]
            if fn_name == "floor_divide":
                forms += [(f"M.div(v, {fmt(s)}, rounding_mode='floor')",
                           lambda run, v: (v, s[1], run.M.div(v, s[1], rounding_mode="floor")), "div"),
                          (f"v.div({fmt(s)}, rounding_mode='trunc')",
                           lambda run, v: (v, s[1], v.div(s[1], rounding_mode="trunc")), "Tensor.div")]
        else:
            o = b.tensor_operand(shape)
            forms = [(f"M.{fn_name}(v, pos({fmt(o)}).detach())",
                      lambda run, v: (v, pos(run.get(o)), getattr(run.M, fn_name)(v, pos(run.get(o)).detach())),
                      fn_name),
                     (f"v.{fn_name}(pos({fmt(o)}).detach())",
                      lambda run, v: (v, pos(run.get(o)), getattr(v, fn_name)(pos(run.get(o)).detach())),
                      f"Tensor.{fn_name}"),
                     (f"v {operator} pos({fmt(o)}).detach()",
                      lambda run, v: (v, pos(run.get(o)),
                                      eval(f"v {operator} p.detach()", {"v": v, "p": pos(run.get(o))})),
                      f"Tensor.{fwd}")]
        desc, f = choose(b, forms)
        reverse = desc.split(operator)[-1].strip().startswith("pos(v)")

        def fn(run, v):
            a, d, out = f(run, v)
            run.kink(name, a / d, transform=lambda q: q - np.round(q))
            # (No gradient reaches v through a detached divisor, nor through // in PyTorch.)
            return v + out.detach() if fn_name == "floor_divide" or reverse else out
        return (f"v + ({desc}).detach()" if fn_name == "floor_divide" or reverse else desc), fn
    op(name, [fn_name, f"Tensor.{fn_name}", f"Tensor.{fwd}", f"Tensor.{rev}"])(make)


_python_division("remainder", "remainder", "%", "__mod__", "__rmod__")
_python_division("floor_divide", "floor_divide", "//", "__floordiv__", "__rfloordiv__")


@op("sort", ["sort", "Tensor.sort", "argsort", "Tensor.argsort", "topk", "Tensor.topk"])
def _sort(b, shape):
    """sort, argsort and topk along a dim, its values free of ties (whose order is open).
    Indices are compared as they are; the values carry the gradient."""
    r = b.r
    n = len(shape)
    dim = r.choice([0, -1]) if n == 0 else b.dim(n)
    size = 1 if n == 0 else shape[dim]
    desc_ = r.random() < 0.5
    k = r.randint(min(1, size), size)  # (k = 0 would leave later ops an empty tensor)
    largest = r.random() < 0.6
    forms = [(f"M.sort(v, {dim}, {desc_}).values", lambda run, v: run.M.sort(v, dim, desc_).values, "sort"),
             (f"v.sort(dim={dim}, descending={desc_})[0]", lambda run, v: v.sort(dim=dim, descending=desc_)[0],
              "Tensor.sort"),
             (f"v + M.sort(v, {dim}).indices", lambda run, v: v + run.M.sort(v, dim).indices, "sort"),
             (f"v + M.argsort(v, {dim}, {desc_})", lambda run, v: v + run.M.argsort(v, dim, desc_), "argsort"),
             (f"v + v.argsort(dim={dim})", lambda run, v: v + v.argsort(dim=dim), "Tensor.argsort"),
             (f"M.topk(v, {k}, {dim}, {largest}).values", lambda run, v: run.M.topk(v, k, dim, largest).values, "topk"),
             (f"v.topk({k}, dim={dim}, largest={largest})[0]",
              lambda run, v: v.topk(k, dim=dim, largest=largest)[0], "Tensor.topk")]
    desc, f = choose(b, forms)

    def fn(run, v):
        run.tie("sort", v, dim if n else None, "all")
        return f(run, v)
    return desc, fn


@op("cumsum", ["cumsum", "Tensor.cumsum"])
def _cumsum(b, shape):
    dim = b.r.choice([0, -1]) if len(shape) == 0 else b.dim(len(shape))
    forms = [(f"M.cumsum(v, {dim})", lambda run, v: run.M.cumsum(v, dim), "cumsum"),
             (f"v.cumsum({dim})", lambda run, v: v.cumsum(dim), "Tensor.cumsum"),
             (f"v.cumsum(dim={dim})", lambda run, v: v.cumsum(dim=dim), "Tensor.cumsum")]
    return choose(b, forms)


@op("prod", ["prod", "Tensor.prod"])
def _prod(b, shape):
    """Over everything or one dim (keepdim either way); the values away from zero, which the
    engine test of gradients with zeros covers (TensorTest: ProductsAndTheirGradientWithZeros)."""
    forms = [("M.prod(v)", lambda run, v: run.M.prod(v), "prod"),
             ("v.prod()", lambda run, v: v.prod(), "Tensor.prod")]
    if shape:
        dim = b.dim(len(shape))
        keep = b.r.random() < 0.5
        forms += [(f"M.prod(v, {dim}, keepdim={keep})", lambda run, v: run.M.prod(v, dim, keepdim=keep), "prod"),
                  (f"v.prod(dim={dim})", lambda run, v: v.prod(dim=dim), "Tensor.prod")]
    desc, f = choose(b, forms)

    def fn(run, v):
        run.kink("prod", v)  # a value at zero: the product's gradient changes form there
        return f(run, v)
    return desc, fn


def _binary_tensor(name, fn_name, method_name, extra=()):
    def make(b, shape):
        o = b.tensor_operand(shape)
        forms = [(f"M.{fn_name}(v, {fmt(o)})", lambda run, v: getattr(run.M, fn_name)(v, run.get(o)), fn_name),
                 (f"v.{method_name}({fmt(o)})", lambda run, v: getattr(v, method_name)(run.get(o)),
                  f"Tensor.{method_name}")]

        desc, f = choose(b, forms)

        def fn(run, v):
            run.kink(name, v - run.get(o))
            return f(run, v)
        return desc, fn
    op(name, [fn_name, f"Tensor.{method_name}"])(make)


@op("atan2", ["atan2", "Tensor.atan2"])
def _atan2(b, shape):
    o = b.tensor_operand(shape)
    desc, f = choose(b, [(f"M.atan2(v, {fmt(o)})", lambda run, v: run.M.atan2(v, run.get(o)), "atan2"),
                         (f"v.atan2({fmt(o)})", lambda run, v: v.atan2(run.get(o)), "Tensor.atan2")])

    def fn(run, v):
        run.kink("atan2", v)  # y = 0: the branch cut (x < 0) and the origin
        return f(run, v)
    return desc, fn


_binary_tensor("maximum", "maximum", "maximum")
_binary_tensor("minimum", "minimum", "minimum")
_binary_tensor("max(other)", "max", "max")
_binary_tensor("min(other)", "min", "min")


# matmul family ----------------------------------------------------------------------------

@op("matmul", ["matmul", "Tensor.matmul", "Tensor.__matmul__"])
def _matmul(b, shape):
    r = b.r
    n = len(shape)
    if n == 0:
        return None
    k = r.randint(1, 4)
    vb = tuple(shape[:-2]) if n > 2 else ()
    batch = ()
    if r.random() < 0.3:  # batch dims of the other operand, broadcasting with v's
        if vb:
            batch = tuple(r.choice([1, s]) for s in vb[-r.randint(1, len(vb)):])
        else:
            batch = tuple(r.choice([1, 2]) for _ in range(r.randint(1, 2)))
    case = r.randrange(3)
    if n == 1:
        if case == 0:
            w = b.tensor_exact((shape[0],))
        elif case == 1:
            w = b.tensor_exact(batch + (shape[0], k))
        else:
            w = b.tensor_exact(batch + (k, shape[0]))
    else:
        if case == 0:
            w = b.tensor_exact(batch + (shape[-1], k))
        elif case == 1:
            w = b.tensor_exact(batch + (k, shape[-2]))
        else:
            w = b.tensor_exact((shape[-1],))
    left = not (case == 2 and n == 1) and not (case == 1 and n >= 2)
    if numel(np.broadcast_shapes(vb, batch)) * k * max(shape) > MAX_NUMEL:
        return None
    if left:
        forms = [(f"M.matmul(v, {fmt(w)})", lambda run, v: run.M.matmul(v, run.get(w)), "matmul"),
                 (f"v.matmul({fmt(w)})", lambda run, v: v.matmul(run.get(w)), "Tensor.matmul"),
                 (f"v @ {fmt(w)}", lambda run, v: v @ run.get(w), "Tensor.__matmul__")]
    else:
        forms = [(f"M.matmul({fmt(w)}, v)", lambda run, v: run.M.matmul(run.get(w), v), "matmul"),
                 (f"{fmt(w)} @ v", lambda run, v: run.get(w) @ v, "Tensor.__matmul__")]
    return choose(b, forms)


def _as_matrix(b, shape, dims):
    """Target shape of `dims` dims (2 or 3) with v's elements, via reshape."""
    total = numel(shape)
    divisors = [d for d in range(1, total + 1) if total % d == 0]
    if dims == 2:
        a = b.r.choice(divisors)
        return (a, total // a)
    a = b.r.choice(divisors)
    rest = total // a
    c = b.r.choice([d for d in range(1, rest + 1) if rest % d == 0])
    return (a, c, rest // c)


@op("mm", ["mm", "Tensor.mm"])
def _mm(b, shape):
    m = tuple(shape) if len(shape) == 2 else _as_matrix(b, shape, 2)
    k = b.r.randint(1, 4)
    left = b.r.random() < 0.6
    w = b.tensor_exact((m[1], k) if left else (k, m[0]))
    if left:
        forms = [(f"M.mm(v.reshape{m}, {fmt(w)})", lambda run, v: run.M.mm(v.reshape(*m), run.get(w)), "mm"),
                 (f"v.reshape{m}.mm({fmt(w)})", lambda run, v: v.reshape(*m).mm(run.get(w)), "Tensor.mm")]
    else:
        forms = [(f"M.mm({fmt(w)}, v.reshape{m})", lambda run, v: run.M.mm(run.get(w), v.reshape(*m)), "mm")]
    return choose(b, forms)


@op("bmm", ["bmm", "Tensor.bmm"])
def _bmm(b, shape):
    m = tuple(shape) if len(shape) == 3 else _as_matrix(b, shape, 3)
    k = b.r.randint(1, 3)
    w = b.tensor_exact((m[0], m[2], k))
    forms = [(f"M.bmm(v.reshape{m}, {fmt(w)})", lambda run, v: run.M.bmm(v.reshape(*m), run.get(w)), "bmm"),
             (f"v.reshape{m}.bmm({fmt(w)})", lambda run, v: v.reshape(*m).bmm(run.get(w)), "Tensor.bmm")]
    return choose(b, forms)


# clamp, where, masks, comparisons -----------------------------------------------------------

@op("clamp", ["clamp", "Tensor.clamp", "clip", "Tensor.clip"])
def _clamp(b, shape):
    r = b.r
    lo = round(r.uniform(-1.5, 0.5), 3)
    hi = round(lo + r.uniform(0.2, 2.0), 3)
    which = r.randrange(3)
    kw = {0: {"min": lo}, 1: {"max": hi}, 2: {"min": lo, "max": hi}}[which]
    text = ", ".join(f"{k}={v}" for k, v in kw.items())
    forms = [(f"M.clamp(v, {text})", lambda run, v: run.M.clamp(v, **kw), "clamp"),
             (f"v.clamp({text})", lambda run, v: v.clamp(**kw), "Tensor.clamp"),
             (f"M.clip(v, {text})", lambda run, v: run.M.clip(v, **kw), "clip"),
             (f"v.clip({text})", lambda run, v: v.clip(**kw), "Tensor.clip")]
    if which == 2:
        forms.append((f"v.clamp({lo}, {hi})", lambda run, v: v.clamp(lo, hi), "Tensor.clamp"))
    desc, f = choose(b, forms)

    def fn(run, v):
        for bound in kw.values():
            run.kink("clamp", v - bound)
        return f(run, v)
    return desc, fn


_COMPARE = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _compare_forms(name, o):
    sym = _COMPARE[name]
    ops = {"lt": lambda a, c: a < c, "le": lambda a, c: a <= c, "gt": lambda a, c: a > c,
           "ge": lambda a, c: a >= c}[name]
    return [(f"M.{name}(v, {fmt(o)})", lambda run, v: getattr(run.M, name)(v, run.get(o)), name),
            (f"v.{name}({fmt(o)})", lambda run, v: getattr(v, name)(run.get(o)), f"Tensor.{name}"),
            (f"v {sym} {fmt(o)}", lambda run, v: ops(v, run.get(o)), f"Tensor.__{name}__")]


def _use_mask(b, shape, mask_shape):
    """How a bool mask (of mask_shape, broadcasting with v) turns back into a float value."""
    r = b.r
    full = np.broadcast_shapes(tuple(shape), tuple(mask_shape))
    grows = full != tuple(shape)
    x = r.randrange(4 if not grows else 3)
    if x == 0:
        o = b.operand(full, scalar_p=0.4)
        b.use("where")
        if o[0] == "scalar":
            return f"M.where(mask, v, {fmt(o)})", lambda run, v, m: run.M.where(m, v, o[1])
        if r.random() < 0.5:
            return f"M.where(mask, v, {fmt(o)})", lambda run, v, m: run.M.where(m, v, run.get(o))
        return f"M.where(mask, {fmt(o)}, v)", lambda run, v, m: run.M.where(m, run.get(o), v)
    if x == 1:
        b.use("Tensor.double")
        return "v * mask.double()", lambda run, v, m: v * m.double()
    if x == 2:
        b.use("Tensor.to")
        return "v * mask.to(M.float64)", lambda run, v, m: v * m.to(run.M.float64)
    s = b.scalar()[1]
    b.use("Tensor.masked_fill")
    return f"v.masked_fill(mask, {s})", lambda run, v, m: v.masked_fill(m, s)


def _comparison(name):
    def make(b, shape):
        o = b.operand(shape, scalar_p=0.4)
        desc, cmp = choose(b, _compare_forms(name, o))
        mask_shape = np.broadcast_shapes(tuple(shape), b.program.leaf_data[o[1]].shape if o[0] == "leaf" else
                                         (b.program.const_data[o[1]].shape if o[0] == "const" else ()))
        use_desc, use = _use_mask(b, shape, mask_shape)

        def fn(run, v):
            run.kink(name, v - run.get(o))
            m = run.record(name, cmp(run, v))
            return use(run, v, m)
        return f"mask = {desc}; {use_desc}", fn
    op(name, [name, f"Tensor.{name}", f"Tensor.__{name}__"])(make)


for _name in _COMPARE:
    _comparison(_name)


def _equality(name):
    def make(b, shape):
        r = b.r
        x = r.randrange(3) if len(shape) else r.randrange(1, 3)
        if x == 0:  # against the max along a dim: marks the argmax positions
            d = b.dim(len(shape))
            b.use("amax")
            other = lambda run, v: v.amax(d, keepdim=True)  # noqa: E731
            od = f"v.amax({d}, keepdim=True)"
            check = lambda run, v: run.tie(name, v, d, "max")  # noqa: E731
        elif x == 1:  # integer tensors
            a = b.int_const(3, shape)
            c = b.int_const(3, b.partner_shape(shape, grow=False))
            forms = [(f"M.{name}({fmt(a)}, {fmt(c)})", lambda run, v: getattr(run.M, name)(run.get(a), run.get(c)),
                      name),
                     (f"{fmt(a)}.{name}({fmt(c)})", lambda run, v: getattr(run.get(a), name)(run.get(c)),
                      f"Tensor.{name}"),
                     (f"{fmt(a)} {'==' if name == 'eq' else '!='} {fmt(c)}",
                      lambda run, v: (run.get(a) == run.get(c)) if name == "eq" else (run.get(a) != run.get(c)),
                      f"Tensor.__{name}__")]
            desc, cmp = choose(b, forms)
            use_desc, use = _use_mask(b, shape, shape)

            def fn(run, v):
                m = run.record(name, cmp(run, v))
                return use(run, v, m)
            return f"mask = {desc}; {use_desc}", fn
        else:  # against itself (all True / all False)
            other = lambda run, v: v.detach()  # noqa: E731
            od = "v.detach()"
            check = lambda run, v: None  # noqa: E731
            b.use("Tensor.detach")
        sym = "==" if name == "eq" else "!="
        forms = [(f"M.{name}(v, {od})", lambda run, v: getattr(run.M, name)(v, other(run, v)), name),
                 (f"v.{name}({od})", lambda run, v: getattr(v, name)(other(run, v)), f"Tensor.{name}"),
                 (f"v {sym} {od}", lambda run, v: (v == other(run, v)) if name == "eq" else (v != other(run, v)),
                  f"Tensor.__{name}__")]
        desc, cmp = choose(b, forms)
        use_desc, use = _use_mask(b, shape, shape)

        def fn(run, v):
            check(run, v)
            m = run.record(name, cmp(run, v))
            return use(run, v, m)
        return f"mask = {desc}; {use_desc}", fn
    op(name, [name, f"Tensor.{name}", f"Tensor.__{name}__"])(make)


_equality("eq")
_equality("ne")


@op("where", ["where"])
def _where(b, shape):
    r = b.r
    mshape = b.partner_shape(shape)
    mask = b.bool_const(mshape)
    x = r.randrange(3)
    o = b.tensor_operand(np.broadcast_shapes(tuple(shape), mshape))
    if x == 0:
        return (f"M.where({fmt(mask)}, v, {fmt(o)})",
                lambda run, v: run.M.where(run.get(mask), v, run.get(o)))
    if x == 1:
        return (f"M.where({fmt(mask)}, {fmt(o)}, v)",
                lambda run, v: run.M.where(run.get(mask), run.get(o), v))
    s = b.scalar()[1]
    return f"M.where({fmt(mask)}, v, {s})", lambda run, v: run.M.where(run.get(mask), v, s)


@op("masked_fill", ["masked_fill", "Tensor.masked_fill"])
def _masked_fill(b, shape):
    r = b.r
    s = b.scalar()[1]
    if r.random() < 0.6 or not shape:
        mask = b.bool_const(b.partner_shape(shape, grow=False))
        forms = [(f"M.masked_fill(v, {fmt(mask)}, {s})",
                  lambda run, v: run.M.masked_fill(v, run.get(mask), s), "masked_fill"),
                 (f"v.masked_fill({fmt(mask)}, {s})", lambda run, v: v.masked_fill(run.get(mask), s),
                  "Tensor.masked_fill")]
        return choose(b, forms)
    t = b.scalar()[1]

    def fn(run, v):
        run.kink("masked_fill mask", v - t)
        return v.masked_fill(v > t, s)
    b.use("Tensor.masked_fill", "Tensor.__gt__")
    return f"v.masked_fill(v > {t}, {s})", fn


# reductions -------------------------------------------------------------------------------

def _simple_reduction(name):
    def make(b, shape):
        r = b.r
        dims = b.reduce_dims(shape)
        keep = r.random() < 0.4
        if dims is None:
            forms = [(f"M.{name}(v)", lambda run, v: getattr(run.M, name)(v), name),
                     (f"v.{name}()", lambda run, v: getattr(v, name)(), f"Tensor.{name}")]
        else:
            forms = [(f"M.{name}(v, {dims!r}, keepdim={keep})",
                      lambda run, v: getattr(run.M, name)(v, dims, keepdim=keep), name),
                     (f"v.{name}(dim={dims!r}, keepdim={keep})",
                      lambda run, v: getattr(v, name)(dim=dims, keepdim=keep), f"Tensor.{name}"),
                     (f"v.{name}({dims!r})", lambda run, v: getattr(v, name)(dims), f"Tensor.{name}")]
        desc, f = choose(b, forms)
        if name in ("amax", "amin"):
            which = "max" if name == "amax" else "min"

            def fn(run, v):
                run.tie(name, v, dims, which)
                return f(run, v)
            return desc, fn
        return desc, f
    op(name, [name, f"Tensor.{name}"])(make)


for _name in ("sum", "mean", "amax", "amin"):
    _simple_reduction(_name)


def _variance(name):
    def make(b, shape):
        r = b.r
        for _ in range(5):
            dims = b.reduce_dims(shape)
            if reduced_count(shape, dims) >= 3:
                break
        else:
            return None
        keep = r.random() < 0.4
        count = reduced_count(shape, dims)
        corr = r.choice([0, 1, 2]) if count >= 3 else r.choice([0, 1])
        unb = r.random() < 0.5
        if dims is None:
            forms = [(f"M.{name}(v)", lambda run, v: getattr(run.M, name)(v), name),
                     (f"v.{name}(unbiased={unb})", lambda run, v: getattr(v, name)(unbiased=unb), f"Tensor.{name}")]
        else:
            forms = [(f"M.{name}(v, {dims!r}, {unb}, {keep})",
                      lambda run, v: getattr(run.M, name)(v, dims, unb, keep), name),
                     (f"v.{name}({dims!r}, unbiased={unb}, keepdim={keep})",
                      lambda run, v: getattr(v, name)(dims, unbiased=unb, keepdim=keep), f"Tensor.{name}"),
                     (f"v.{name}(dim={dims!r}, correction={corr}, keepdim={keep})",
                      lambda run, v: getattr(v, name)(dim=dims, correction=corr, keepdim=keep), f"Tensor.{name}")]
        desc, f = choose(b, forms)
        if name == "var":
            return desc, f

        def fn(run, v):  # sqrt's kink at zero variance: ill-conditioned next to it
            out = f(run, v)
            run.kink("std at 0", out)
            return out
        return desc, fn
    op(name, [name, f"Tensor.{name}"], weight=2.0 if name == "std" else 1.5)(make)


_variance("var")
_variance("std")


def _max_reduction(name):
    which = "max" if name == "max" else "min"

    def make(b, shape):
        r = b.r
        if not shape or r.random() < 0.3:
            forms = [(f"M.{name}(v)", lambda run, v: getattr(run.M, name)(v), name),
                     (f"v.{name}()", lambda run, v: getattr(v, name)(), f"Tensor.{name}")]
            desc, f = choose(b, forms)

            def fn(run, v):
                run.tie(name, v, None, which)
                return f(run, v)
            return desc, fn
        d = b.dim(len(shape))
        keep = r.random() < 0.4
        pick = r.randrange(3)
        forms = [(f"M.{name}(v, {d}, keepdim={keep})", lambda run, v: getattr(run.M, name)(v, d, keepdim=keep), name),
                 (f"v.{name}({d}, {keep})", lambda run, v: getattr(v, name)(d, keep), f"Tensor.{name}"),
                 (f"v.{name}(dim={d})", lambda run, v: getattr(v, name)(dim=d), f"Tensor.{name}")]
        desc, f = choose(b, forms)

        def fn(run, v):
            run.tie(name, v, d, which)
            result = f(run, v)
            run.record(name + ".indices", result.indices)
            run.record(name + "[1]", result[1])
            return (result.values, result[0], result.values)[pick]
        return desc + (".values", "[0]", " -> values, indices")[pick], fn
    op(name + "(dim)", [name, f"Tensor.{name}"])(make)


_max_reduction("max")
_max_reduction("min")


def _arg_reduction(name):
    which = "max" if name == "argmax" else "min"

    def make(b, shape):
        r = b.r
        if not shape or r.random() < 0.3:
            forms = [(f"i = M.{name}(v); v.reshape(-1)[i]", lambda run, v: getattr(run.M, name)(v), name),
                     (f"i = v.{name}(); v.reshape(-1)[i]", lambda run, v: getattr(v, name)(), f"Tensor.{name}")]
            desc, f = choose(b, forms)
            b.use("Tensor.__getitem__")

            def fn(run, v):
                run.tie(name, v, None, which)
                i = run.record(name, f(run, v))
                return v.reshape(-1)[i]
            return desc, fn
        d = b.dim(len(shape))
        keep = r.random() < 0.5
        forms = [(f"i = M.{name}(v, {d}, keepdim={keep})",
                  lambda run, v: getattr(run.M, name)(v, d, keepdim=keep), name),
                 (f"i = v.{name}(dim={d}, keepdim={keep})",
                  lambda run, v: getattr(v, name)(dim=d, keepdim=keep), f"Tensor.{name}")]
        desc, f = choose(b, forms)
        b.use("Tensor.gather")

        def fn(run, v):
            run.tie(name, v, d, which)
            i = run.record(name, f(run, v))
            return v.gather(d, i if keep else i.unsqueeze(d))
        return desc + f"; v.gather({d}, i)", fn
    op(name, [name, f"Tensor.{name}"])(make)


_arg_reduction("argmax")
_arg_reduction("argmin")


@op("logsumexp", ["logsumexp", "Tensor.logsumexp"])
def _logsumexp(b, shape):
    r = b.r
    if not shape:
        return None
    dims = b.reduce_dims(shape, allow_none=False)
    keep = r.random() < 0.4
    forms = [(f"M.logsumexp(v, {dims!r}, keepdim={keep})",
              lambda run, v: run.M.logsumexp(v, dims, keepdim=keep), "logsumexp"),
             (f"v.logsumexp({dims!r})", lambda run, v: v.logsumexp(dims), "Tensor.logsumexp"),
             (f"v.logsumexp(dim={dims!r}, keepdim={keep})", lambda run, v: v.logsumexp(dim=dims, keepdim=keep),
              "Tensor.logsumexp")]
    return choose(b, forms)


def _softmax(name):
    def make(b, shape):
        if not shape:
            return None
        d = b.dim(len(shape))
        forms = [(f"M.{name}(v, {d})", lambda run, v: getattr(run.M, name)(v, d), name),
                 (f"v.{name}({d})", lambda run, v: getattr(v, name)(d), f"Tensor.{name}"),
                 (f"v.{name}(dim={d})", lambda run, v: getattr(v, name)(dim=d), f"Tensor.{name}")]
        return choose(b, forms)
    op(name, [name, f"Tensor.{name}"])(make)


_softmax("softmax")
_softmax("log_softmax")


# joining and splitting ------------------------------------------------------------------

@op("cat", ["cat"])
def _cat(b, shape):
    r = b.r
    if not shape:
        return None
    d = b.dim(len(shape))
    k = r.randint(1, 3)
    oshape = list(shape)
    oshape[d] = k
    if numel(shape) + numel(oshape) > MAX_NUMEL:
        return None
    o = b.tensor_exact(tuple(oshape))
    x = r.randrange(4)
    if x == 0:
        return f"M.cat([v, {fmt(o)}], {d})", lambda run, v: run.M.cat([v, run.get(o)], d)
    if x == 1:
        return f"M.cat(({fmt(o)}, v), dim={d})", lambda run, v: run.M.cat((run.get(o), v), dim=d)
    if x == 2:
        return f"M.cat([v, v * 2.0], {d})", lambda run, v: run.M.cat([v, v * 2.0], d)
    return f"M.cat([v], {d})", lambda run, v: run.M.cat([v], d)


@op("stack", ["stack"])
def _stack(b, shape):
    r = b.r
    if 2 * numel(shape) > MAX_NUMEL or len(shape) >= 4:
        return None
    d = r.randint(-len(shape) - 1, len(shape))
    o = b.tensor_exact(tuple(shape))
    if r.random() < 0.5:
        return f"M.stack([v, {fmt(o)}], {d})", lambda run, v: run.M.stack([v, run.get(o)], d)
    return f"M.stack((v.sin(), v), dim={d})", lambda run, v: run.M.stack((v.sin(), v), dim=d)


def _pieces(name):
    def make(b, shape):
        r = b.r
        if not shape:
            return None
        d = b.dim(len(shape))
        size = shape[d]
        k = r.randint(1, max(1, size))
        forms = [(f"M.{name}(v, {k}, {d})", lambda run, v: getattr(run.M, name)(v, k, d), name),
                 (f"v.{name}({k}, dim={d})", lambda run, v: getattr(v, name)(k, dim=d), f"Tensor.{name}")]
        desc, f = choose(b, forms)
        if size == 1 or r.random() < 0.5:
            b.use("cat")

            def fn(run, v):
                pieces = f(run, v)
                for p in pieces:
                    run.record(name + " piece", p)
                return run.M.cat(list(pieces)[::-1], d)
            return desc + f" -> M.cat(reversed pieces, {d})", fn
        count = len(range(0, size, k)) if name == "split" else len(range(0, size, -(-size // k)))
        j = r.randrange(count)

        def pick(run, v):
            return f(run, v)[j]
        return desc + f"[{j}]", pick
    op(name, [name, f"Tensor.{name}"])(make)


_pieces("split")
_pieces("chunk")


# indexing ops -------------------------------------------------------------------------------

@op("index_select", ["index_select", "Tensor.index_select"])
def _index_select(b, shape):
    if not shape:
        return None
    d = b.dim(len(shape))
    n = b.r.randint(1, 5)
    if numel(shape) // shape[d] * n > MAX_NUMEL:
        return None
    idx = b.int_const(shape[d], (n,))
    forms = [(f"M.index_select(v, {d}, {fmt(idx)})", lambda run, v: run.M.index_select(v, d, run.get(idx)),
              "index_select"),
             (f"v.index_select({d}, {fmt(idx)})", lambda run, v: v.index_select(d, run.get(idx)),
              "Tensor.index_select")]
    return choose(b, forms)


def _index_shape(b, shape, d):
    r = b.r
    out = [r.randint(1, s) for s in shape]
    out[d] = r.randint(1, 4)
    return tuple(out)


@op("gather", ["gather", "Tensor.gather"], weight=1.5)
def _gather(b, shape):
    if not shape:
        return None
    d = b.dim(len(shape))
    ishape = _index_shape(b, shape, d)
    idx = b.int_const(shape[d], ishape)
    forms = [(f"M.gather(v, {d}, {fmt(idx)})", lambda run, v: run.M.gather(v, d, run.get(idx)), "gather"),
             (f"v.gather({d}, {fmt(idx)})", lambda run, v: v.gather(d, run.get(idx)), "Tensor.gather")]
    return choose(b, forms)


@op("scatter_add", ["scatter_add", "Tensor.scatter_add"])
def _scatter_add(b, shape):
    if not shape:
        return None
    d = b.dim(len(shape))
    ishape = _index_shape(b, shape, d)
    idx = b.int_const(shape[d], ishape)
    src = b.tensor_exact(ishape)
    forms = [(f"M.scatter_add(v, {d}, {fmt(idx)}, {fmt(src)})",
              lambda run, v: run.M.scatter_add(v, d, run.get(idx), run.get(src)), "scatter_add"),
             (f"v.scatter_add({d}, {fmt(idx)}, {fmt(src)})",
              lambda run, v: v.scatter_add(d, run.get(idx), run.get(src)), "Tensor.scatter_add")]
    return choose(b, forms)


@op("index_add", ["index_add", "Tensor.index_add"])
def _index_add(b, shape):
    if not shape:
        return None
    d = b.dim(len(shape))
    n = b.r.randint(1, 4)
    idx = b.int_const(shape[d], (n,))
    sshape = list(shape)
    sshape[d] = n
    src = b.tensor_exact(tuple(sshape))
    forms = [(f"M.index_add(v, {d}, {fmt(idx)}, {fmt(src)})",
              lambda run, v: run.M.index_add(v, d, run.get(idx), run.get(src)), "index_add"),
             (f"v.index_add({d}, {fmt(idx)}, {fmt(src)})",
              lambda run, v: v.index_add(d, run.get(idx), run.get(src)), "Tensor.index_add")]
    return choose(b, forms)


# shapes -------------------------------------------------------------------------------------

def _factor(b, total, max_dims=4):
    """A random shape with `total` elements (sizes 1 allowed), maybe with one -1."""
    r = b.r
    dims = []
    rest = total
    for _ in range(r.randint(0, max_dims - 1)):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        d = r.choice(divisors)
        dims.append(d)
        rest //= d
    dims.append(rest)
    r.shuffle(dims)
    if r.random() < 0.3:
        dims[r.randrange(len(dims))] = -1
    return tuple(dims)


@op("reshape", ["reshape", "Tensor.reshape", "Tensor.reshape_as"])
def _reshape(b, shape):
    target = _factor(b, numel(shape))
    concrete = tuple(numel(shape) // -numel(target) if s == -1 else s for s in target) if -1 in target else target
    forms = [(f"M.reshape(v, {target})", lambda run, v: run.M.reshape(v, target), "reshape"),
             (f"v.reshape(*{target})", lambda run, v: v.reshape(*target), "Tensor.reshape"),
             (f"v.reshape({target})", lambda run, v: v.reshape(target), "Tensor.reshape"),
             ("v.reshape(-1)", lambda run, v: v.reshape(-1), "Tensor.reshape")]
    if b.r.random() < 0.2:
        o = b.float_const(concrete)
        forms = [(f"v.reshape_as({fmt(o)})", lambda run, v: v.reshape_as(run.get(o)), "Tensor.reshape_as")]
    return choose(b, forms)


@op("view", ["Tensor.view", "Tensor.view_as"])
def _view(b, shape):
    target = _factor(b, numel(shape))
    concrete = tuple(numel(shape) // -numel(target) if s == -1 else s for s in target) if -1 in target else target
    prefix = (lambda v: v) if b.v.is_contiguous() else (lambda v: v.contiguous())
    pd = "v" if b.v.is_contiguous() else "v.contiguous()"
    if not b.v.is_contiguous():
        b.use("Tensor.contiguous")
    o = b.float_const(concrete) if b.r.random() < 0.35 else None
    forms = [(f"{pd}.view(*{target})", lambda run, v: prefix(v).view(*target), "Tensor.view"),
             (f"{pd}.view({target})", lambda run, v: prefix(v).view(target), "Tensor.view")]
    if o is not None:
        forms = [(f"{pd}.view_as({fmt(o)})", lambda run, v: prefix(v).view_as(run.get(o)), "Tensor.view_as")]
    return choose(b, forms)


@op("flatten", ["flatten", "Tensor.flatten"])
def _flatten(b, shape):
    r = b.r
    n = max(len(shape), 1)
    s = b.dim(n)
    e = r.randint(s % n, n - 1)
    e = e - n if r.random() < 0.3 else e
    forms = [(f"M.flatten(v, {s}, {e})", lambda run, v: run.M.flatten(v, s, e), "flatten"),
             (f"M.flatten(v, start_dim={s})", lambda run, v: run.M.flatten(v, start_dim=s), "flatten"),
             (f"v.flatten({s}, {e})", lambda run, v: v.flatten(s, e), "Tensor.flatten"),
             ("v.flatten()", lambda run, v: v.flatten(), "Tensor.flatten")]
    return choose(b, forms)


@op("squeeze", ["squeeze", "Tensor.squeeze"])
def _squeeze(b, shape):
    r = b.r
    ones = [i for i, s in enumerate(shape) if s == 1]
    if shape and (ones and r.random() < 0.7 or r.random() < 0.3):
        d = r.choice(ones) if ones and r.random() < 0.8 else b.dim(len(shape))
        forms = [(f"M.squeeze(v, {d})", lambda run, v: run.M.squeeze(v, d), "squeeze"),
                 (f"v.squeeze({d})", lambda run, v: v.squeeze(d), "Tensor.squeeze"),
                 (f"v.squeeze(dim={d})", lambda run, v: v.squeeze(dim=d), "Tensor.squeeze")]
    else:
        forms = [("M.squeeze(v)", lambda run, v: run.M.squeeze(v), "squeeze"),
                 ("v.squeeze()", lambda run, v: v.squeeze(), "Tensor.squeeze")]
    return choose(b, forms)


@op("unsqueeze", ["unsqueeze", "Tensor.unsqueeze"])
def _unsqueeze(b, shape):
    if len(shape) >= 5:
        return None
    d = b.r.randint(-len(shape) - 1, len(shape))
    forms = [(f"M.unsqueeze(v, {d})", lambda run, v: run.M.unsqueeze(v, d), "unsqueeze"),
             (f"v.unsqueeze({d})", lambda run, v: v.unsqueeze(d), "Tensor.unsqueeze")]
    return choose(b, forms)


@op("transpose", ["transpose", "Tensor.transpose"])
def _transpose(b, shape):
    if not shape:
        return None
    a, c = b.dim(len(shape)), b.dim(len(shape))
    forms = [(f"M.transpose(v, {a}, {c})", lambda run, v: run.M.transpose(v, a, c), "transpose"),
             (f"v.transpose({a}, {c})", lambda run, v: v.transpose(a, c), "Tensor.transpose")]
    return choose(b, forms)


@op("permute", ["permute", "Tensor.permute"])
def _permute(b, shape):
    if not shape:
        return None
    n = len(shape)
    dims = list(range(n))
    b.r.shuffle(dims)
    dims = [d - n if b.r.random() < 0.25 else d for d in dims]
    forms = [(f"M.permute(v, {dims})", lambda run, v: run.M.permute(v, dims), "permute"),
             (f"v.permute(*{dims})", lambda run, v: v.permute(*dims), "Tensor.permute"),
             (f"v.permute({tuple(dims)})", lambda run, v: v.permute(tuple(dims)), "Tensor.permute")]
    return choose(b, forms)


@op("t", ["t", "Tensor.t", "Tensor.T"])
def _t(b, shape):
    forms = [("v.T", lambda run, v: v.T, "Tensor.T")]
    if len(shape) <= 2:
        forms += [("M.t(v)", lambda run, v: run.M.t(v), "t"), ("v.t()", lambda run, v: v.t(), "Tensor.t")]
    return choose(b, forms)


@op("expand", ["Tensor.expand", "Tensor.expand_as"])
def _expand(b, shape):
    r = b.r
    sizes = [(r.randint(1, 3) if r.random() < 0.6 else -1) if s == 1 else (-1 if r.random() < 0.5 else s)
             for s in shape]
    lead = [r.randint(1, 3) for _ in range(r.randint(0 if shape else 1, 1 if len(shape) >= 3 else 2))]
    sizes = lead + sizes
    concrete = tuple(lead) + tuple(s if z == -1 else z for s, z in zip(shape, sizes[len(lead):]))
    if numel(concrete) > MAX_NUMEL:
        return None
    forms = [(f"v.expand(*{sizes})", lambda run, v: v.expand(*sizes), "Tensor.expand"),
             (f"v.expand({tuple(sizes)})", lambda run, v: v.expand(tuple(sizes)), "Tensor.expand")]
    if r.random() < 0.4:
        o = b.float_const(concrete)
        forms = [(f"v.expand_as({fmt(o)})", lambda run, v: v.expand_as(run.get(o)), "Tensor.expand_as")]
    desc, f = choose(b, forms)
    if r.random() < 0.5:  # an elementwise op on the expanded view before anything reduces it
        return desc + " * 1.5", lambda run, v: f(run, v) * 1.5
    return desc, f


@op("narrow", ["Tensor.narrow"])
def _narrow(b, shape):
    r = b.r
    if not shape:
        return None
    d = b.dim(len(shape))
    length = r.randint(1, shape[d])
    start = r.randint(0, shape[d] - length)
    return f"v.narrow({d}, {start}, {length})", lambda run, v: v.narrow(d, start, length)


@op("select", ["Tensor.select"])
def _select(b, shape):
    r = b.r
    if not shape:
        return None
    d = b.dim(len(shape))
    i = r.randrange(shape[d])
    i = i - shape[d] if r.random() < 0.3 else i
    return f"v.select({d}, {i})", lambda run, v: v.select(d, i)


def _basic_key(b, shape, allow_tensor=True):
    """A PyTorch index: ints, slices, None, one Ellipsis, up to three int tensors or lists
    (all of k entries, so they pair up: shapes (k,) and (1, k) broadcast)."""
    r = b.r
    n = len(shape)
    items = []
    consumed = 0
    tensors_left = 3 if allow_tensor else 0
    k = r.randint(1, 3)
    ellipsis = False
    while consumed < n and r.random() < 0.8:
        x = r.random()
        s = shape[consumed]
        if x < 0.1:
            items.append(None)
            continue
        if x < 0.18 and not ellipsis and consumed < n:
            items.append(Ellipsis)
            ellipsis = True
            break
        if x < 0.4:
            i = r.randrange(s)
            items.append(i - s if r.random() < 0.3 else i)
        elif x < 0.75 or tensors_left == 0:
            start = r.choice([None, 0, r.randrange(s)])
            first = start or 0
            stop = r.choice([None, s, r.randint(first + 1, s), -1 if s - 1 > first else None])
            step = r.choice([None, 1, 2])
            items.append(slice(start, stop, step))
        else:
            tensors_left -= 1
            values = [int(x) for x in b.np.integers(0, s, size=k)]
            if r.random() < 0.5:
                items.append(("list", values))
            else:
                items.append(b.int_const(s, (k,) if r.random() < 0.7 else (1, k)))
        consumed += 1
    if ellipsis:
        rest = n - consumed
        tail = []
        for j in range(r.randint(0, rest)):
            s = shape[n - 1 - j]
            tail.insert(0, r.randrange(s) if r.random() < 0.5 else slice(None, None, r.choice([1, 2])))
        items += tail
    if r.random() < 0.1:
        items.append(None)
    return items


def _key_of(run, items):
    out = []
    for it in items:
        if isinstance(it, tuple) and it[0] == "list":
            out.append(list(it[1]))
        elif isinstance(it, tuple):
            out.append(run.get(it))
        else:
            out.append(it)
    return tuple(out)


def _key_text(items):
    parts = []
    for it in items:
        if it is Ellipsis:
            parts.append("...")
        elif it is None:
            parts.append("None")
        elif isinstance(it, slice):
            parts.append(":".join("" if x is None else str(x) for x in (it.start, it.stop))
                         + ("" if it.step is None else f":{it.step}"))
        elif isinstance(it, tuple) and it[0] == "list":
            parts.append(str(it[1]))
        elif isinstance(it, tuple):
            parts.append(fmt(it))
        else:
            parts.append(str(it))
    return ", ".join(parts)


@op("getitem", ["Tensor.__getitem__"])
def _getitem(b, shape):
    items = _basic_key(b, shape)
    single = len(items) == 1 and b.r.random() < 0.7

    def fn(run, v):
        key = _key_of(run, items)
        return v[key[0]] if single else v[key]
    return f"v[{_key_text(items)}]", fn


@op("setitem", ["Tensor.__setitem__"], weight=1.5)
def _setitem(b, shape):
    """m[key] = value on a tensor without grad (ones or a detached copy of v), then v * m."""
    items = _basic_key(b, shape, allow_tensor=False) if shape else [Ellipsis]
    key = tuple(items)
    vshape = tuple(b.v[key].shape)
    value = b.scalar() if b.r.random() < 0.4 else b.float_const(b.partner_shape(vshape, grow=False))
    ones = b.r.random() < 0.5
    if ones:
        b.use("ones_like")
    else:
        b.use("Tensor.detach", "clone")

    def fn(run, v):
        m = run.M.ones_like(v) if ones else v.detach().clone()
        m[key] = run.get(value)
        return v * run.record("setitem buffer", m)
    return (f"m = {'M.ones_like(v)' if ones else 'v.detach().clone()'}; m[{_key_text(items)}] = {fmt(value)}; "
            "v * m"), fn


# copies, detach, casts ----------------------------------------------------------------------

@op("clone", ["clone", "Tensor.clone"])
def _clone(b, shape):
    return choose(b, [("M.clone(v)", lambda run, v: run.M.clone(v), "clone"),
                      ("v.clone()", lambda run, v: v.clone(), "Tensor.clone")])


@op("contiguous", ["Tensor.contiguous", "Tensor.cpu"])
def _contiguous(b, shape):
    forms = [("v.contiguous()", lambda run, v: v.contiguous(), "Tensor.contiguous"),
             ("v.cpu()", lambda run, v: v.cpu(), "Tensor.cpu")]
    if len(shape) >= 2:
        forms.append(("v.transpose(0, 1).contiguous().transpose(0, 1)",
                      lambda run, v: v.transpose(0, 1).contiguous().transpose(0, 1), "Tensor.contiguous"))
    return choose(b, forms)


@op("detach", ["detach", "Tensor.detach", "Tensor.data"])
def _detach(b, shape):
    forms = [("M.detach(v)", lambda run, v: run.M.detach(v), "detach"),
             ("v.detach()", lambda run, v: v.detach(), "Tensor.detach"),
             ("v * v.detach()", lambda run, v: v * v.detach(), "Tensor.detach"),
             ("v.sin() + M.detach(v).cos()", lambda run, v: v.sin() + run.M.detach(v).cos(), "detach"),
             ("v * v.data", lambda run, v: v * v.data, "Tensor.data")]
    return choose(b, forms)


@op("to", ["Tensor.to", "Tensor.double", "Tensor.float", "Tensor.type_as"])
def _to(b, shape):
    o = b.float_const(())
    forms = [("v.to(M.float64)", lambda run, v: v.to(run.M.float64), "Tensor.to"),
             ("v.to(dtype=M.float64)", lambda run, v: v.to(dtype=run.M.float64), "Tensor.to"),
             ("v.double()", lambda run, v: v.double(), "Tensor.double"),
             ("v.float().double()", lambda run, v: v.float().double(), "Tensor.float"),
             ("v.to(M.float32).to(M.float64) * 1.25", lambda run, v: v.to(run.M.float32).to(run.M.float64) * 1.25,
              "Tensor.to"),
             (f"v.float().type_as({fmt(o)})", lambda run, v: v.float().type_as(run.get(o)), "Tensor.type_as"),
             (f"v.to({fmt(o)})", lambda run, v: v.to(run.get(o)), "Tensor.to"),
             ("v.to('cpu')", lambda run, v: v.to("cpu"), "Tensor.to")]
    return choose(b, forms)


@op("long", ["Tensor.long"])
def _long(b, shape):
    s = b.r.choice([2.0, 3.0, 1.0])

    def fn(run, v):
        x = v * s
        run.kink("long", x, lambda a: a - np.round(a))
        i = run.record("long", x.long())
        return v + i.double()
    return f"v + (v * {s}).long().double()", fn


@op("bool", ["Tensor.bool"])
def _bool(b, shape):
    if b.r.random() < 0.5:
        m = b.int_const(2, b.partner_shape(shape, grow=False))
        s = b.scalar()[1]

        def fn(run, v):
            mask = run.record("bool", run.get(m).bool())
            return run.M.where(mask, v, s)
        b.use("where")
        return f"M.where({fmt(m)}.bool(), v, {s})", fn

    def fn2(run, v):
        run.kink("bool", v)
        mask = run.record("bool", v.bool())
        return v.masked_fill(mask, 0.5) + v
    b.use("Tensor.masked_fill")
    return "v.masked_fill(v.bool(), 0.5) + v", fn2


# in-place --------------------------------------------------------------------------------

def _inplace_target(b, shape, view_only=False):
    """(description, function of the written tensor, written shape, is a view). Views are only
    ever taken of tensors without grad: Tapedeck does not support in-place ops on views of
    tensors that require grad yet (see EXCLUDED in test_differential.py)."""
    r = b.r
    if not shape:
        if view_only:
            return "m[...]", (lambda w: w[...]), (), True
        return "w", (lambda w: w), (), False
    x = r.randrange(1 if view_only else 0, 4)
    if x == 0:
        return "w", (lambda w: w), tuple(shape), False
    d = b.dim(len(shape))
    if x == 1:
        length = r.randint(1, shape[d])
        start = r.randint(0, shape[d] - length)
        vshape = list(shape)
        vshape[d] = length
        return f"m.narrow({d}, {start}, {length})", (lambda w: w.narrow(d, start, length)), tuple(vshape), True
    if x == 2:
        i = r.randrange(shape[d])
        vshape = list(shape)
        del vshape[d % len(shape)]
        return f"m.select({d}, {i})", (lambda w: w.select(d, i)), tuple(vshape), True
    items = _basic_key(b, shape, allow_tensor=False)
    key = tuple(items)
    vshape = tuple(b.v[key].shape)
    return f"m[{_key_text(items)}]", (lambda w: w[key]), vshape, True


def _inplace(name, covers):
    """In-place op on w = v.clone() (gradient flows through it), or on a view of
    m = v.detach().clone() (no grad) followed by v * m."""
    def make(b, shape):
        r = b.r
        tdesc, target, vshape, is_view = _inplace_target(b, shape)
        if is_view:
            operand = lambda vs: b.float_const(b.partner_shape(vs, grow=False))  # noqa: E731
        else:
            operand = lambda vs: b.tensor_exact(b.partner_shape(vs, grow=False))  # noqa: E731
        kink = None
        if name in ("add_", "sub_", "mul_", "iadd", "isub", "imul"):
            o = b.scalar() if r.random() < 0.3 else operand(vshape)
            alpha = r.choice([None, 2.0, -0.5]) if name in ("add_", "sub_") and o[0] != "scalar" else None
            if name in ("add_", "sub_"):
                meth = name
                if alpha is None:
                    desc = f"{tdesc}.{meth}({fmt(o)})"
                    apply = lambda run, t: getattr(t, meth)(run.get(o))  # noqa: E731
                else:
                    desc = f"{tdesc}.{meth}({fmt(o)}, alpha={alpha})"
                    apply = lambda run, t: getattr(t, meth)(run.get(o), alpha=alpha)  # noqa: E731
            elif name == "mul_":
                desc = f"{tdesc}.mul_({fmt(o)})"
                apply = lambda run, t: t.mul_(run.get(o))  # noqa: E731
            else:
                sym = {"iadd": "+=", "isub": "-=", "imul": "*="}[name]

                def apply(run, t, sym=sym):
                    if sym == "+=":
                        t += run.get(o)
                    elif sym == "-=":
                        t -= run.get(o)
                    else:
                        t *= run.get(o)
                desc = f"t = {tdesc}; t {sym} {fmt(o)}"
        elif name in ("div_", "itruediv"):
            if r.random() < 0.4:
                s = b.scalar(nonzero=True)[1]
                den = lambda run: s  # noqa: E731
                dd = repr(s)
            else:
                o = operand(vshape)
                den = lambda run: pos(run.get(o))  # noqa: E731
                dd = f"pos({fmt(o)})"
            if name == "div_":
                desc = f"{tdesc}.div_({dd})"
                apply = lambda run, t: t.div_(den(run))  # noqa: E731
            else:
                def apply(run, t):
                    t /= den(run)
                desc = f"t = {tdesc}; t /= {dd}"
        elif name == "clamp_":
            lo = round(r.uniform(-1.5, 0.5), 3)
            hi = round(lo + r.uniform(0.2, 2.0), 3)
            desc = f"{tdesc}.clamp_({lo}, {hi})"
            apply = lambda run, t: t.clamp_(lo, hi)  # noqa: E731
            kink = lambda run, t: (run.kink("clamp_", t - lo), run.kink("clamp_", t - hi))  # noqa: E731
        elif name == "relu_":
            desc = f"{tdesc}.relu_()"
            apply = lambda run, t: t.relu_()  # noqa: E731
            kink = lambda run, t: run.kink("relu_", t)  # noqa: E731
        elif name == "zero_":
            desc = f"{tdesc}.zero_()"
            apply = lambda run, t: t.zero_()  # noqa: E731
        elif name == "fill_":
            s = b.scalar()[1]
            desc = f"{tdesc}.fill_({s})"
            apply = lambda run, t: t.fill_(s)  # noqa: E731
        else:  # copy_
            o = operand(vshape)
            desc = f"{tdesc}.copy_({fmt(o)})"
            apply = lambda run, t: t.copy_(run.get(o))  # noqa: E731
        if is_view:
            b.use("Tensor.detach", "clone")

            def fn(run, v):
                m = v.detach().clone()
                t = target(m)
                if kink is not None:
                    kink(run, t)
                apply(run, t)
                return v * run.record(name + " buffer", m)
            return f"m = v.detach().clone(); {desc}; v * m", fn
        b.use("clone")

        def fn(run, v):
            w = v.clone()
            if kink is not None:
                kink(run, w)
            apply(run, w)
            return w
        return f"w = v.clone(); {desc}", fn
    op(name, covers)(make)


_inplace("add_", ["Tensor.add_"])
_inplace("sub_", ["Tensor.sub_"])
_inplace("mul_", ["Tensor.mul_"])
_inplace("div_", ["Tensor.div_"])
_inplace("clamp_", ["Tensor.clamp_"])
_inplace("relu_", ["Tensor.relu_"])
_inplace("zero_", ["Tensor.zero_"])
_inplace("fill_", ["Tensor.fill_"])
_inplace("copy_", ["Tensor.copy_"])
_inplace("iadd", ["Tensor.__iadd__"])
_inplace("isub", ["Tensor.__isub__"])
_inplace("imul", ["Tensor.__imul__"])
_inplace("itruediv", ["Tensor.__itruediv__"])


# nn functions ----------------------------------------------------------------------------

def _nn_unary(name, params):
    def make(b, shape):
        args = params(b)
        text = ", ".join(repr(a) for a in args)
        return (f"F.{name}(v{', ' if args else ''}{text})",
                lambda run, v: getattr(run.F, name)(v, *args))
    op(name, [f"nn.{name}"])(make)


_nn_unary("gelu", lambda b: ())
_nn_unary("softplus", lambda b: b.r.choice([(), (2.0,), (0.5, 1.0), (1.0, 20.0)]))


@op("leaky_relu", ["nn.leaky_relu"])
def _leaky_relu(b, shape):
    slope = b.r.choice([None, 0.01, 0.2, -0.3, 1.5])

    def fn(run, v):
        run.kink("leaky_relu", v)
        return run.F.leaky_relu(v) if slope is None else run.F.leaky_relu(v, slope)
    return f"F.leaky_relu(v{'' if slope is None else f', {slope}'})", fn


@op("linear", ["nn.linear"], weight=1.5)
def _linear(b, shape):
    if not shape:
        return None
    k = b.r.randint(1, 4)
    if numel(shape) // shape[-1] * k > MAX_NUMEL:
        return None
    w = b.tensor_exact((k, shape[-1]))
    bias = b.tensor_exact((k,)) if b.r.random() < 0.6 else None
    if bias is None:
        return f"F.linear(v, {fmt(w)})", lambda run, v: run.F.linear(v, run.get(w))
    return f"F.linear(v, {fmt(w)}, {fmt(bias)})", lambda run, v: run.F.linear(v, run.get(w), run.get(bias))


def _image_shape(b, min_hw=2):
    r = b.r
    return (r.randint(1, 2), r.randint(1, 3), r.randint(min_hw, 6), r.randint(min_hw, 6))


def _conv_geometry(b):
    """(image shape, groups, output channels, kernel, dilation, stride, padding) of a small conv."""
    r = b.r
    n, c, h, w_ = _image_shape(b, 3)
    groups = r.choice([1, 1, c]) if c > 1 else 1
    return ((n, c, h, w_), groups, groups * r.randint(1, 2), (r.randint(1, 3), r.randint(1, 3)), r.choice([1, 1, 2]),
            r.choice([1, 1, 2, (1, 2)]), r.choice([0, 0, 1, (1, 0)]))


@op("conv2d", ["nn.conv2d"])
def _conv2d(b, shape):
    r = b.r
    (n, c, h, w_), groups, outc, (kh, kw), dil, stride, pad = _conv_geometry(b)
    ph, pw = (pad, pad) if isinstance(pad, int) else pad
    if h + 2 * ph < dil * (kh - 1) + 1 or w_ + 2 * pw < dil * (kw - 1) + 1:
        return None
    ishape = (n, c, h, w_)
    ref = b.fit_ref(shape, ishape)
    weight = b.tensor_exact((outc, c // groups, kh, kw))
    bias = b.tensor_exact((outc,)) if r.random() < 0.5 else None
    if ref is not None:
        b.use("index_select")

    def fn(run, v):
        x = fit(run, v, ref, ishape)
        return run.F.conv2d(x, run.get(weight), None if bias is None else run.get(bias), stride, pad, dil, groups)
    return (f"x = fit(v, {ishape}); F.conv2d(x, {fmt(weight)}, {None if bias is None else fmt(bias)}, "
            f"stride={stride}, padding={pad}, dilation={dil}, groups={groups})"), fn


@op("conv_transpose2d", ["nn.conv_transpose2d"])
def _conv_transpose2d(b, shape):
    r = b.r
    (n, c, h, w_), groups, outc, (kh, kw), dil, stride, pad = _conv_geometry(b)
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (pad, pad) if isinstance(pad, int) else pad
    out_pad = (r.randrange(sh), r.randrange(sw)) if r.random() < 0.3 else 0  # (< stride: see the engine's check)
    oph, opw = (out_pad, out_pad) if isinstance(out_pad, int) else out_pad
    if (h - 1) * sh - 2 * ph + dil * (kh - 1) + oph + 1 <= 0 or (w_ - 1) * sw - 2 * pw + dil * (kw - 1) + opw + 1 <= 0:
        return None
    ishape = (n, c, h, w_)
    ref = b.fit_ref(shape, ishape)
    weight = b.tensor_exact((c, outc // groups, kh, kw))
    bias = b.tensor_exact((outc,)) if r.random() < 0.5 else None
    if ref is not None:
        b.use("index_select")

    def fn(run, v):
        x = fit(run, v, ref, ishape)
        return run.F.conv_transpose2d(x, run.get(weight), None if bias is None else run.get(bias), stride, pad,
                                      out_pad, groups, dil)
    return (f"x = fit(v, {ishape}); F.conv_transpose2d(x, {fmt(weight)}, {None if bias is None else fmt(bias)}, "
            f"stride={stride}, padding={pad}, output_padding={out_pad}, groups={groups}, dilation={dil})"), fn


def _pool(name):
    def make(b, shape):
        r = b.r
        ishape = _image_shape(b, 2)
        k = r.choice([2, 2, 3, (2, 1), (1, 3)])
        kh, kw = (k, k) if isinstance(k, int) else k
        if kh > ishape[2] or kw > ishape[3]:
            return None
        stride = r.choice([None, 1, 2, (2, 1)])
        pad = r.choice([0, 0, 1]) if min(kh, kw) >= 2 else 0
        ref = b.fit_ref(shape, ishape)
        if ref is not None:
            b.use("index_select")
        # fit() repeats entries and v may hold repeats (expand, broadcast): a random offset
        # keeps max_pool2d's windows free of ties
        noise = b.float_const(ishape) if name == "max_pool2d" else None

        def fn(run, v):
            x = fit(run, v, ref, ishape)
            if noise is not None:
                x = x + run.get(noise)
            if name == "max_pool2d" and run.checking:
                _pool_ties(x, (kh, kw), stride, pad)
            return getattr(run.F, name)(x, k, stride, pad)
        return (f"x = fit(v, {ishape}){'' if noise is None else ' + ' + fmt(noise)}; "
                f"F.{name}(x, {k}, {stride}, {pad})"), fn
    op(name, [f"nn.{name}"])(make)


def _pool_ties(x, kernel, stride, pad):
    a = to_numpy(x)
    kh, kw = kernel
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    p = np.pad(a, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    oh = (a.shape[2] + 2 * pad - kh) // sh + 1
    ow = (a.shape[3] + 2 * pad - kw) // sw + 1
    rows = []
    for i in range(oh):
        for j in range(ow):
            rows.append(p[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].reshape(a.shape[0] * a.shape[1], -1))
    check_rows_tie("max_pool2d", np.concatenate(rows, axis=0), "max")


_pool("max_pool2d")
_pool("avg_pool2d")


@op("adaptive_avg_pool2d", ["nn.adaptive_avg_pool2d"])
def _adaptive(b, shape):
    r = b.r
    ishape = _image_shape(b, 2)
    size = r.choice([1, 2, (2, 1), (ishape[2], 2), (3, 3)])
    sh, sw = (size, size) if isinstance(size, int) else size
    if sh > ishape[2] or sw > ishape[3]:
        return None
    ref = b.fit_ref(shape, ishape)
    if ref is not None:
        b.use("index_select")
    return (f"x = fit(v, {ishape}); F.adaptive_avg_pool2d(x, {size})",
            lambda run, v: run.F.adaptive_avg_pool2d(fit(run, v, ref, ishape), size))


@op("dropout", ["nn.dropout"])
def _dropout(b, shape):
    p, training = b.r.choice([(0.5, False), (0.0, True), (1.0, True), (0.3, False)])
    return f"F.dropout(v, {p}, {training})", lambda run, v: run.F.dropout(v, p, training)


@op("layer_norm", ["nn.layer_norm"])
def _layer_norm(b, shape):
    r = b.r
    if not shape:
        return None
    k = r.randint(1, min(2, len(shape)))
    norm = tuple(shape[-k:])
    weight = b.tensor_exact(norm) if r.random() < 0.5 else None
    bias = b.tensor_exact(norm) if r.random() < 0.5 else None
    eps = r.choice([1e-5, 1e-3, 0.1])
    ns = list(norm) if r.random() < 0.5 else norm

    def fn(run, v):
        return run.F.layer_norm(v, ns, None if weight is None else run.get(weight),
                                None if bias is None else run.get(bias), eps)
    return (f"F.layer_norm(v, {ns!r}, {None if weight is None else fmt(weight)}, "
            f"{None if bias is None else fmt(bias)}, {eps})"), fn


@op("batch_norm", ["nn.batch_norm"])
def _batch_norm(b, shape):
    r = b.r
    c = r.randint(1, 3)
    ishape = r.choice([(r.randint(2, 4), c), (r.randint(1, 3), c, r.randint(2, 3)),
                       (r.randint(1, 2), c, 2, r.randint(1, 3))])
    training = r.random() < 0.6
    stats = not training or r.random() < 0.6
    mean = b.float_const((c,)) if stats else None
    var = b.const(b.np.uniform(0.5, 2.0, size=(c,))) if stats else None
    weight = b.tensor_exact((c,)) if r.random() < 0.5 else None
    bias = b.tensor_exact((c,)) if r.random() < 0.5 else None
    momentum = r.choice([0.1, 0.5])
    eps = r.choice([1e-5, 0.01])
    ref = b.fit_ref(shape, ishape)
    if ref is not None:
        b.use("index_select")

    def fn(run, v):
        x = fit(run, v, ref, ishape)
        rm = None if mean is None else run.get(mean)
        rv = None if var is None else run.get(var)
        out = run.F.batch_norm(x, rm, rv, None if weight is None else run.get(weight),
                               None if bias is None else run.get(bias), training=training, momentum=momentum, eps=eps)
        if rm is not None:
            run.record("batch_norm running_mean", rm.clone())
            run.record("batch_norm running_var", rv.clone())
        return out
    return (f"x = fit(v, {ishape}); F.batch_norm(x, {None if mean is None else fmt(mean)}, "
            f"{None if var is None else fmt(var)}, {None if weight is None else fmt(weight)}, "
            f"{None if bias is None else fmt(bias)}, training={training}, momentum={momentum}, eps={eps})"), fn


def _class_problem(b):
    """(input shape, target shape, classes) for cross_entropy / nll_loss."""
    r = b.r
    c = r.randint(2, 4)
    n = r.randint(1, 4)
    x = r.randrange(3)
    if x == 1:
        d = r.randint(1, 3)
        return (n, c, d), (n, d), c
    if x == 2 and r.random() < 0.5:
        return (c,), (), c  # one unbatched sample: input [C], a 0-d target
    return (n, c), (n,), c


def _targets(b, tshape, c, ignore):
    t = b.np.integers(0, c, size=tshape).astype(np.int64)
    if ignore is not None and t.size > 1:
        flat = t.reshape(-1)
        flat[b.np.random(size=flat.size) < 0.3] = ignore
        if (flat == ignore).all():
            flat[0] = 0
    return b.const(t)


def _class_loss(name):
    def make(b, shape):
        r = b.r
        ishape, tshape, c = _class_problem(b)
        reduction = r.choice(["mean", "sum", "none"])
        ignore = r.choice([None, None, -100, 1])
        target = _targets(b, tshape, c, ignore)
        ref = b.fit_ref(shape, ishape)
        if ref is not None:
            b.use("index_select")
        kw = {"reduction": reduction}
        if ignore is not None:
            kw["ignore_index"] = ignore
        pre = lambda x: x  # noqa: E731
        if name == "cross_entropy" and r.random() < 0.4:
            kw["label_smoothing"] = r.choice([0.1, 0.25])
        if name == "nll_loss" and r.random() < 0.5:
            b.use("log_softmax")
            cd = 1 if len(ishape) > 1 else 0
            pre = lambda x: x.log_softmax(cd)  # noqa: E731
        text = ", ".join(f"{k}={v!r}" for k, v in kw.items())

        def fn(run, v):
            x = pre(fit(run, v, ref, ishape))
            return getattr(run.F, name)(x, run.get(target), **kw)
        return f"x = fit(v, {ishape}); F.{name}(x, {fmt(target)}, {text})", fn
    op(name, [f"nn.{name}"])(make)


_class_loss("cross_entropy")
_class_loss("nll_loss")


def _pair_loss(name):
    def make(b, shape):
        r = b.r
        reduction = r.choice(["mean", "sum", "none"])
        if name in ("binary_cross_entropy", "binary_cross_entropy_with_logits"):
            if r.random() < 0.5:
                t = b.float_const(tuple(shape), "unit")
                tt = lambda run: run.get(t)  # noqa: E731
                td = fmt(t)
            else:
                t = b.tensor_exact(tuple(shape))
                tt = lambda run: run.get(t).sigmoid()  # noqa: E731
                td = f"{fmt(t)}.sigmoid()"
        else:
            t = b.tensor_exact(tuple(shape))
            tt = lambda run: run.get(t)  # noqa: E731
            td = fmt(t)
        inp = (lambda v: v.sigmoid()) if name == "binary_cross_entropy" else (lambda v: v)
        idesc = "v.sigmoid()" if name == "binary_cross_entropy" else "v"

        def fn(run, v):
            if name == "binary_cross_entropy":  # sigmoid(v) rounds to exactly 0 or 1 beyond |v| ~ 37
                run.within(name, v, 30.0)  # (saturated: the gradient is 1e12-large, ill-conditioned)
            x = inp(v)
            if name == "l1_loss":
                run.kink("l1_loss", x - tt(run))
            return getattr(run.F, name)(x, tt(run), reduction=reduction)
        return f"F.{name}({idesc}, {td}, reduction={reduction!r})", fn
    op(name, [f"nn.{name}"])(make)


for _name in ("mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"):
    _pair_loss(_name)


@op("embedding", ["nn.embedding"])
def _embedding(b, shape):
    r = b.r
    rows, dim = r.randint(2, 6), r.randint(1, 4)
    ishape = r.choice([(r.randint(1, 5),), (r.randint(1, 3), r.randint(1, 3)), ()])
    idx = b.int_const(rows, ishape)
    ref = b.fit_ref(shape, (rows, dim))
    if ref is not None:
        b.use("index_select")
    return (f"W = fit(v, ({rows}, {dim})); F.embedding({fmt(idx)}, W)",
            lambda run, v: run.F.embedding(run.get(idx), fit(run, v, ref, (rows, dim))))


@op("one_hot", ["nn.one_hot"])
def _one_hot(b, shape):
    r = b.r
    n = r.randint(1, 4)
    c = r.randint(2, 4)
    values = b.np.integers(0, c, size=(n,)).astype(np.int64)
    given = r.random() < 0.6
    if not given:
        c = int(values.max()) + 1
    idx = b.const(values)
    ref = b.fit_ref(shape, (n, c))
    if ref is not None:
        b.use("index_select")
    b.use("Tensor.to")

    def fn(run, v):
        oh = run.record("one_hot", run.F.one_hot(run.get(idx), c) if given else run.F.one_hot(run.get(idx)))
        return fit(run, v, ref, (n, c)) * oh.to(run.M.float64)
    return f"fit(v, ({n}, {c})) * F.one_hot({fmt(idx)}{f', {c}' if given else ''}).to(M.float64)", fn


# norms and logic ---------------------------------------------------------------------------

@op("norm", ["norm", "Tensor.norm"])
def _norm(b, shape):
    r = b.r
    p = r.choice([None, 2, 2.0, "fro", 1, 3, 0.5, math.inf, -math.inf])
    dims = b.reduce_dims(shape) if shape else None
    if p == "fro" and dims is not None and not isinstance(dims, int) and len(dims) > 2:
        dims = tuple(dims)[:2]  # PyTorch's 'fro' takes at most two dims
    keep = r.random() < 0.4
    if dims is None:
        forms = [(f"M.norm(v, {p!r})", lambda run, v: run.M.norm(v, p), "norm"),
                 (f"v.norm({p!r})", lambda run, v: v.norm(p), "Tensor.norm")]
        if p is None:
            forms += [("M.norm(v)", lambda run, v: run.M.norm(v), "norm"), ("v.norm()", lambda run, v: v.norm(),
                                                                             "Tensor.norm")]
    else:
        forms = [(f"M.norm(v, {p!r}, {dims!r}, {keep})", lambda run, v: run.M.norm(v, p, dims, keep), "norm"),
                 (f"v.norm(p={p!r}, dim={dims!r}, keepdim={keep})", lambda run, v: v.norm(p=p, dim=dims, keepdim=keep),
                  "Tensor.norm")]
    desc, f = choose(b, forms)

    def fn(run, v):
        if p not in (None, 2, 2.0, "fro"):
            run.kink("norm |x| at 0", v)  # abs's kink (p = 1, 0.5, 3, inf)
        if p in (math.inf, -math.inf):
            run.tie("norm", v.abs(), dims, "max" if p > 0 else "min")
        out = f(run, v)
        run.kink("norm at 0", out)  # sqrt / pow(., 1/p) at 0
        return out
    return desc, fn


def _mask_of(b, shape):
    """(description, function(run, v) -> mask, its shape, is bool): a bool or float tensor
    broadcasting with v without growing it."""
    r = b.r
    x = r.randrange(3)
    if x == 0:
        mshape = b.partner_shape(shape, grow=False)
        m = b.bool_const(mshape)
        return fmt(m), (lambda run, v: run.get(m)), mshape, True
    t = b.scalar()[1]
    if x == 1:
        def gt(run, v):
            run.kink("mask", v - t)
            return v > t
        return f"(v > {t})", gt, tuple(shape), True
    mshape = b.partner_shape(shape, grow=False)
    c = b.float_const(mshape)
    return fmt(c), (lambda run, v: run.get(c)), mshape, False  # a float tensor: non-zero is true


@op("logical", ["logical_and", "Tensor.logical_and", "logical_or", "Tensor.logical_or", "logical_xor",
                "Tensor.logical_xor", "logical_not", "Tensor.logical_not", "Tensor.__and__", "Tensor.__or__",
                "Tensor.__xor__", "Tensor.__invert__"])
def _logical(b, shape):
    r = b.r
    (ad, a, _, abool), (cd, c, _, cbool) = _mask_of(b, shape), _mask_of(b, shape)
    name = r.choice(["logical_and", "logical_or", "logical_xor", "logical_not"])
    if name == "logical_not":
        forms = [(f"M.logical_not({ad})", lambda run, v: run.M.logical_not(a(run, v)), "logical_not"),
                 (f"{ad}.logical_not()", lambda run, v: a(run, v).logical_not(), "Tensor.logical_not")]
        if abool:
            forms.append((f"~{ad}", lambda run, v: ~a(run, v), "Tensor.__invert__"))
    else:
        forms = [(f"M.{name}({ad}, {cd})", lambda run, v: getattr(run.M, name)(a(run, v), c(run, v)), name),
                 (f"{ad}.{name}({cd})", lambda run, v: getattr(a(run, v), name)(c(run, v)), f"Tensor.{name}")]
        if abool and cbool:  # & | ^ on bool tensors
            sym, dunder = {"logical_and": ("&", "__and__"), "logical_or": ("|", "__or__"),
                           "logical_xor": ("^", "__xor__")}[name]
            forms += [(f"{ad} {sym} {cd}", lambda run, v: getattr(a(run, v), dunder)(c(run, v)),
                       f"Tensor.{dunder}")] * 2
    desc, f = choose(b, forms)
    b.use("where")

    def fn(run, v):
        m = run.record(name, f(run, v))
        return run.M.where(m, v, v * 0.5)
    return f"mask = {desc}; M.where(mask, v, v * 0.5)", fn


@op("any_all", ["any", "Tensor.any", "all", "Tensor.all"])
def _any_all(b, shape):
    r = b.r
    name = r.choice(["any", "all"])
    md, m, mshape, _ = _mask_of(b, shape)
    if mshape and r.random() < 0.6:
        d = b.dim(len(mshape))
        forms = [(f"M.{name}({md}, {d}, keepdim=True)", lambda run, v: getattr(run.M, name)(m(run, v), d, keepdim=True),
                  name),
                 (f"{md}.{name}({d}, True)", lambda run, v: getattr(m(run, v), name)(d, True), f"Tensor.{name}")]
    else:
        forms = [(f"M.{name}({md})", lambda run, v: getattr(run.M, name)(m(run, v)), name),
                 (f"{md}.{name}()", lambda run, v: getattr(m(run, v), name)(), f"Tensor.{name}")]
    desc, f = choose(b, forms)
    b.use("where")

    def fn(run, v):
        mask = run.record(name, f(run, v))
        return run.M.where(mask, v * 2.0, v)
    return f"mask = {desc}; M.where(mask, v * 2.0, v)", fn


@op("isclose", ["isclose", "Tensor.isclose", "allclose", "Tensor.allclose"])
def _isclose(b, shape):
    r = b.r
    rtol, atol = r.choice([(1e-5, 1e-8), (0.05, 0.0), (0.0, 0.1), (0.02, 0.02)])
    noise = b.const(b.np.uniform(-0.1, 0.1, size=b.partner_shape(shape, grow=False)))

    def other(run, v):
        return v + run.get(noise)
    if r.random() < 0.6:
        forms = [(f"M.isclose(v, v + {fmt(noise)}, {rtol}, {atol})",
                  lambda run, v: run.M.isclose(v, other(run, v), rtol, atol), "isclose"),
                 (f"v.isclose(v + {fmt(noise)}, rtol={rtol}, atol={atol})",
                  lambda run, v: v.isclose(other(run, v), rtol=rtol, atol=atol), "Tensor.isclose")]
        desc, f = choose(b, forms)
        b.use("where")

        def fn(run, v):
            o = other(run, v)
            run.kink("isclose", (v - o).abs() - (o.abs() * rtol + atol))
            mask = run.record("isclose", f(run, v))
            return run.M.where(mask, v, -v)
        return f"mask = {desc}; M.where(mask, v, -v)", fn
    forms = [(f"M.allclose(v, v + {fmt(noise)}, {rtol}, {atol})",
              lambda run, v: run.M.allclose(v, other(run, v), rtol, atol), "allclose"),
             (f"v.allclose(v + {fmt(noise)}, rtol={rtol}, atol={atol})",
              lambda run, v: v.allclose(other(run, v), rtol=rtol, atol=atol), "Tensor.allclose")]
    desc, f = choose(b, forms)

    def fn2(run, v):
        o = other(run, v)
        run.kink("allclose", (v - o).abs() - (o.abs() * rtol + atol))
        return v * (2.0 if f(run, v) else -1.0)
    return f"v * (2.0 if {desc} else -1.0)", fn2


# factories, metadata, Python values, grad mode, hooks ----------------------------------------

@op("factory", ["zeros", "ones", "full", "empty", "arange", "linspace", "eye", "tensor", "as_tensor",
                "from_numpy"])
def _factory(b, shape):
    shape = tuple(shape)
    n = shape[-1] if shape else 1
    sizes = shape if shape else ((),)  # zeros(2, 3) or zeros(())
    forms = [(f"v + M.zeros(*{sizes}, dtype=M.float64)", lambda run, v: v + run.M.zeros(*sizes, dtype=run.M.float64),
              "zeros"),
             (f"v - M.zeros({shape})", lambda run, v: v - run.M.zeros(shape), "zeros"),
             (f"v * M.ones({shape})", lambda run, v: v * run.M.ones(shape), "ones"),
             (f"v * M.full({shape}, 1.5)", lambda run, v: v * run.M.full(shape, 1.5), "full"),
             (f"v * M.full({shape}, 2)", lambda run, v: v * run.M.full(shape, 2), "full"),
             (f"v * M.full({shape}, 0.25, dtype=M.float64)",
              lambda run, v: v * run.M.full(shape, 0.25, dtype=run.M.float64), "full"),
             (f"v * M.empty({shape}, dtype=M.float64).fill_(0.75)",
              lambda run, v: v * run.M.empty(shape, dtype=run.M.float64).fill_(0.75), "empty"),
             (f"v * M.arange({n}, dtype=M.float64)", lambda run, v: v * run.M.arange(n, dtype=run.M.float64), "arange"),
             (f"v * M.arange(1, {n + 1})", lambda run, v: v * run.M.arange(1, n + 1), "arange"),
             # float32 [n] times a 0-d float64 v is float32 (a 0-d tensor does not promote within a
             # category): recorded before .double() so the dtype is compared
             (f"p = v * M.arange(0.5, {n}.5, 1.0); p.double()",
              lambda run, v: run.record("float32 factory", v * run.M.arange(0.5, n + 0.5, 1.0)).double(), "arange"),
             ]
    if n >= 1:
        forms += [(f"p = v * M.linspace(-1, 2, {n}); p.double()",
                   lambda run, v: run.record("float32 factory", v * run.M.linspace(-1, 2, n)).double(), "linspace"),
                  (f"v * M.linspace(0.5, 1.5, {n}, dtype=M.float64)",
                   lambda run, v: v * run.M.linspace(0.5, 1.5, n, dtype=run.M.float64), "linspace")]
    if shape:
        data = b.np.standard_normal(size=shape)
        values = data.tolist()
        forms += [(f"v @ M.eye({n}, dtype=M.float64)", lambda run, v: v @ run.M.eye(n, dtype=run.M.float64), "eye"),
                  (f"v @ M.eye({n}, 2, dtype=M.float64)", lambda run, v: v @ run.M.eye(n, 2, dtype=run.M.float64),
                   "eye"),
                  ("v + M.tensor(<nested list>, dtype=M.float64)",
                   lambda run, v: v + run.M.tensor(values, dtype=run.M.float64), "tensor"),
                  ("v * M.tensor(<nested list>)", lambda run, v: v * run.M.tensor(values), "tensor"),
                  ("v * M.as_tensor(<float64 array>)", lambda run, v: v * run.M.as_tensor(data), "as_tensor"),
                  ("v * M.from_numpy(<float64 array>)", lambda run, v: v * run.M.from_numpy(data.copy()),
                   "from_numpy"),
                  ("v - M.from_numpy(<float64 array>)", lambda run, v: v - run.M.from_numpy(data.copy()),
                   "from_numpy")]
    return choose(b, forms)


@op("factory_like", ["zeros_like", "ones_like", "full_like"])
def _factory_like(b, shape):
    forms = [("v + M.zeros_like(v)", lambda run, v: v + run.M.zeros_like(v), "zeros_like"),
             ("v * M.ones_like(v)", lambda run, v: v * run.M.ones_like(v), "ones_like"),
             ("v * M.ones_like(v, dtype=M.float32)", lambda run, v: v * run.M.ones_like(v, dtype=run.M.float32),
              "ones_like"),
             ("v * M.full_like(v, 1.5)", lambda run, v: v * run.M.full_like(v, 1.5), "full_like"),
             ("M.full_like(v, 2.0, requires_grad=True) * v",
              lambda run, v: run.M.full_like(v, 2.0, requires_grad=True) * v, "full_like")]
    return choose(b, forms)


@op("shape_queries", ["numel", "Tensor.numel", "Tensor.size", "Tensor.dim", "Tensor.ndim", "Tensor.shape",
                      "Tensor.is_floating_point", "Tensor.element_size", "Tensor.is_cuda", "is_tensor",
                      "Tensor.dtype"])
def _shape_queries(b, shape):
    forms = [("v / M.numel(v)", lambda run, v: v / run.M.numel(v), "numel"),
             ("v / v.numel()", lambda run, v: v / v.numel(), "Tensor.numel"),
             ("v * (v.dim() + 1)", lambda run, v: v * (v.dim() + 1), "Tensor.dim"),
             ("v * (v.ndim + 1)", lambda run, v: v * (v.ndim + 1), "Tensor.ndim"),
             ("v.reshape(v.size()) * 2", lambda run, v: v.reshape(v.size()) * 2, "Tensor.size"),
             ("v.reshape(tuple(v.shape)[::-1]...)", lambda run, v: v.reshape(tuple(v.shape)[::-1]), "Tensor.shape"),
             ("v * (2.0 if v.is_floating_point() else 1.0)",
              lambda run, v: v * (2.0 if v.is_floating_point() else 1.0), "Tensor.is_floating_point"),
             ("v * v.element_size()", lambda run, v: v * v.element_size(), "Tensor.element_size"),
             ("v * (3.0 if v.is_cuda else 1.5)", lambda run, v: v * (3.0 if v.is_cuda else 1.5), "Tensor.is_cuda"),
             ("v * (2.0 if M.is_tensor(v) else 1.0)", lambda run, v: v * (2.0 if run.M.is_tensor(v) else 1.0),
              "is_tensor"),
             ("v * (2.0 if v.dtype == M.float64 else 3.0)",
              lambda run, v: v * (2.0 if v.dtype == run.M.float64 else 3.0), "Tensor.dtype")]
    if shape:
        d = b.dim(len(shape))
        forms += [(f"v * v.size({d})", lambda run, v: v * v.size(d), "Tensor.size"),
                  (f"v * v.shape[{d}]", lambda run, v: v * v.shape[d], "Tensor.shape")]
    return choose(b, forms)


@op("python_values", ["Tensor.item", "Tensor.tolist", "Tensor.__float__", "Tensor.__int__", "Tensor.__index__",
                      "Tensor.__len__", "Tensor.__array__", "Tensor.__bool__"])
def _python_values(b, shape):
    k = b.int_const(3, ())
    forms = [("v * (1 + 0.1 * v.detach().sum().item())",
              lambda run, v: v * (1 + 0.1 * v.detach().sum().item()), "Tensor.item"),
             ("v + M.tensor(v.detach().tolist(), dtype=M.float64)",
              lambda run, v: v + run.M.tensor(v.detach().tolist(), dtype=run.M.float64), "Tensor.tolist"),
             ("v * float(v.detach().mean())", lambda run, v: v * float(v.detach().mean()), "Tensor.__float__"),
             (f"v * (int({fmt(k)}) + 1)", lambda run, v: v * (int(run.get(k)) + 1), "Tensor.__int__"),
             (f"v * [0.5, 2.0, 3.0][{fmt(k)}]", lambda run, v: v * [0.5, 2.0, 3.0][run.get(k)], "Tensor.__index__"),
             ("v + tensor(numpy.asarray(v.detach()) * 0.5)",
              lambda run, v: v + run.lib.tensor(np.asarray(v.detach()) * 0.5), "Tensor.__array__")]

    def truth(run, v):
        s = v.detach().sum()
        run.kink("bool(sum)", s)
        return v * (2.0 if s > 0 else -1.0)
    forms.append(("v * (2.0 if v.detach().sum() > 0 else -1.0)", truth, "Tensor.__bool__"))
    if shape:
        forms.append(("v * len(v)", lambda run, v: v * len(v), "Tensor.__len__"))
    return choose(b, forms)


def _no_grad_block(run, v):
    with run.M.no_grad():
        c = v * 2.0
    return v + c


def _enable_inside(run, v):
    with run.M.no_grad():
        with run.M.enable_grad():
            c = v * 2.0
        d = v.exp()
    return v * c + d


def _set_grad_enabled(run, v):
    with run.M.set_grad_enabled(False):
        c = v.exp()
    return v + c


def _no_grad_decorator(run, v):
    @run.M.no_grad()
    def f(x):
        return x.sin()
    return v * f(v)


@op("grad_mode", ["is_grad_enabled"])
def _grad_mode(b, shape):
    forms = [("with no_grad(): c = v * 2.0; v + c", _no_grad_block, "no_grad"),
             ("with no_grad(): (with enable_grad(): c = v * 2.0); d = v.exp(); v * c + d", _enable_inside,
              "enable_grad"),
             ("with set_grad_enabled(False): c = v.exp(); v + c", _set_grad_enabled, "set_grad_enabled"),
             ("@no_grad() f(x) = x.sin(); v * f(v)", _no_grad_decorator, "no_grad"),
             ("v * (2.0 if M.is_grad_enabled() else 1.0)",
              lambda run, v: v * (2.0 if run.M.is_grad_enabled() else 1.0), "is_grad_enabled")]
    return choose(b, forms)


@op("register_hook", ["Tensor.register_hook"])
def _register_hook(b, shape):
    x = b.r.randrange(3)
    s = b.r.choice([2.0, -0.5])

    def fn(run, v):
        w = v * 1.0
        if not w.requires_grad:
            return w
        if x == 0:
            w.register_hook(lambda g: g * s)
        elif x == 1:
            w.register_hook(lambda g: run.hook_grads.append(g.clone()))
        else:
            handle = w.register_hook(lambda g: g * 100.0)
            handle.remove()
        return w
    b.use("Tensor.register_hook")
    return ("w = v * 1.0; " + ("w.register_hook(lambda g: g * %r)" % s, "w.register_hook(record g)",
                               "w.register_hook(lambda g: g * 100).remove()")[x]), fn


# --- generation ---------------------------------------------------------------------------

POOL_NAMES = sorted(POOL)
POOL_WEIGHTS = [POOL[name].weight for name in POOL_NAMES]


def _check_range(run, v):
    for _, t in [("value", v)] + run.records[-8:]:
        if t.dtype.is_floating_point:
            a = to_numpy(t)
            if a.size and (not np.all(np.isfinite(a)) or np.abs(a).max() > RANGE_LIMIT):
                raise Redraw("range")


def build(index, seed, attempt, torch_lib_):
    r = random.Random(seed)
    program = Program(index, seed, attempt)
    b = Builder(program, r, max_leaves=3)
    shape0 = b.random_shape()
    b.new_leaf(shape0)
    for _ in range(r.randint(0, 2)):  # leaves drawn up front, broadcasting with L0; steps use them first
        b.program.leaf_data.append(b._data(b.partner_shape(shape0), "normal"))
    run = Run(torch_lib_, program, checking=True)
    v = run.leaf(0)
    length = r.randint(2, 8)
    tries = 0
    while len(program.steps) < length:
        tries += 1
        if tries > 200:
            raise RuntimeError(f"program #{index}: no applicable op for shape {tuple(v.shape)}")
        spec = POOL[r.choices(POOL_NAMES, weights=POOL_WEIGHTS)[0]]
        b.v = v.detach()
        b.uses = set()
        made = spec.make(b, tuple(v.shape))
        if made is None:
            continue
        desc, fn = made
        step = Step(spec.name, desc, fn, {spec.name} | b.uses | (set(spec.covers) if len(spec.covers) == 1 else set()))
        before = tuple(v.shape)
        try:
            v = fn(run, v)
        except Redraw:
            raise
        except Exception as error:  # a generator bug: PyTorch itself rejects the step
            raise RuntimeError(f"generator error in program #{index} step {spec.name}: {desc} on shape "
                               f"{before}: {error}") from error
        run.record(spec.name, v)
        _check_range(run, v)
        step.shapes = f"{before} -> {tuple(v.shape)}"
        program.steps.append(step)
    # how the gradient is taken
    x = r.random()
    if x < 0.35:
        program.backward = "sum"
    elif x < 0.65:
        program.backward = "gradient"
    elif x < 0.85:
        program.backward = "autograd.grad"
    else:
        program.backward = "plain" if v.dim() == 0 else "sum"
    if program.backward in ("gradient", "autograd.grad"):
        program.grad_output = b.float_const(tuple(v.shape))[1]
    program.retain = program.backward != "autograd.grad" and r.random() < 0.5
    _check_conditioning(program, torch_lib_)
    return program


def _check_conditioning(program, lib):
    """Redraws programs whose PyTorch result moves by > 1e-5 relative under a 1e-10 nudge."""
    _, out, grads, _ = execute(lib, program)
    rng = np.random.default_rng(program.seed)
    perturb = [1e-10 * rng.standard_normal(a.shape) for a in program.leaf_data]
    _, out2, grads2, _ = execute(lib, program, perturb=perturb)
    pairs = [(out, out2)] + [(g, h) for g, h in zip(grads, grads2) if g is not None and h is not None]
    for a, c in pairs:
        if not a.dtype.is_floating_point:
            continue
        x, y = to_numpy(a), to_numpy(c)
        if not np.allclose(x, y, rtol=1e-5, atol=1e-8, equal_nan=True):
            raise Redraw("ill-conditioned")


def generate_all(count, base_seed=BASE_SEED):
    """The programs #0..count-1 and the redraw reasons (a Counter)."""
    lib = torch_lib()
    programs, reasons = [], Counter()
    for index in range(count):
        attempt = 0
        while True:
            seed = (base_seed * 1_000_003 + index * 7919 + attempt * 104_729) % (2 ** 63)
            try:
                programs.append(build(index, seed, attempt, lib))
                break
            except Redraw as redraw:
                reasons[redraw.reason] += 1
                attempt += 1
                if attempt > 200:
                    raise RuntimeError(f"program #{index}: 200 redraws ({reasons})")
    return programs, reasons


if __name__ == "__main__":
    import sys
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    progs, why = generate_all(wanted + 1)
    print(progs[wanted].describe())
