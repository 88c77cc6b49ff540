# linreg: linear regression with nn.Linear, MSELoss and SGD recovers a line's slope and intercept
#
# Teaches: the basic training loop. A model (nn.Linear(1, 1)), a loss (nn.MSELoss), an
# optimizer (optim.SGD), and per step: zero_grad, forward, loss, backward, step. The data
# are 100 noisy points of y = 3x - 2; the learned weight and bias are the slope and the
# intercept.
#
# Exits 0 when the slope is within 0.1 of 3 and the intercept within 0.1 of -2.
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)

true_slope, true_intercept = 3.0, -2.0
x = torch.rand(100, 1) * 4 - 2                          # 100 points in [-2, 2)
y = true_slope * x + true_intercept + 0.1 * torch.randn(100, 1)

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for step in range(200):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 40 == 0 or step == 199:
        print(f"step {step:3d}  loss {loss.item():.5f}")

slope = model.weight.item()
intercept = model.bias.item()
print(f"learned y = {slope:.3f} x + {intercept:.3f}  (true y = {true_slope} x + {true_intercept})")

if abs(slope - true_slope) > 0.1 or abs(intercept - true_intercept) > 0.1:
    print("FAILED: the line was not recovered")
    sys.exit(1)
print("OK")
