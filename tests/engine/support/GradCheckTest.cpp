// The checks that judge the engine must themselves catch mistakes: a gradcheck that
// cannot fail proves nothing. Also the reference helpers on PyTorch's documented cases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "GradCheck.h"
#include "OpInfo.h"
#include "tapedeck/Tapedeck.h"

namespace tdtest {
namespace {

using ::testing::HasSubstr;

Inputs oneInput() { return {makeTensor({0.5, -1.25, 2.0}, {3})}; }

TEST(GradCheck, PassesACorrectGradient) {
  OpFunction cube = [](const Inputs& in) -> Outputs { return {in[0] * in[0] * in[0]}; };
  EXPECT_EQ(gradcheck(cube, oneInput(), {true}), "");
  EXPECT_EQ(gradgradcheck(cube, oneInput(), {true}, 1), "");
}

TEST(GradCheck, CatchesAWrongFirstDerivative) {
  OpFunction wrong = [](const Inputs& in) -> Outputs { return {in[0].detach() * in[0]}; };  // analytic x, true 2x
  EXPECT_THAT(gradcheck(wrong, oneInput(), {true}), HasSubstr("analytic"));
}

TEST(GradCheck, CatchesAWrongSecondDerivative) {
  // First derivative right (v * 3x^2), but the cotangent is cut from the graph, so
  // d/dv of the gradient comes out 0.
  OpFunction cutCotangent = [](const Inputs& in) -> Outputs {
    td::Tensor h = in[0] * in[0] * in[0];
    if (h.requiresGrad()) h.registerHook([](const td::Tensor& g) { return g.detach(); });
    return {h * 1.0};
  };
  EXPECT_EQ(gradcheck(cutCotangent, oneInput(), {true}), "");
  EXPECT_THAT(gradgradcheck(cutCotangent, oneInput(), {true}, 1), HasSubstr("analytic"));
}

TEST(GradCheck, IgnoresNonDifferentiableInputsAndOutputs) {
  OpFunction f = [](const Inputs& in) -> Outputs { return {in[0] * in[1], td::argmax(in[0])}; };
  Inputs inputs{makeTensor({1, 2, 3}, {3}), makeTensor({4, 5, 6}, {3})};
  EXPECT_EQ(gradcheck(f, inputs, {true, false}), "");
  EXPECT_EQ(gradcheck(f, inputs, {false, false}), "");
}

TEST(GradCheck, NonContiguousCopiesKeepValues) {
  td::Tensor matrix = makeTensor({1, 2, 3, 4, 5, 6}, {2, 3});
  td::Tensor strided = nonContiguousCopy(matrix);
  EXPECT_FALSE(strided.isContiguous());
  EXPECT_TRUE(strided.isLeaf());
  EXPECT_EQ(strided.toVector(), matrix.toVector());
  td::Tensor vector = makeTensor({1, 2, 3}, {3});
  td::Tensor stepped = nonContiguousCopy(vector);
  EXPECT_FALSE(stepped.isContiguous());
  EXPECT_EQ(stepped.toVector(), vector.toVector());
  td::Tensor column = makeTensor({1, 2, 3}, {3, 1});
  EXPECT_FALSE(nonContiguousCopy(column).isContiguous());
  EXPECT_EQ(nonContiguousCopy(column).toVector(), column.toVector());
}

TEST(Reference, Helpers) {
  EXPECT_EQ(broadcastShapes({2, 1, 3}, {4, 1}), (Shape{2, 4, 3}));
  EXPECT_EQ(broadcastShapes({}, {3}), (Shape{3}));
  RefTensor x({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(reduceDims(x, {1}, false, sumOf).values, (std::vector<double>{6, 15}));
  EXPECT_EQ(reduceDims(x, {0}, true, sumOf).shape, (Shape{1, 3}));
  EXPECT_EQ(reduceDims(x, {}, false, argmaxOf).values, (std::vector<double>{5}));
  EXPECT_EQ(permute(x, {1, 0}).values, (std::vector<double>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(slice(x, 1, 0, 2, 2).values, (std::vector<double>{1, 3, 4, 6}));
  EXPECT_EQ(concat({x, x}, 0).shape, (Shape{4, 3}));
  EXPECT_EQ(reshape(x, {-1}).shape, (Shape{6}));
  EXPECT_EQ(broadcastTo(RefTensor({2, 1}, {7, 8}), {2, 2}).values, (std::vector<double>{7, 7, 8, 8}));
  // PyTorch's pooling_output_shape: 5 with kernel 2, stride 2 gives 2 (floor) or 3 (ceil).
  EXPECT_EQ(poolOutputSize(5, 2, 2, 0, 1, false), 2);
  EXPECT_EQ(poolOutputSize(5, 2, 2, 0, 1, true), 3);
  EXPECT_EQ(poolOutputSize(6, 3, 2, 1, 1, true), 4);
  EXPECT_EQ(poolOutputSize(6, 3, 2, 1, 1, false), 3);
  EXPECT_DOUBLE_EQ(varOf({1, 2, 3, 4}, 1), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(varOf({1, 2, 3, 4}, 0), 1.25);
}

TEST(Reference, DropoutCheckRejectsWrongScaling) {
  const OpInfo& row = opInfoNamed("dropout");
  ASSERT_TRUE(row.check);
  RefTensor in({4}, {1, 2, 3, 4});
  EXPECT_EQ(row.check({in}, {RefTensor({4}, {2, 0, 6, 0})}), "");
  EXPECT_NE(row.check({in}, {RefTensor({4}, {1, 0, 3, 0})}), "");  // kept but not scaled by 1/(1-p)
}

}  // namespace
}  // namespace tdtest
