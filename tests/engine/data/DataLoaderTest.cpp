// DataLoader: batching, dropLast, shuffling per epoch, reproducibility, and the stacking
// path for datasets that are not TensorDatasets.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/data/DataLoader.h"

namespace {

using td::Tensor;
using td::data::Batch;
using td::data::DataLoader;
using td::data::TensorDataset;

TensorDataset counting(int64_t n) {
  std::vector<float> inputs;
  std::vector<int64_t> targets;
  for (int64_t i = 0; i < n; ++i) {
    inputs.push_back(static_cast<float>(i));
    inputs.push_back(static_cast<float>(10 * i));
    targets.push_back(i);
  }
  return TensorDataset(td::fromVector(inputs, {n, 2}), td::fromVector(targets, {n}));
}

std::vector<int64_t> targetsOf(const Batch& batch) {
  std::vector<int64_t> out;
  for (double v : batch.targets.toVector()) out.push_back(static_cast<int64_t>(v));
  return out;
}

std::vector<int64_t> epochOrder(DataLoader& loader) {
  std::vector<int64_t> order;
  for (const Batch& batch : loader)
    for (int64_t t : targetsOf(batch)) order.push_back(t);
  return order;
}

/// A dataset that is not a TensorDataset, so the loader stacks examples.
class SquaresDataset : public td::data::Dataset {
 public:
  int64_t size() const override { return 7; }
  td::data::Example get(int64_t i) const override {
    return {td::fromVector(std::vector<float>{static_cast<float>(i), static_cast<float>(i * i)}, {2}),
            td::scalarTensor(static_cast<double>(i), td::DType::Int64)};
  }
};

TEST(DataLoaderTest, BatchesInOrderWithASmallerLastBatch) {
  DataLoader loader(counting(10), 4);
  EXPECT_EQ(loader.size(), 3);
  std::vector<std::vector<int64_t>> batches;
  for (const Batch& batch : loader) {
    EXPECT_EQ(batch.inputs.dim(), 2);
    EXPECT_EQ(batch.inputs.size(1), 2);
    EXPECT_EQ(batch.targets.dtype(), td::DType::Int64);
    batches.push_back(targetsOf(batch));
  }
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(batches[2], (std::vector<int64_t>{8, 9}));
  // Inputs travel with their targets.
  Batch first = *loader.begin();
  EXPECT_EQ(first.inputs.toVector(), (std::vector<double>{0, 0, 1, 10, 2, 20, 3, 30}));
}

TEST(DataLoaderTest, DropLastSkipsTheShortBatch) {
  DataLoader loader(counting(10), 4, false, 0, true);
  EXPECT_EQ(loader.size(), 2);
  int64_t count = 0;
  for (const Batch& batch : loader) {
    EXPECT_EQ(batch.targets.size(0), 4);
    ++count;
  }
  EXPECT_EQ(count, 2);
}

TEST(DataLoaderTest, ShuffleIsAPermutationThatChangesEachEpoch) {
  DataLoader loader(counting(50), 8, true, 123);
  const std::vector<int64_t> epoch0 = epochOrder(loader);
  const std::vector<int64_t> epoch1 = epochOrder(loader);
  EXPECT_EQ(loader.nextEpoch(), 2);
  std::vector<int64_t> sorted = epoch0;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
  EXPECT_NE(epoch0, epoch1);
  std::vector<int64_t> identity(50);
  for (int64_t i = 0; i < 50; ++i) identity[static_cast<size_t>(i)] = i;
  EXPECT_NE(epoch0, identity);
}

TEST(DataLoaderTest, ShuffleIsReproducibleFromTheSeedAndEpoch) {
  DataLoader a(counting(40), 5, true, 7);
  DataLoader b(counting(40), 5, true, 7);
  DataLoader c(counting(40), 5, true, 8);
  const std::vector<int64_t> a0 = epochOrder(a);
  EXPECT_EQ(a0, epochOrder(b));
  EXPECT_NE(a0, epochOrder(c));
  const std::vector<int64_t> a1 = epochOrder(a);
  b.setNextEpoch(1);
  EXPECT_EQ(a1, epochOrder(b));
  EXPECT_EQ(a.order(0), a0);
  // The global generator plays no part.
  td::manualSeed(99);
  DataLoader d(counting(40), 5, true, 7);
  EXPECT_EQ(epochOrder(d), a0);
}

TEST(DataLoaderTest, StacksExamplesOfOtherDatasets) {
  DataLoader loader(SquaresDataset(), 3, false, 0, false);
  std::vector<Batch> batches;
  for (const Batch& batch : loader) batches.push_back(batch);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].inputs.shape(), (td::IntList{3, 2}));
  EXPECT_EQ(batches[0].targets.shape(), (td::IntList{3}));
  EXPECT_EQ(batches[1].inputs.toVector(), (std::vector<double>{3, 9, 4, 16, 5, 25}));
  EXPECT_EQ(batches[2].targets.toVector(), (std::vector<double>{6}));
}

TEST(DataLoaderTest, TensorDatasetChecksItsArguments) {
  EXPECT_THROW(TensorDataset(td::zeros({3, 2}), td::zeros({4})), td::Error);
  EXPECT_THROW(DataLoader(counting(3), 0), td::Error);
  TensorDataset dataset = counting(3);
  EXPECT_EQ(dataset.get(2).target.item<int64_t>(), 2);
  EXPECT_THROW(dataset.get(3), td::Error);
}

}  // namespace
