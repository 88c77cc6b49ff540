# hooks: watch and change gradients (register_hook, retain_grad), capture activations (forward hooks)
#
# Teaches: how to look inside a backward and a forward pass. Only leaves keep .grad;
# retain_grad() asks an intermediate tensor to keep its own. A tensor hook
# (register_hook) sees the gradient flowing into a tensor and may return a replacement
# (here: gradient scaling). A module forward hook (register_forward_hook) sees each
# layer's input and output, which is how activations are logged; its handle's remove()
# detaches it again.
#
# Exits 0 when every observed gradient and activation equals its hand-computed value.
import sys

import torch
import torch.nn as nn

failures = []


def expect(name, got, want):
    ok = all(abs(g - w) < 1e-5 for g, w in zip(got, want)) and len(got) == len(want)
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {[round(g, 4) for g in got]}")
    if not ok:
        failures.append(name)


# 1. retain_grad and a watching hook: z = sum(y**2) with y = 3x, so dz/dy = 2y and dz/dx = 18x.
x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
y = 3 * x
y.retain_grad()
seen = []
y.register_hook(lambda grad: seen.append(grad.tolist()))      # returns None: grad unchanged
(y ** 2).sum().backward()
expect("hook saw dz/dy = 2y", seen[0], [6.0, -12.0, 3.0])
expect("y.grad (retain_grad)", y.grad.tolist(), [6.0, -12.0, 3.0])
expect("x.grad = 18x", x.grad.tolist(), [18.0, -36.0, 9.0])

# 2. A hook that returns a new gradient replaces it for everything upstream.
x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
y = 3 * x
y.register_hook(lambda grad: grad * 0.5)                      # halve the gradient through y
(y ** 2).sum().backward()
expect("x.grad halved by the hook", x.grad.tolist(), [9.0, -18.0, 4.5])

# 3. Forward hooks record each layer's output as the model runs.
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
activations = {}


def remember(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()
    return hook


handles = [layer.register_forward_hook(remember(name)) for name, layer in model.named_children()]
out = model(torch.tensor([[1.0, 2.0, 3.0]]))
print("captured layers:", sorted(activations))
with torch.no_grad():
    first = model[0](torch.tensor([[1.0, 2.0, 3.0]]))
expect("layer 0 output", activations["0"].flatten().tolist(), first.flatten().tolist())
expect("layer 1 = relu(layer 0)", activations["1"].flatten().tolist(), first.clamp(min=0).flatten().tolist())
expect("layer 2 output = model output", activations["2"].flatten().tolist(), out.flatten().tolist())

for handle in handles:
    handle.remove()
activations.clear()
model(torch.ones(1, 3))
expect("no captures after remove()", [float(len(activations))], [0.0])

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("OK")
