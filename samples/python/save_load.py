# save_load: torch.save a trained model's state_dict and load it into a fresh model
#
# Teaches: checkpoints. A model's state_dict() maps parameter names ("0.weight",
# "2.bias", ...) to tensors; torch.save writes it to a file and torch.load reads it
# back; load_state_dict copies the values into a newly built model of the same shape.
# The recommended practice is to save the state_dict rather than the whole model object.
#
# Exits 0 when the loaded model gives exactly the trained model's outputs.
import os
import sys
import tempfile

import torch
import torch.nn as nn


def make_model():
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))


torch.manual_seed(0)
x = torch.randn(64, 4)
y = x.sum(dim=1, keepdim=True).sin()                  # something smooth to fit

model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(100):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"trained: loss {loss.item():.4f}")

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "model.pt")
    torch.save(model.state_dict(), path)
    print(f"saved {len(model.state_dict())} tensors ({os.path.getsize(path)} bytes): {list(model.state_dict())}")

    restored = make_model()                            # fresh, differently initialised
    with torch.no_grad():
        before = (restored(x) - model(x)).abs().max().item()
    restored.load_state_dict(torch.load(path))

restored.eval()
model.eval()
with torch.no_grad():
    after = (restored(x) - model(x)).abs().max().item()
print(f"largest output difference: fresh model {before:.4f}, loaded model {after:.1e}")

if before == 0.0 or after != 0.0:
    print("FAILED: the loaded model does not reproduce the trained one")
    sys.exit(1)
print("OK")
