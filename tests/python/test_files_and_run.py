"""tapedeck.save/load (safetensors), tapedeck.log, and the `python -m tapedeck.run` launcher
that runs PyTorch-style scripts with `import torch` resolving to tapedeck."""
import collections
import os
import subprocess
import sys
import textwrap

import pytest

import tapedeck as td


def test_state_dict_round_trip_keeps_order_and_values(tmp_path):
    state = collections.OrderedDict([("z.weight", td.randn(2, 3)), ("a.bias", td.arange(3)),
                                     ("flag", td.tensor([True, False]))])
    path = tmp_path / "model.safetensors"
    td.save(state, path)
    loaded = td.load(path)
    assert list(loaded) == list(state)
    for name in state:
        assert loaded[name].dtype == state[name].dtype and loaded[name].tolist() == state[name].tolist()


def test_nested_checkpoints_keep_structure(tmp_path):
    w = td.ones(2, requires_grad=True)
    opt = td.optim.SGD([w], lr=0.1, momentum=0.9)
    w.sum().backward()
    opt.step()
    checkpoint = {"optimizer": opt.state_dict(), "epoch": 7, "note": "x", "pair": (1, 2.5), "none": None}
    td.save(checkpoint, tmp_path / "ck.safetensors")
    loaded = td.load(tmp_path / "ck.safetensors")
    assert loaded["epoch"] == 7 and loaded["pair"] == (1, 2.5) and loaded["none"] is None
    fresh = td.optim.SGD([td.ones(2, requires_grad=True)], lr=0.5, momentum=0.9)
    fresh.load_state_dict(loaded["optimizer"])
    assert fresh.param_groups[0]["lr"] == 0.1


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match="cannot store a object"):
        td.save({"thing": object()}, tmp_path / "bad.safetensors")
    with pytest.raises(RuntimeError, match="bad.safetensors"):
        (tmp_path / "bad.safetensors").write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00{}")
        td.load(tmp_path / "bad.safetensors")


def test_log_keeps_scalars_and_writes_csv(tmp_path):
    td.clear_log()
    td.log("loss", td.tensor(0.5))
    td.log("loss", 0.25)
    td.log("acc", 0.9, step=10)
    assert td.logged("loss") == [("loss", 0, 0.5), ("loss", 1, 0.25)]
    td.write_log_csv(tmp_path / "log.csv")
    assert (tmp_path / "log.csv").read_text().splitlines()[1:] == ["loss,0,0.5", "loss,1,0.25", "acc,10,0.9"]


def test_run_launcher_aliases_torch(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import sys
        import torch
        import torch.optim as optim
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        print(torch.__name__, x.grad.tolist(), optim.SGD.__module__, sys.argv[1:])
    """))
    env = dict(os.environ)
    done = subprocess.run([sys.executable, "-m", "tapedeck.run", str(script), "--flag"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["tapedeck", "[2.0,", "4.0]", "tapedeck.optim.engine_optimizers", "['--flag']"]


def test_importing_tapedeck_first_names_the_blas_kernels_this_cpu_supports():
    # OpenBLAS reads OPENBLAS_CORETYPE when it loads: imported first, tapedeck names the
    # kernels the CPU supports, so none is left better than those in use; a core the user
    # named is kept.
    code = "import os, tapedeck; print(tapedeck._C.blas_core(), tapedeck._C.better_blas_core())"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    chosen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.split()[1] == "None", chosen.stdout
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        if not any(line.startswith("flags") and " avx2 " in line + " " and " fma " in line for line in info):
            return  # (Haswell's kernels need AVX2 and FMA)
    env["OPENBLAS_CORETYPE"] = "Haswell"
    named = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert named.returncode == 0, named.stderr
    assert named.stdout.split()[0] == "Haswell", named.stdout
