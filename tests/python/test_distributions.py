"""tapedeck.distributions against Debian's PyTorch: log_prob, entropy, cdf, moments and
kl_divergence (values and gradients, float64), sample shapes, reparameterised gradients and
the samplers' statistics, and the argument checks."""
import math

import numpy as np
import pytest

import tapedeck as td
from nn_parity import compare_function

torch = pytest.importorskip("torch", reason="the comparison needs Debian's python3-torch")


def _grid(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _positive(x):
    return x.abs() + 0.5


CASES = [  # (name, input shapes, call(lib, *tensors)): a tensor from the distribution's methods
    ("normal", [(3,), (3,), (2, 3)], lambda lib, m, s, v: lib.stack([
        lib.distributions.Normal(m, _positive(s)).log_prob(v).sum(0), lib.distributions.Normal(m, _positive(s)).entropy(),
        lib.distributions.Normal(m, _positive(s)).cdf(v[0]), lib.distributions.Normal(m, _positive(s)).stddev])),
    ("uniform", [(3,), (3,)], lambda lib, a, w: lib.stack([
        lib.distributions.Uniform(a, a + _positive(w)).log_prob(a + 0.25 * _positive(w)),
        lib.distributions.Uniform(a, a + _positive(w)).entropy(), lib.distributions.Uniform(a, a + _positive(w)).mean,
        lib.distributions.Uniform(a, a + _positive(w)).variance])),
    ("exponential", [(3,), (3,)], lambda lib, r, v: lib.stack([
        lib.distributions.Exponential(_positive(r)).log_prob(_positive(v)),
        lib.distributions.Exponential(_positive(r)).entropy(), lib.distributions.Exponential(_positive(r)).mean])),
    ("laplace", [(3,), (3,), (3,)], lambda lib, m, s, v: lib.stack([
        lib.distributions.Laplace(m, _positive(s)).log_prob(v), lib.distributions.Laplace(m, _positive(s)).entropy(),
        lib.distributions.Laplace(m, _positive(s)).variance])),
    ("bernoulli_probs", [(4,)], lambda lib, p: lib.stack([
        lib.distributions.Bernoulli(lib.sigmoid(p)).log_prob(lib.tensor([1.0, 0.0, 1.0, 0.0], dtype=p.dtype)),
        lib.distributions.Bernoulli(lib.sigmoid(p)).entropy(), lib.distributions.Bernoulli(lib.sigmoid(p)).variance])),
    ("bernoulli_logits", [(4,)], lambda lib, z: lib.stack([
        lib.distributions.Bernoulli(logits=z * 10).log_prob(lib.tensor([1.0, 0.0, 0.0, 1.0], dtype=z.dtype)),
        lib.distributions.Bernoulli(logits=z * 10).entropy()])),
    ("categorical_logits", [(2, 4)], lambda lib, z: lib.stack([
        lib.distributions.Categorical(logits=z).log_prob(lib.tensor([3, 0])),
        lib.distributions.Categorical(logits=z).entropy()])),
    ("categorical_probs", [(2, 4)], lambda lib, p: lib.stack([
        lib.distributions.Categorical(probs=lib.softmax(p, -1) * 3).log_prob(lib.tensor([[1], [2]])).diagonal(),
        lib.distributions.Categorical(probs=lib.softmax(p, -1)).entropy()])),
    ("independent", [(2, 3), (2, 3), (2, 3)], lambda lib, m, s, v: lib.stack([
        lib.distributions.Independent(lib.distributions.Normal(m, _positive(s)), 1).log_prob(v),
        lib.distributions.Independent(lib.distributions.Normal(m, _positive(s)), 1).entropy()])),
    ("kl_normal", [(3,), (3,), (3,), (3,)], lambda lib, a, b, c, d: lib.distributions.kl_divergence(
        lib.distributions.Normal(a, _positive(b)), lib.distributions.Normal(c, _positive(d)))),
    ("kl_independent_normal", [(2, 3), (2, 3)], lambda lib, a, b: lib.distributions.kl_divergence(
        lib.distributions.Independent(lib.distributions.Normal(a, _positive(b)), 1),
        lib.distributions.Independent(lib.distributions.Normal(lib.zeros_like(a), lib.ones_like(b)), 1))),
    ("kl_bernoulli", [(3,), (3,)], lambda lib, a, b: lib.distributions.kl_divergence(
        lib.distributions.Bernoulli(logits=a), lib.distributions.Bernoulli(lib.sigmoid(b)))),
    ("kl_categorical", [(2, 4), (2, 4)], lambda lib, a, b: lib.distributions.kl_divergence(
        lib.distributions.Categorical(logits=a), lib.distributions.Categorical(logits=b))),
    ("kl_exponential_laplace", [(3,), (3,)], lambda lib, a, b: lib.distributions.kl_divergence(
        lib.distributions.Exponential(_positive(a)), lib.distributions.Exponential(_positive(b)))
     + lib.distributions.kl_divergence(lib.distributions.Laplace(a, _positive(b)),
                                       lib.distributions.Laplace(b, _positive(a)))),
]


@pytest.mark.parametrize("name,shapes,call", CASES, ids=[c[0] for c in CASES])
def test_distributions_match_pytorch(name, shapes, call):
    compare_function(call, [_grid(*s, seed=i + 1) for i, s in enumerate(shapes)], name, rtol=1e-10, atol=1e-12)


def test_samples_have_the_right_shapes_statistics_and_gradients():
    td.manual_seed(0)
    D = td.distributions
    loc, scale = td.tensor([1.0, -2.0], requires_grad=True), td.tensor([0.5, 2.0], requires_grad=True)
    normal = D.Normal(loc, scale)
    draws = normal.rsample((20000,))
    assert tuple(draws.shape) == (20000, 2)
    assert draws.mean(0).tolist() == pytest.approx([1.0, -2.0], abs=0.05)
    assert draws.std(0).tolist() == pytest.approx([0.5, 2.0], rel=0.05)
    draws.mean().backward()  # reparameterised: d mean / d loc = 1/2 each
    assert loc.grad.tolist() == pytest.approx([0.5, 0.5])
    assert not normal.sample((3,)).requires_grad
    counts = td.bincount(D.Categorical(probs=td.tensor([0.2, 0.0, 0.8])).sample((5000,)), minlength=3).tolist()
    assert counts[1] == 0 and 850 < counts[0] < 1150
    batch = D.Categorical(logits=td.zeros(4, 3)).sample((7, 2))
    assert tuple(batch.shape) == (7, 2, 4) and batch.dtype == td.int64
    assert D.Bernoulli(td.full((4000,), 0.3)).sample().mean().item() == pytest.approx(0.3, abs=0.03)
    assert D.Uniform(2.0, 5.0).sample((4000,)).min().item() >= 2.0
    assert D.Exponential(td.tensor(2.0)).sample((20000,)).mean().item() == pytest.approx(0.5, rel=0.05)
    assert D.Laplace(1.0, 2.0).sample((20000,)).mean().item() == pytest.approx(1.0, abs=0.1)
    ind = D.Independent(D.Normal(td.zeros(3, 2), td.ones(3, 2)), 1)
    assert ind.batch_shape == (3,) and ind.event_shape == (2,) and tuple(ind.sample((5,)).shape) == (5, 3, 2)


def test_distribution_errors_name_the_problem():
    D = td.distributions
    with pytest.raises(ValueError, match=r"Expected parameter scale .* of distribution Normal\(\) to satisfy the "
                                         r"constraint GreaterThan\(lower_bound=0.0\)"):
        D.Normal(0.0, -1.0)
    D.Normal(0.0, -1.0, validate_args=False)  # unchecked when asked
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
        D.Bernoulli()
    with pytest.raises(ValueError, match="Interval"):
        D.Bernoulli(probs=td.tensor([1.5]))
    with pytest.raises(NotImplementedError, match="kl_divergence: no formula for Normal and Bernoulli"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(td.tensor(0.5)))
    with pytest.raises(NotImplementedError, match="Categorical does not have rsample"):
        D.Categorical(logits=td.zeros(3)).rsample()
    assert math.isinf(D.kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.5, 1.0)).item())
    # log_prob's value must be in the support; KL is infinite where q rules out what p allows.
    for bad in (lambda: D.Exponential(2.0).log_prob(td.tensor(-1.0)),
                lambda: D.Bernoulli(td.tensor(0.3)).log_prob(td.tensor(0.5)),
                lambda: D.Uniform(0.0, 1.0).log_prob(td.tensor(2.0)),
                lambda: D.Categorical(logits=td.zeros(3)).log_prob(td.tensor(5))):
        with pytest.raises(ValueError, match="to be within the support"):
            bad()
    with pytest.raises(ValueError, match=r"Expected parameter loc .* Real\(\)"):
        D.Normal(float("nan"), 1.0)
    for p, q in ((lambda lib: lib.distributions.Bernoulli(lib.tensor([0.5])),
                  lambda lib: lib.distributions.Bernoulli(lib.tensor([0.0]))),
                 (lambda lib: lib.distributions.Categorical(lib.tensor([0.5, 0.5])),
                  lambda lib: lib.distributions.Categorical(lib.tensor([1.0, 0.0])))):
        assert math.isinf(D.kl_divergence(p(td), q(td)).sum().item())
        assert math.isinf(torch.distributions.kl_divergence(p(torch), q(torch)).sum().item())
