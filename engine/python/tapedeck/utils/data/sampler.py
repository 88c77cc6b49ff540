"""Samplers, as PyTorch's: the order (or the draws) of dataset indices a DataLoader takes
through sampler=, or batches of them through batch_sampler=. Random ones draw from tapedeck's
global generator, so manual_seed makes them repeat."""
import numbers

from ... import _C


class Sampler:
    """Subclasses implement __iter__ (indices) and, when they know it, __len__."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement __iter__")


def _count(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")
    return int(value)


def _no_generator(generator, name):
    if generator is not None:
        raise NotImplementedError(f"{name}: generator= is not supported by tapedeck (random samplers draw from the "
                                  f"global generator: seed it with tapedeck.manual_seed)")


def _flag(value, name):
    if not isinstance(value, bool):
        raise TypeError(f"{name} should be a boolean value, but got {name}={value}")
    return value


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices (num_samples of them, in several permutations when
    more than there are), or, with replacement, num_samples independent draws."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        _no_generator(generator, "RandomSampler")
        self.data_source = data_source
        self.replacement = _flag(replacement, "replacement")
        self._num_samples = None if num_samples is None else _count(num_samples, "num_samples")
        _count(self.num_samples, "num_samples")  # (an empty data source has none to give)
        self.generator = generator

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if n == 0:
            raise ValueError("RandomSampler: the data source is empty: there is nothing to draw")
        if self.replacement:
            return iter(_C.randint(0, n, (self.num_samples,)).tolist())
        order = []
        while len(order) < self.num_samples:
            order += _C.randperm(n).tolist()
        return iter(order[:self.num_samples])

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order each epoch."""

    def __init__(self, indices, generator=None):
        _no_generator(generator, "SubsetRandomSampler")
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self):
        return iter([self.indices[i] for i in _C.randperm(len(self.indices)).tolist()])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices drawn with probability proportional to weights (with replacement by
    default): oversampling rare classes."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _no_generator(generator, "WeightedRandomSampler")
        self.num_samples = _count(num_samples, "num_samples")
        self.replacement = _flag(replacement, "replacement")
        weights = weights if isinstance(weights, _C.Tensor) else _C.tensor(list(weights), dtype=_C.dtype.float64)
        if weights.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights = weights.to(_C.dtype.float64)
        self.generator = generator

    def __iter__(self):
        from ..._index_composites import multinomial
        return iter(multinomial(self.weights, self.num_samples, self.replacement).tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of batch_size indices from sampler (the last one shorter, unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        self.sampler = sampler
        self.batch_size = _count(batch_size, "batch_size")
        self.drop_last = _flag(drop_last, "drop_last")

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size
