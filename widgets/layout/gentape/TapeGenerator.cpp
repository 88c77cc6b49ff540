#include "TapeGenerator.h"

#include <stdexcept>

#include "TapeBuilder.h"

namespace td::layout::gentape {

namespace {

// --- building blocks, each one module call --------------------------------------------

int linear(TapeBuilder& b, const std::string& name, int x, bool bias = true) {
  b.enter(name);
  int y = b.op("matmul", {x, b.leaf("weight")});
  if (bias) y = b.op("add", {y, b.leaf("bias")});
  b.leave();
  return y;
}

// Layer or batch norm written from primitives, as a composite records it.
int norm(TapeBuilder& b, const std::string& name, int x) {
  b.enter(name);
  const int mean = b.op("mean", {x});
  const int centred = b.op("sub", {x, mean});
  const int square = b.op("pow", {centred});
  const int variance = b.op("mean", {square});
  const int shifted = b.op("add", {variance});
  const int scale = b.op("rsqrt", {shifted});
  int y = b.op("mul", {centred, scale});
  y = b.op("mul", {y, b.leaf("weight")});
  y = b.op("add", {y, b.leaf("bias")});
  b.leave();
  return y;
}

int softmax(TapeBuilder& b, int x) {
  b.enter("softmax");
  const int max = b.op("amax", {x});
  const int shifted = b.op("sub", {x, max});
  const int e = b.op("exp", {shifted});
  const int sum = b.op("sum", {e});
  const int y = b.op("div", {e, sum});
  b.leave();
  return y;
}

int heads(TapeBuilder& b, int x) { return b.op("transpose", {b.op("view", {x})}); }

int attention(TapeBuilder& b, int x, bool mask, bool dropout) {
  b.enter("attn");
  const int q = heads(b, linear(b, "q", x));
  const int k = heads(b, linear(b, "k", x));
  const int v = heads(b, linear(b, "v", x));
  int scores = b.op("matmul", {q, b.op("transpose", {k})});
  scores = b.op("div", {scores});
  if (mask) scores = b.op("masked_fill", {scores, b.leaf("mask")});
  int p = softmax(b, scores);
  if (dropout) p = b.op("dropout", {p});
  int out = b.op("matmul", {p, v});
  out = b.op("view", {b.op("transpose", {out})});
  out = linear(b, "out", out);
  b.leave();
  return out;
}

// --- the families ------------------------------------------------------------------------

void mlp(TapeBuilder& b) {
  int x = b.leaf("input");
  const bool normed = b.chance(0.5);
  const std::string activation = b.chance(0.5) ? "relu" : "tanh";
  for (int i = 0;; ++i) {
    b.enter("layers." + std::to_string(i));
    x = linear(b, "fc", x);
    if (normed && i % 2 == 1) x = norm(b, "bn", x);
    x = b.op(activation, {x});
    if (b.chance(0.3)) x = b.op("dropout", {x});
    b.leave();
  }
}

int convBn(TapeBuilder& b, const std::string& conv, const std::string& bn, int x) {
  b.enter(conv);
  const int y = b.op("conv2d", {x, b.leaf("weight")});
  b.leave();
  return norm(b, bn, y);
}

void cnn(TapeBuilder& b) {
  int x = b.leaf("input");
  b.enter("stem");
  x = b.op("relu", {convBn(b, "conv", "bn", x)});
  x = b.op("max_pool2d", {x});
  b.leave();
  const int blocksPerStage = b.uniform(2, 3);
  for (int stage = 1;; ++stage) {
    for (int block = 0; block < blocksPerStage; ++block) {
      b.enter("layer" + std::to_string(stage) + "." + std::to_string(block));
      int y = b.op("relu", {convBn(b, "conv1", "bn1", x)});
      y = convBn(b, "conv2", "bn2", y);
      int shortcut = x;
      if (block == 0 && stage > 1) {
        b.enter("downsample");
        shortcut = convBn(b, "0", "1", x);
        b.leave();
      }
      x = b.op("relu", {b.op("add", {y, shortcut})});
      b.leave();
    }
  }
}

void transformer(TapeBuilder& b) {
  const bool mask = b.chance(0.5);
  const bool dropout = b.chance(0.5);
  const std::string activation = b.chance(0.5) ? "gelu" : "relu";
  b.enter("embed");
  const int tokens = b.op("embedding", {b.leaf("weight"), b.leaf("tokens", -1)});
  const int positions = b.op("embedding", {b.leaf("position"), b.leaf("positions", -1)});
  int x = b.op("add", {tokens, positions});
  b.leave();
  for (int i = 0;; ++i) {
    b.enter("layers." + std::to_string(i));
    const int a = attention(b, norm(b, "ln1", x), mask, dropout);
    x = b.op("add", {x, a});
    b.enter("mlp");
    int h = linear(b, "fc1", norm(b, "ln2", x));
    h = b.op(activation, {h});
    h = linear(b, "fc2", h);
    b.leave();
    x = b.op("add", {x, h});
    b.leave();
  }
}

void lstm(TapeBuilder& b) {
  const int input = b.leaf("input");
  b.enter("lstm");
  const int lstmGroup = b.currentGroup();
  const bool perStepHead = b.chance(0.5);
  int wIh = -1, wHh = -1, bIh = -1, bHh = -1, hOut = -1;
  int h = -1, c = -1;
  for (int t = 0;; ++t) {
    const int xt = b.op("select", {input});
    b.enter("cell");
    if (wIh < 0) wIh = b.leaf("weight_ih", lstmGroup);
    int gates = b.op("matmul", {xt, wIh});
    if (h >= 0) {
      if (wHh < 0) wHh = b.leaf("weight_hh", lstmGroup);
      gates = b.op("add", {gates, b.op("matmul", {h, wHh})});
    }
    if (bIh < 0) bIh = b.leaf("bias_ih", lstmGroup);
    gates = b.op("add", {gates, bIh});
    if (bHh < 0) bHh = b.leaf("bias_hh", lstmGroup);
    gates = b.op("add", {gates, bHh});
    const int i = b.op("sigmoid", {b.op("narrow", {gates})});
    const int f = b.op("sigmoid", {b.op("narrow", {gates})});
    const int g = b.op("tanh", {b.op("narrow", {gates})});
    const int o = b.op("sigmoid", {b.op("narrow", {gates})});
    const int ig = b.op("mul", {i, g});
    c = c >= 0 ? b.op("add", {b.op("mul", {f, c}), ig}) : ig;
    h = b.op("mul", {o, b.op("tanh", {c})});
    b.leave();
    if (perStepHead) {
      if (hOut < 0) hOut = b.leaf("head.weight", lstmGroup);
      b.op("matmul", {h, hOut});
    }
  }
}

}  // namespace

const std::vector<TapeFamily>& allFamilies() {
  static const std::vector<TapeFamily> families = {TapeFamily::Mlp, TapeFamily::Cnn, TapeFamily::Transformer,
                                                   TapeFamily::Lstm};
  return families;
}

std::string familyName(TapeFamily family) {
  switch (family) {
    case TapeFamily::Mlp: return "mlp";
    case TapeFamily::Cnn: return "cnn";
    case TapeFamily::Transformer: return "transformer";
    case TapeFamily::Lstm: return "lstm";
  }
  return "?";
}

std::optional<TapeFamily> parseFamily(const std::string& name) {
  for (TapeFamily family : allFamilies())
    if (familyName(family) == name) return family;
  return std::nullopt;
}

Graph generateTape(TapeFamily family, int ops, uint64_t seed) {
  TapeBuilder builder(ops, seed * 4 + static_cast<uint64_t>(family));
  try {
    switch (family) {
      case TapeFamily::Mlp: mlp(builder); break;
      case TapeFamily::Cnn: cnn(builder); break;
      case TapeFamily::Transformer: transformer(builder); break;
      case TapeFamily::Lstm: lstm(builder); break;
    }
  } catch (const TapeBuilder::Full&) {
  }
  return builder.take();
}

int countOps(const Graph& graph) {
  int ops = 0;
  for (const Node& node : graph.nodes) ops += node.kind == NodeKind::Op ? 1 : 0;
  return ops;
}

}  // namespace td::layout::gentape
