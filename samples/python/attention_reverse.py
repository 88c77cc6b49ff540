# attention_reverse: a one-layer Transformer encoder learns to reverse a sequence of tokens
#
# Teaches: what attention is for. To write position i of the reversed sequence, the model
# must read the token at position L - 1 - i: no fixed local pattern does that, but
# attention can, once each token carries its position (a learned position embedding added
# to the token embedding). nn.TransformerEncoderLayer is self-attention (nn.MultiheadAttention:
# softmax(q k^T / sqrt(d)) v per head) and a feed-forward block, each with a residual
# connection and LayerNorm. In the IDE, open the graph's self_attn group to watch the scores,
# the softmax and the weighted sum; the attention weights at the end show which position
# each output looked at.
#
# Exits 0 when it reverses >= 95% of the tokens of fresh sequences and output position 0
# attends most to the last input position.
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

VOCAB, LENGTH, WIDTH = 8, 6, 32


class Reverser(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, WIDTH)
        self.positions = nn.Embedding(LENGTH, WIDTH)
        self.encoder = nn.TransformerEncoderLayer(WIDTH, nhead=4, dim_feedforward=64, dropout=0.0,
                                                  batch_first=True)
        self.readout = nn.Linear(WIDTH, VOCAB)

    def forward(self, x):                                   # x: [N, LENGTH] token ids
        h = self.tokens(x) + self.positions(torch.arange(LENGTH))
        return self.readout(self.encoder(h))                 # [N, LENGTH, VOCAB] logits


def batch(n):
    x = torch.randint(0, VOCAB, (n, LENGTH))
    return x, x[:, torch.arange(LENGTH - 1, -1, -1)]         # the target: x reversed


model = Reverser()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(300):
    x, y = batch(64)
    loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 50 == 0 or step == 299:
        print(f"step {step:3d}  loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    x, y = batch(500)
    accuracy = (model(x).argmax(dim=-1) == y).float().mean().item()
    # Where the first output position looked: attention weights [LENGTH, LENGTH] of one sequence.
    h = model.tokens(x[:1]) + model.positions(torch.arange(LENGTH))
    _, weights = model.encoder.self_attn(h, h, h)
looked_at = weights[0, 0].argmax().item()
print(f"reversed {accuracy:.1%} of the tokens")
print("output position 0 attends most to input position", looked_at, f"(the last one is {LENGTH - 1})")

if accuracy < 0.95:
    print("FAILED: accuracy below 95%")
    sys.exit(1)
if looked_at != LENGTH - 1:
    print("FAILED: position 0 does not read the last token")
    sys.exit(1)
print("OK")
