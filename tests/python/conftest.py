"""Shared fixtures of the Python tests: `tapedeck` is imported from the build tree
(PYTHONPATH set by CTest to <build>/python)."""
import inspect


def line_of(marker, function):
    """The line number, in `function`'s file, of the first source line containing `marker`."""
    lines, start = inspect.getsourcelines(function)
    for offset, text in enumerate(lines):
        if marker in text:
            return start + offset
    raise AssertionError(f"no line containing {marker!r}")
