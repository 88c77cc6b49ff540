# spiral: an nn.Module subclass classifies three interleaved spirals with mini-batches from a DataLoader
#
# Teaches: the usual shape of a PyTorch project. The model is a subclass of nn.Module
# (layers made in __init__, forward written with F.relu); the data sit in a TensorDataset
# and a DataLoader hands out shuffled mini-batches; F.cross_entropy takes raw logits and
# integer class labels; Adam's weight_decay adds L2 regularisation; model.eval() and
# torch.no_grad() mark the evaluation pass.
#
# Exits 0 at >= 90% training accuracy.
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

POINTS_PER_CLASS, CLASSES = 100, 3


def make_spirals():
    """Three spiral arms in the plane, one per class, with a little angular noise."""
    features, labels = [], []
    for k in range(CLASSES):
        radius = torch.linspace(0.0, 1.0, POINTS_PER_CLASS)
        angle = torch.linspace(4.0 * k, 4.0 * (k + 1), POINTS_PER_CLASS) + 0.2 * torch.randn(POINTS_PER_CLASS)
        features.append(torch.stack([radius * torch.sin(angle), radius * torch.cos(angle)], dim=1))
        labels.append(torch.full((POINTS_PER_CLASS,), k, dtype=torch.long))
    return torch.cat(features), torch.cat(labels)


class SpiralNet(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, CLASSES)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.out(x)                      # logits: cross_entropy applies log-softmax


features, labels = make_spirals()
loader = DataLoader(TensorDataset(features, labels), batch_size=32, shuffle=True)
model = SpiralNet()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)

for epoch in range(60):
    model.train()
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
    if epoch % 10 == 0 or epoch == 59:
        print(f"epoch {epoch:2d}  mean loss {total / len(labels):.4f}")

model.eval()
with torch.no_grad():
    accuracy = (model(features).argmax(dim=1) == labels).float().mean().item()
print(f"training accuracy {accuracy:.1%}")

if accuracy < 0.90:
    print("FAILED: accuracy below 90%")
    sys.exit(1)
print("OK")
