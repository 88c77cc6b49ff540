// A graph as deep as a long unrolled loop (200,000 ops) is freed without recursion, with
// and without a backward first, and with its saved tensors still in place.
#include <gtest/gtest.h>

#include "autograd/Node.h"
#include "tapedeck/Tapedeck.h"

namespace {

td::Tensor chain(const td::Tensor& x, int length, bool square) {
  td::Tensor y = x;
  for (int i = 0; i < length; ++i) y = square ? td::mul(y, y) : td::mul(y, 1.0);
  return y;
}

TEST(DeepGraph, A200000OpChainIsFreedAfterBackward) {
  const int64_t nodesBefore = td::Node::liveCount();
  {
    td::Tensor x = td::ones({2});
    x.setRequiresGrad();
    td::Tensor y = chain(x, 200000, false);
    td::sum(y).backward();
    EXPECT_EQ(x.grad().toVector(), (std::vector<double>{1.0, 1.0}));
  }
  EXPECT_EQ(td::Node::liveCount(), nodesBefore);
}

TEST(DeepGraph, A200000OpChainWithSavedTensorsIsFreedWithoutBackward) {
  const int64_t nodesBefore = td::Node::liveCount();
  {
    td::Tensor x = td::ones({2});
    x.setRequiresGrad();
    td::Tensor y = chain(x, 200000, true);  // y * y saves y: tensors and nodes interleave
    EXPECT_EQ(y.toVector(), (std::vector<double>{1.0, 1.0}));
  }
  EXPECT_EQ(td::Node::liveCount(), nodesBefore);
}

}  // namespace
