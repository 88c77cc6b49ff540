# cnn_bars: a small CNN (Conv2d, MaxPool2d, Flatten) tells vertical from horizontal bars in 12x12 images
#
# Teaches: convolutions find local patterns wherever they sit. Conv2d-ReLU-MaxPool2d
# twice, then nn.Flatten and a Linear head, trained with SGD with momentum on 400
# images in shuffled batches of 40, and tested on 200 images it has never seen. Images
# are [N, channels, height, width]; the data are made with tensor ops (one_hot, where).
#
# Exits 0 at >= 90% held-out accuracy.
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(3)
SIZE = 12


def make_bars(count, noise=0.3):
    """Images [count, 1, 12, 12] with one bright bar; label 0 = vertical, 1 = horizontal."""
    labels = torch.randint(0, 2, (count,))
    position = F.one_hot(torch.randint(0, SIZE, (count,)), SIZE).float()     # [count, 12]
    vertical = position.unsqueeze(1).expand(count, SIZE, SIZE)               # a bright column
    horizontal = vertical.transpose(1, 2)                                    # a bright row
    is_horizontal = labels.bool().reshape(count, 1, 1)
    images = torch.where(is_horizontal, horizontal, vertical)
    images = images + noise * torch.randn(count, SIZE, SIZE)
    return images.unsqueeze(1), labels


train_x, train_y = make_bars(400)
test_x, test_y = make_bars(200)

model = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # -> 8 x 6 x 6
    nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # -> 16 x 3 x 3
    nn.Flatten(),
    nn.Linear(16 * 3 * 3, 2),
)
optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
loader = DataLoader(TensorDataset(train_x, train_y), batch_size=40, shuffle=True)

for epoch in range(12):
    model.train()
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
    print(f"epoch {epoch}  mean loss {total / len(train_y):.4f}")

model.eval()
with torch.no_grad():
    accuracy = (model(test_x).argmax(dim=1) == test_y).float().mean().item()
print(f"held-out accuracy {accuracy:.1%} on {len(test_y)} new images")

if accuracy < 0.90:
    print("FAILED: accuracy below 90%")
    sys.exit(1)
print("OK")
