"""tapedeck.datasets: the engine's teaching datasets and file readers as TensorDatasets.

Synthetic sets take (n, noise, seed) and are the same for a seed in C++ and Python:
xor, two_moons, circles, spirals, blobs, sine, polynomial (regression targets), bars and
shapes (small images for CNN lessons). fashion_mnist(split) reads Debian's
dataset-fashion-mnist; read_idx and read_csv read any IDX or numeric CSV file.
"""
from . import _C
from .utils.data import TensorDataset


def _dataset(pair):
    return TensorDataset(*pair)


def xor(n, noise=0.1, seed=0):
    """[n, 2] points in [-1, 1]^2; class 1 when the signs of x and y differ."""
    return _dataset(_C._data.xor(n, noise, seed))


def two_moons(n, noise=0.1, seed=0):
    """[n, 2]: two interleaved half circles."""
    return _dataset(_C._data.two_moons(n, noise, seed))


def circles(n, noise=0.05, seed=0, factor=0.5):
    """[n, 2]: class 0 on the unit circle, class 1 on a circle of radius `factor`."""
    return _dataset(_C._data.circles(n, noise, seed, factor))


def spirals(n, noise=0.2, seed=0, classes=3):
    """[n, 2]: `classes` interleaved spiral arms."""
    return _dataset(_C._data.spirals(n, noise, seed, classes))


def blobs(n, noise=1.0, seed=0, centers=3, dims=2):
    """[n, dims]: Gaussian blobs around `centers` random centres."""
    return _dataset(_C._data.blobs(n, noise, seed, centers, dims))


def sine(n, noise=0.1, seed=0):
    """x [n, 1] in [-pi, pi]; targets [n] = sin(x) + noise."""
    return _dataset(_C._data.sine(n, noise, seed))


def polynomial(n, noise=0.1, seed=0, coefficients=(0.0, -1.0, 0.0, 0.5)):
    """x [n, 1] in [-2, 2]; targets [n] = sum_k coefficients[k] x^k + noise."""
    return _dataset(_C._data.polynomial(n, noise, seed, list(coefficients)))


def bars(n, noise=0.1, seed=0, size=8):
    """[n, 1, size, size] images: class 0 a vertical bar, class 1 a horizontal one."""
    return _dataset(_C._data.bars(n, noise, seed, size))


def shapes(n, noise=0.1, seed=0, size=12):
    """[n, 1, size, size] images: a square outline, a cross or a circle outline."""
    return _dataset(_C._data.shapes(n, noise, seed, size))


def fashion_mnist(split="train", root="/usr/share/datasets/fashion-mnist"):
    """Fashion-MNIST from Debian's dataset-fashion-mnist: images [N, 28, 28] float32 in 0..255, labels int64."""
    return _dataset(_C._data.fashion_mnist(split, root))


def read_idx(path):
    """One IDX file (plain or gzip) as a tensor."""
    return _C._data.read_idx(str(path))


def read_csv(path, target=-1, header=None, target_dtype=None, delimiter=","):
    """A numeric CSV as a TensorDataset (inputs float32, targets int64 when all integers);
    target: a column index or name, or None for no target."""
    inputs, targets, _, _ = _C._data.read_csv(str(path), target, header, target_dtype, delimiter)
    return TensorDataset(inputs) if targets is None else TensorDataset(inputs, targets)
