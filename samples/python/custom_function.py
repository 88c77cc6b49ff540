# custom_function: your own autograd.Function with ctx.save_for_backward, its gradient checked
#
# Teaches: how to add an op with a hand-written derivative. A torch.autograd.Function
# has a static forward(ctx, ...) that computes the result and saves what backward needs
# (ctx.save_for_backward), and a static backward(ctx, grad_output) that turns the
# output's gradient into the input's (the chain rule). Call it with .apply. Then check
# it: against the analytic derivative, against central differences in float64 (what
# torch.autograd.gradcheck does), and against autograd's own gradient of the same
# function built from built-in ops.
#
# Exits 0 when all three checks agree to 1e-6.
import sys

import torch


class Cube(torch.autograd.Function):
    """y = x**3, dy/dx = 3 x**2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x * x


class ClippedReLU(torch.autograd.Function):
    """y = min(max(x, 0), 1): the gradient passes only where 0 < x < 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0.0, max=1.0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output.masked_fill(x <= 0, 0.0).masked_fill(x >= 1, 0.0)


torch.manual_seed(0)
x = torch.randn(6, dtype=torch.float64, requires_grad=True)
worst = 0.0

# 1. Cube against its analytic derivative.
Cube.apply(x).sum().backward()
analytic = 3 * x.detach() ** 2
worst = max(worst, (x.grad - analytic).abs().max().item())
print("Cube grad    ", [round(v, 4) for v in x.grad.tolist()])

# 2. Cube against central differences: (f(x + h) - f(x - h)) / 2h, one coordinate at a time.
h = 1e-6
with torch.no_grad():
    for i in range(x.numel()):
        step = torch.zeros_like(x)
        step[i] = h
        numeric = (Cube.apply(x + step).sum() - Cube.apply(x - step).sum()).item() / (2 * h)
        worst = max(worst, abs(numeric - x.grad[i].item()))

# 3. ClippedReLU against autograd's gradient of the built-in clamp (away from the kinks).
z = torch.tensor([-1.0, 0.2, 0.5, 0.9, 1.7], dtype=torch.float64, requires_grad=True)
(ClippedReLU.apply(z) * torch.arange(1.0, 6.0, dtype=torch.float64)).sum().backward()
ours = z.grad.clone()
z.grad = None
(z.clamp(0.0, 1.0) * torch.arange(1.0, 6.0, dtype=torch.float64)).sum().backward()
print("ClippedReLU  ", ours.tolist(), " built-in clamp", z.grad.tolist())
worst = max(worst, (ours - z.grad).abs().max().item())

print(f"largest disagreement {worst:.2e}")
if worst > 1e-6:
    print("FAILED: a gradient disagrees")
    sys.exit(1)
print("OK")
