"""Engine errors arrive as RuntimeError (tapedeck.TapedeckError) with the engine's message
and the Python caller's file:line, never a crash; calls through the package's own Python
code record the user's line, not the package's."""
import pytest

import tapedeck as td
from conftest import line_of


def test_shape_error_names_op_shapes_and_line():
    a, b = td.ones(2, 3), td.ones(4)
    with pytest.raises(td.TapedeckError) as info:
        a + b  # THE LINE
    message = str(info.value)
    assert "add" in message and "[2, 3]" in message and "[4]" in message
    assert f"test_errors_and_lines.py:{line_of('THE LINE', test_shape_error_names_op_shapes_and_line)}" in message
    assert isinstance(info.value, RuntimeError)


def test_lines_through_the_package_are_the_callers():
    # tapedeck.autograd.grad is Python code inside the package: the line is this one.
    x = td.ones(2, requires_grad=True)
    y = td.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        td.autograd.grad((x * 2).sum(), [y])  # GRAD LINE
    line = line_of("GRAD LINE", test_lines_through_the_package_are_the_callers)
    assert f"test_errors_and_lines.py:{line}" in str(info.value)
    assert "autograd.py" not in str(info.value)


def test_bad_arguments_are_python_errors_not_crashes():
    with pytest.raises(TypeError):
        td.zeros("a")
    with pytest.raises(RuntimeError, match="negative"):
        td.zeros(-1)
    with pytest.raises(RuntimeError):
        td.ones(2).view(3)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(td.ones(2))
    with pytest.raises(RuntimeError):
        td.ones(2, requires_grad=True).add_(1)  # in-place on a leaf that requires grad
    with pytest.raises(ValueError, match="reduction"):
        td._C._nn.mse_loss(td.ones(2), td.ones(2), reduction="avg")
