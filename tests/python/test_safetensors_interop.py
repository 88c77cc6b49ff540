"""safetensors files cross both ways between Tapedeck's reader/writer and the reference
`safetensors` package (a test-only tool from PyPI; the test skips with the reason when it
is absent). The engine's side is tests/tools/safetensors_tool (its path in
TAPEDECK_SAFETENSORS_TOOL), which writes a fixed state dict and dumps a file as JSON."""
import json
import os
import subprocess

import numpy as np
import pytest

safetensors_numpy = pytest.importorskip(
    "safetensors.numpy", reason="the reference `safetensors` package is not installed "
    "(test-only, from PyPI: python3 -m pip install --user --break-system-packages safetensors)")
from safetensors import safe_open  # noqa: E402

TOOL = os.environ.get("TAPEDECK_SAFETENSORS_TOOL", "")

# The fixed dict safetensors_tool writes.
EXPECTED = {
    "f32": np.arange(6, dtype=np.float32).reshape(2, 3) / np.float32(4) - np.float32(1),
    "f64": np.arange(4, dtype=np.float64) / 3.0,
    "i64": np.array([[-5], [-4], [-1]], dtype=np.int64),
    "flag": np.array([True, False, True, False, True]),
    "scalar": np.array(3.5, dtype=np.float32),
    "empty": np.zeros((0, 2), dtype=np.float32),
}


def run_tool(*args):
    assert TOOL and os.path.exists(TOOL), f"TAPEDECK_SAFETENSORS_TOOL={TOOL!r} is not a built tool"
    done = subprocess.run([TOOL, *args], capture_output=True, text=True, check=False)
    return done


def test_reference_reads_what_tapedeck_writes(tmp_path):
    path = str(tmp_path / "ours.safetensors")
    done = run_tool("write", path)
    assert done.returncode == 0, done.stderr
    loaded = safetensors_numpy.load_file(path)
    assert sorted(loaded) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        assert loaded[name].dtype == expected.dtype, name
        assert loaded[name].shape == expected.shape, name
        np.testing.assert_array_equal(loaded[name], expected, err_msg=name)
    with safe_open(path, framework="numpy") as f:
        assert f.metadata() == {"format": "pt", "tool": "tapedeck"}


def dump(path):
    done = run_tool("dump", path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_tapedeck_reads_what_the_reference_writes(tmp_path):
    path = str(tmp_path / "reference.safetensors")
    safetensors_numpy.save_file(EXPECTED, path, metadata={"written_by": "safetensors"})
    out = dump(path)
    assert out["metadata"] == {"written_by": "safetensors"}
    assert sorted(out["tensors"]) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        got = out["tensors"][name]
        assert got["dtype"] == ("bool" if expected.dtype == np.bool_ else str(expected.dtype)), name
        assert tuple(got["shape"]) == expected.shape, name
        np.testing.assert_array_equal(np.array(got["values"], dtype=np.float64),
                                      expected.astype(np.float64).ravel(), err_msg=name)


def test_half_precision_from_the_reference_loads_as_float32(tmp_path):
    values = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1035156e-05, 5.9604645e-08, np.inf, -np.inf],
                      dtype=np.float16)
    path = str(tmp_path / "half.safetensors")
    safetensors_numpy.save_file({"h": values.reshape(3, 3)}, path)
    got = dump(path)["tensors"]["h"]
    assert got["dtype"] == "float32" and got["shape"] == [3, 3]
    expected = values.astype(np.float32).astype(np.float64)
    # JSON has no infinities: nlohmann writes them as null.
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(np.array(got["values"], dtype=object)[finite].astype(np.float64), expected[finite])


def test_bfloat16_from_the_reference_loads_as_float32(tmp_path):
    torch = pytest.importorskip("torch", reason="bfloat16 files are written with torch (python3-torch)")
    safetensors_torch = pytest.importorskip("safetensors.torch", reason="safetensors without its torch API")
    values = torch.tensor([0.0, 1.0, -3.0, 0.15625, 1e30, -2.0 ** -130], dtype=torch.bfloat16)
    path = str(tmp_path / "bf16.safetensors")
    safetensors_torch.save_file({"b": values}, path)
    got = dump(path)["tensors"]["b"]
    assert got["dtype"] == "float32"
    np.testing.assert_array_equal(np.array(got["values"]), values.float().double().numpy())
