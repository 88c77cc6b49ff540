# second_derivative: autograd.grad(create_graph=True) for d2/dx2 and a gradient penalty
#
# Teaches: higher-order derivatives. torch.autograd.grad returns gradients as tensors
# instead of filling .grad; with create_graph=True the backward pass is itself recorded,
# so the gradient can be differentiated again. Two uses: the second derivative of a
# function, and a gradient penalty (as in WGAN-GP): a loss on the size of the gradient
# of a model's output with respect to its input, trained by backward() through it.
#
# Exits 0 when first and second derivatives and the penalty's gradient match their
# closed forms.
import sys

import torch
import torch.nn as nn

worst = 0.0

# 1. f(x) = x^4 - 3x^3 + 2x: f' = 4x^3 - 9x^2 + 2, f'' = 12x^2 - 18x.
x = torch.tensor([-1.0, 0.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
f = x ** 4 - 3 * x ** 3 + 2 * x
(df,) = torch.autograd.grad(f.sum(), x, create_graph=True)    # elementwise, so sum() is fine
(d2f,) = torch.autograd.grad(df.sum(), x)
xs = x.detach()
worst = max(worst, (df - (4 * xs ** 3 - 9 * xs ** 2 + 2)).abs().max().item())
worst = max(worst, (d2f - (12 * xs ** 2 - 18 * xs)).abs().max().item())
print("f'(x) ", df.tolist())
print("f''(x)", d2f.tolist())

# 2. tanh: d2/dx2 tanh(x) = -2 tanh(x) (1 - tanh(x)^2).
x = torch.linspace(-2.0, 2.0, 5, dtype=torch.float64).requires_grad_()
(dt,) = torch.autograd.grad(torch.tanh(x).sum(), x, create_graph=True)
(d2t,) = torch.autograd.grad(dt.sum(), x)
t = torch.tanh(x.detach())
worst = max(worst, (d2t - (-2 * t * (1 - t ** 2))).abs().max().item())
print("tanh''", [round(v, 6) for v in d2t.tolist()])

# 3. Gradient penalty on a linear critic D(x) = w.x + b: grad_x D = w for every x, so
#    penalty = (|w| - 1)^2 and d penalty / dw = 2 (|w| - 1) w / |w|.
torch.manual_seed(0)
critic = nn.Linear(2, 1).double()
points = torch.randn(8, 2, dtype=torch.float64, requires_grad=True)
(grad_x,) = torch.autograd.grad(critic(points).sum(), points, create_graph=True)
grad_norm = grad_x.norm(2, dim=1)                             # |grad_x D| per point
penalty = ((grad_norm - 1) ** 2).mean()
penalty.backward()                                            # reaches critic.weight through grad_x
w = critic.weight.detach()
norm_w = w.norm()
expected = 2 * (norm_w - 1) * w / norm_w
worst = max(worst, abs(penalty.item() - (norm_w.item() - 1) ** 2))
worst = max(worst, (critic.weight.grad - expected).abs().max().item())
print(f"penalty {penalty.item():.6f}  d/dw {critic.weight.grad.flatten().tolist()}")

print(f"largest error {worst:.2e}")
if worst > 1e-9:
    print("FAILED: a derivative is off")
    sys.exit(1)
print("OK")
