"""matplotlib pinned to the IDE's backend (tapedeck.debug.mpl_pin), each case in a fresh
interpreter: pyplot picks its backend once, on the first figure."""
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("matplotlib", reason="python3-matplotlib is not installed (scripts/install-deps.sh installs it)")

BACKEND = "module://tapedeck.debug.mpl_backend"


def run(body, pin_first=True):
    """Runs `body` after pinning (before or after matplotlib loads); returns stdout+stderr."""
    setup = "from tapedeck.debug import mpl_pin\nmpl_pin.install()\n"
    code = (setup + textwrap.dedent(body)) if pin_first else (
        "import matplotlib.pyplot\n" + setup + textwrap.dedent(body))
    env = dict(os.environ, MPLBACKEND=BACKEND)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_use_and_switch_backend_are_answered_with_the_ides():
    out = run("""
        import matplotlib
        matplotlib.use("TkAgg")
        import matplotlib.pyplot as plt
        plt.switch_backend(newbackend="QtAgg")
        plt.plot([1, 2])
        print("backend", matplotlib.get_backend())
    """)
    assert "'TkAgg' ignored in the IDE" in out
    assert "'QtAgg' ignored in the IDE" in out
    assert f"backend {BACKEND}" in out


def test_rcparams_before_the_first_figure():
    out = run("""
        import matplotlib
        matplotlib.rcParams["backend"] = "TkAgg"
        import matplotlib.pyplot as plt
        plt.figure()
        plt.plot([1, 2])
        plt.show()
        print("backend", matplotlib.get_backend())
    """)
    # Without a display matplotlib itself sets an interactive choice aside (its backend
    # fallback) before asking for one; with a display the pin refuses it. Either way:
    assert f"backend {BACKEND}" in out


def test_pinned_when_matplotlib_was_loaded_first():
    out = run("""
        import matplotlib
        import matplotlib.pyplot as plt
        matplotlib.use("Agg")  # what the IDE draws with: said nothing about
        plt.plot([1, 2])
        print("backend", matplotlib.get_backend())
    """, pin_first=False)
    assert "ignored" not in out
    assert f"backend {BACKEND}" in out
