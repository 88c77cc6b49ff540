# xor_mlp: a two-layer MLP (Sequential, Tanh) learns XOR with BCEWithLogitsLoss and Adam
#
# Teaches: why hidden layers matter. XOR is not linearly separable, so a single
# nn.Linear cannot fit it; Linear -> Tanh -> Linear can. The model outputs logits and
# nn.BCEWithLogitsLoss folds the sigmoid into the loss (stabler than Sigmoid + BCELoss);
# torch.sigmoid turns logits into probabilities only for reporting. Adam trains it.
#
# Exits 0 when all four XOR cases are classified right.
import sys

import torch
import torch.nn as nn

torch.manual_seed(1)

inputs = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
targets = torch.tensor([[0.0], [1.0], [1.0], [0.0]])

model = nn.Sequential(
    nn.Linear(2, 8),
    nn.Tanh(),
    nn.Linear(8, 1),
)
loss_fn = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

for epoch in range(300):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    if epoch % 60 == 0 or epoch == 299:
        print(f"epoch {epoch:3d}  loss {loss.item():.4f}")

with torch.no_grad():
    probabilities = torch.sigmoid(model(inputs))
correct = 0
for (a, b), p, t in zip(inputs.tolist(), probabilities.flatten().tolist(), targets.flatten().tolist()):
    predicted = 1 if p > 0.5 else 0
    correct += predicted == int(t)
    print(f"{int(a)} xor {int(b)} -> p = {p:.3f}  predicted {predicted}  expected {int(t)}")
print(f"{correct}/4 right")

if correct != 4:
    print("FAILED: XOR not learned")
    sys.exit(1)
print("OK")
