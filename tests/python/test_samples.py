"""Runs every Python sample (samples/python/*.py) twice: under Tapedeck through the
`python -m tapedeck.run` alias, and plainly under PyTorch when it is installed. Each run
must exit 0, which every sample does only when it reaches the result it states
(STYLE.md 19: samples are lessons, and a test runs each)."""
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples" / "python"
SAMPLES = sorted(SAMPLES_DIR.glob("*.py"))
TIMEOUT_S = 60
# The first line is what the IDE's Samples menu shows: "# name: what it does".
DESCRIPTION_LINE = re.compile(r"^# ([a-z0-9_]+): \S.*$")


def _environment():
    """This process's environment, one thread per library (the samples are sized for one core)."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _without_tapedeck_path():
    """The environment minus PYTHONPATH, so `import torch` finds the real PyTorch."""
    env = _environment()
    env.pop("PYTHONPATH", None)
    return env


@functools.lru_cache(maxsize=None)
def _real_torch_available():
    probe = subprocess.run([sys.executable, "-c", "import torch"], env=_without_tapedeck_path(),
                           capture_output=True, timeout=TIMEOUT_S)
    return probe.returncode == 0


def _run(arguments, env, cwd):
    result = subprocess.run([sys.executable, *arguments], env=env, cwd=cwd, capture_output=True,
                            text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, (
        f"{' '.join(arguments)} exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}")
    return result.stdout


def test_there_are_samples():
    assert SAMPLES, f"no samples found in {SAMPLES_DIR}"


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_sample_starts_with_its_description(sample):
    first_line = sample.read_text(encoding="utf-8").splitlines()[0]
    match = DESCRIPTION_LINE.match(first_line)
    assert match, f"{sample.name}: first line must be '# {sample.stem}: description', got {first_line!r}"
    assert match.group(1) == sample.stem, f"{sample.name}: the description names {match.group(1)!r}"


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_sample_under_tapedeck(sample, tmp_path):
    _run(["-m", "tapedeck.run", str(sample)], _environment(), tmp_path)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_sample_under_pytorch(sample, tmp_path):
    if not _real_torch_available():
        pytest.skip("PyTorch is not installed (Debian: python3-torch); only the Tapedeck run is checked")
    _run([str(sample)], _without_tapedeck_path(), tmp_path)


def test_launcher_aliases_torch_to_tapedeck(tmp_path):
    """The Tapedeck half above is only meaningful if `-m tapedeck.run` really swaps the module."""
    script = tmp_path / "which_torch.py"
    script.write_text("import torch\nimport torch.nn.functional as F\nprint(torch.__name__, F.__name__)\n")
    assert _run(["-m", "tapedeck.run", str(script)], _environment(), tmp_path).split() == [
        "tapedeck", "tapedeck.nn.functional"]
