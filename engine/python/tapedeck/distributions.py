"""tapedeck.distributions: the probability distributions of PyTorch's torch.distributions that
lessons use most (Normal, Uniform, Exponential, Laplace, Bernoulli, Categorical, Independent)
and kl_divergence between them, made of the engine's ops: log_prob, entropy and rsample
(the reparameterised sample, through which gradients flow) are recorded and differentiated.
Samples draw from tapedeck's global generator."""
import math

from . import _C

_f32 = _C.dtype.float32


def _tensor(value, like=None):
    if isinstance(value, _C.Tensor):
        return value if value.dtype in (_f32, _C.dtype.float64) else value.to(_f32)
    dtype = like.dtype if like is not None else _f32
    return _C.tensor(float(value), dtype=dtype)


def _broadcast(*values):
    tensors = [v for v in values if isinstance(v, _C.Tensor)]
    like = tensors[0] if tensors else None
    values = [_tensor(v, like) for v in values]
    from ._layout_composites import broadcast_tensors
    return broadcast_tensors(*values)


def _size(sample_shape):
    return tuple(sample_shape) if not isinstance(sample_shape, int) else (sample_shape,)


class Distribution:
    """batch_shape (independent distributions side by side) and event_shape (one draw's shape);
    sample() draws without a gradient, rsample() with one where the distribution allows."""

    has_rsample = False
    support = None

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self.batch_shape, self.event_shape = tuple(batch_shape), tuple(event_shape)
        self._validate = True if validate_args is None else bool(validate_args)

    def _check(self, name, value, ok, constraint):
        if self._validate and not bool(ok.all()):
            raise ValueError(f"Expected parameter {name} ({type(value).__name__} of shape {tuple(value.shape)}) of "
                             f"distribution {type(self).__name__}() to satisfy the constraint {constraint}, but found "
                             f"invalid values:\n{value}")

    def _check_value(self, value, ok, support):
        """log_prob's value must lie in the support (when arguments are validated)."""
        if self._validate and not bool(ok.all()):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to be "
                             f"within the support ({support}) of the distribution {type(self).__name__}(), but "
                             f"found invalid values:\n{value}")
        return value

    def _extended_shape(self, sample_shape=()):
        return _size(sample_shape) + self.batch_shape + self.event_shape

    def sample(self, sample_shape=()):
        from .autograd import no_grad
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} does not have rsample (not reparameterisable)")

    def log_prob(self, value):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    def __repr__(self):
        return f"{type(self).__name__}()"


class _LocationScale(Distribution):
    """A family with a location (its mean) and a positive scale."""

    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _broadcast(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)
        self._check("loc", self.loc, self.loc == self.loc, "Real()")
        self._check("scale", self.scale, self.scale > 0, "GreaterThan(lower_bound=0.0)")

    @property
    def mean(self):
        return self.loc


class Normal(_LocationScale):
    """N(loc, scale²)."""

    @property
    def variance(self):
        return self.scale ** 2

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return self.loc + _C.randn(*shape, dtype=self.loc.dtype) * self.scale

    def log_prob(self, value):
        value = _tensor(value, self.loc)
        return -((value - self.loc) ** 2) / (2 * self.variance) - _C.log(self.scale) - math.log(math.sqrt(2 * math.pi))

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + _C.log(self.scale)

    def cdf(self, value):
        return 0.5 * (1 + _C.erf((_tensor(value, self.loc) - self.loc) / (self.scale * math.sqrt(2))))

    def __repr__(self):
        return f"Normal(loc: {self.loc}, scale: {self.scale})"


class Uniform(Distribution):
    """Uniform on [low, high)."""

    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = _broadcast(low, high)
        super().__init__(self.low.shape, (), validate_args)
        self._check("low", self.low, self.low < self.high, "LessThan(upper_bound=high)")

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return self.low + _C.rand(*shape, dtype=self.low.dtype) * (self.high - self.low)

    def log_prob(self, value):
        value = _tensor(value, self.low)
        self._check_value(value, (value >= self.low) & (value < self.high), "Interval(lower_bound=low, "
                                                                              "upper_bound=high)")
        inside = ((value >= self.low) & (value < self.high)).to(self.low.dtype)
        return _C.log(inside) - _C.log(self.high - self.low)

    def entropy(self):
        return _C.log(self.high - self.low)


class Exponential(Distribution):
    """Rate-parameterised exponential: density rate·exp(-rate·x) for x >= 0."""

    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = _broadcast(rate)
        super().__init__(self.rate.shape, (), validate_args)
        self._check("rate", self.rate, self.rate > 0, "GreaterThan(lower_bound=0.0)")

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate ** -2

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = _C.rand(*shape, dtype=self.rate.dtype).clamp(1e-12, 1.0)
        return -_C.log(u) / self.rate

    def log_prob(self, value):
        value = _tensor(value, self.rate)
        self._check_value(value, value >= 0, "GreaterThanEq(lower_bound=0.0)")
        return _C.log(self.rate) - self.rate * value

    def entropy(self):
        return 1.0 - _C.log(self.rate)


class Laplace(_LocationScale):
    """Density exp(-|x - loc| / scale) / (2 scale)."""

    @property
    def variance(self):
        return 2 * self.scale ** 2

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = _C.rand(*shape, dtype=self.loc.dtype) * 2 - 1
        u = u.clamp(-1 + 1e-7, 1 - 1e-7)
        return self.loc - self.scale * _C.sign(u) * _C.log1p(-u.abs())

    def log_prob(self, value):
        return -_C.log(2 * self.scale) - (_tensor(value, self.loc) - self.loc).abs() / self.scale

    def entropy(self):
        return 1 + _C.log(2 * self.scale)


def _probs_and_logits(probs, logits, binary):
    """(probs, logits) from either, as PyTorch's: probabilities are clamped to [eps, 1 - eps]
    for their logits; categorical probs are normalised, logits made log-probabilities."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    if probs is not None:
        probs = _tensor(probs)
        if not binary:
            probs = probs / probs.sum(-1, True)
        eps = 1.1920928955078125e-07 if probs.dtype == _f32 else 2.220446049250313e-16
        clamped = probs.clamp(eps, 1 - eps)
        return probs, (_C.log(clamped) - _C.log1p(-clamped)) if binary else _C.log(clamped)
    logits = _tensor(logits)
    if binary:
        return _C.sigmoid(logits), logits
    logits = logits - logits.logsumexp(-1, True)
    return _C.softmax(logits, -1), logits


class Bernoulli(Distribution):
    """1 with probability probs (or sigmoid(logits)), else 0."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        given_probs = probs is not None
        self.probs, self.logits = _probs_and_logits(probs, logits, True)
        super().__init__(self.probs.shape, (), validate_args)
        if given_probs:
            self._check("probs", self.probs, (self.probs >= 0) & (self.probs <= 1), "Interval(lower_bound=0.0, "
                                                                                      "upper_bound=1.0)")

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        from .autograd import no_grad
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return (_C.rand(*shape, dtype=self.probs.dtype) < self.probs.detach()).to(self.probs.dtype)

    def log_prob(self, value):
        value = _tensor(value, self.probs)
        self._check_value(value, (value == 0) | (value == 1), "Boolean()")
        # -BCE with logits: value * logits - softplus(logits), stable for large |logits|.
        return value * self.logits - _C._nn.softplus(self.logits, 1.0, 20.0)

    def entropy(self):
        return _C._nn.softplus(self.logits, 1.0, 20.0) - self.probs * self.logits


class Categorical(Distribution):
    """One of K categories (the last dim of probs or logits), with probability probs."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        given_probs = probs is not None
        self.probs, self.logits = _probs_and_logits(probs, logits, False)
        if self.probs.dim() < 1:
            raise ValueError("Categorical: probs or logits must have at least one dimension")
        super().__init__(self.probs.shape[:-1], (), validate_args)
        if given_probs:
            self._check("probs", self.probs, self.probs >= 0, "Simplex()")

    @property
    def num_events(self):
        return self.probs.shape[-1]

    @property
    def mean(self):
        return _C.full(list(self.batch_shape), math.nan, dtype=self.probs.dtype)

    @property
    def variance(self):
        return _C.full(list(self.batch_shape), math.nan, dtype=self.probs.dtype)

    def sample(self, sample_shape=()):
        from ._index_composites import multinomial
        shape = _size(sample_shape)
        n = math.prod(shape)
        if n == 0:
            return _C.zeros(*shape, *self.batch_shape, dtype=_C.dtype.int64)
        rows = self.probs.detach().reshape(-1, self.num_events)
        return multinomial(rows, n, True).t().reshape(*shape, *self.batch_shape)  # [batch, n] drawn

    def log_prob(self, value):
        value = value if isinstance(value, _C.Tensor) else _C.tensor(value)
        whole = value == value.to(_C.dtype.int64).to(value.dtype) if value.dtype != _C.dtype.int64 else value == value
        self._check_value(value, whole & (value >= 0) & (value < self.num_events),
                          f"IntegerInterval(lower_bound=0, upper_bound={self.num_events - 1})")
        value = value.to(_C.dtype.int64)
        from ._layout_composites import broadcast_tensors
        index, logits = broadcast_tensors(value.unsqueeze(-1), self.logits)
        return logits.gather(-1, index.narrow(-1, 0, 1)).squeeze(-1)

    def entropy(self):
        low = -3.4028234663852886e38 if self.logits.dtype == _f32 else -1.7976931348623157e308
        return -(self.logits.clamp(low, math.inf) * self.probs).sum(-1)


class Independent(Distribution):
    """base_distribution with its last reinterpreted_batch_ndims batch dims read as one event:
    log_prob and entropy sum over them (a diagonal Gaussian from Normals)."""

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        n = reinterpreted_batch_ndims
        if n > len(base_distribution.batch_shape):
            raise ValueError(f"Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual {n} vs "
                             f"{len(base_distribution.batch_shape)}")
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, n
        shape = base_distribution.batch_shape
        super().__init__(shape[:len(shape) - n], shape[len(shape) - n:] + base_distribution.event_shape, validate_args)
        self.has_rsample = base_distribution.has_rsample

    def _sum(self, value):
        n = self.reinterpreted_batch_ndims
        return value.sum(tuple(range(-n, 0))) if n else value

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def variance(self):
        return self.base_dist.variance

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return self._sum(self.base_dist.log_prob(value))

    def entropy(self):
        return self._sum(self.base_dist.entropy())


def kl_divergence(p, q):
    """KL(p || q) for pairs of the same family (Normal, Bernoulli, Categorical, Exponential,
    Uniform, Laplace, and Independent of those with the same reinterpreted dims)."""
    if isinstance(p, Independent) and isinstance(q, Independent):
        if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
            raise NotImplementedError("kl_divergence: Independent distributions over different event dims")
        return p._sum(kl_divergence(p.base_dist, q.base_dist))
    kind = (type(p), type(q))
    if kind == (Normal, Normal):
        ratio = (p.scale / q.scale) ** 2
        return 0.5 * (ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - _C.log(ratio))
    if kind == (Bernoulli, Bernoulli):
        # Infinite where q gives no chance to what p does; nothing where p gives it none.
        softplus = _C._nn.softplus
        t1 = p.probs * (softplus(-q.logits, 1.0, 20.0) - softplus(-p.logits, 1.0, 20.0))
        t1 = t1.masked_fill(q.probs == 0, math.inf).masked_fill(p.probs == 0, 0.0)
        t2 = (1 - p.probs) * (softplus(q.logits, 1.0, 20.0) - softplus(p.logits, 1.0, 20.0))
        t2 = t2.masked_fill(q.probs == 1, math.inf).masked_fill(p.probs == 1, 0.0)
        return t1 + t2
    if kind == (Categorical, Categorical):
        t = p.probs * (p.logits - q.logits)
        t = t.masked_fill((q.probs == 0).expand(*t.shape), math.inf)
        return t.masked_fill((p.probs == 0).expand(*t.shape), 0.0).sum(-1)
    if kind == (Exponential, Exponential):
        ratio = q.rate / p.rate
        return ratio - _C.log(ratio) - 1
    if kind == (Laplace, Laplace):
        scale_ratio = p.scale / q.scale
        loc_gap = (p.loc - q.loc).abs()
        return -_C.log(scale_ratio) + loc_gap / q.scale + scale_ratio * _C.exp(-loc_gap / p.scale) - 1
    if kind == (Uniform, Uniform):
        result = _C.log((q.high - q.low) / (p.high - p.low))
        return result.masked_fill((q.low > p.low) | (q.high < p.high), math.inf)
    raise NotImplementedError(f"kl_divergence: no formula for {type(p).__name__} and {type(q).__name__}")

