"""tapedeck.datasets: the engine's synthetic sets (the same values as from C++ for a seed),
Fashion-MNIST from Debian's package, and the IDX/CSV readers, as TensorDatasets."""
import os

import pytest

import tapedeck as td


@pytest.mark.parametrize("make,shape", [
    (lambda: td.datasets.xor(40), (40, 2)), (lambda: td.datasets.two_moons(40), (40, 2)),
    (lambda: td.datasets.circles(40), (40, 2)), (lambda: td.datasets.spirals(30, classes=3), (30, 2)),
    (lambda: td.datasets.blobs(40, dims=3), (40, 3)), (lambda: td.datasets.sine(40), (40, 1)),
    (lambda: td.datasets.polynomial(40), (40, 1)), (lambda: td.datasets.bars(10, size=8), (10, 1, 8, 8)),
    (lambda: td.datasets.shapes(9, size=12), (9, 1, 12, 12)),
])
def test_synthetic_sets_are_seeded_tensor_datasets(make, shape):
    a, b = make(), make()
    assert isinstance(a, td.utils.data.TensorDataset) and a.tensors[0].shape == shape
    assert a.tensors[0].tolist() == b.tensors[0].tolist(), "same seed, same data"


def test_fashion_mnist_test_split():
    if not os.path.exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"):
        pytest.skip("needs the Debian package dataset-fashion-mnist")
    data = td.datasets.fashion_mnist("test")
    images, labels = data.tensors
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,) and labels.max().item() == 9


def test_csv_and_errors(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,y,label\n1.5,2,0\n3,4.25,1\n")
    data = td.datasets.read_csv(path, target="label")
    assert data.tensors[0].tolist() == [[1.5, 2.0], [3.0, 4.25]] and data.tensors[1].tolist() == [0, 1]
    path.write_text("x,y\n1,oops\n")
    with pytest.raises(RuntimeError, match="line 2, column 2: non-numeric cell"):
        td.datasets.read_csv(path)
    with pytest.raises(RuntimeError, match="missing.idx"):
        td.datasets.read_idx(tmp_path / "missing.idx")
