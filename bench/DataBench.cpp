// The data library side by side with libtorch 1.13 (Debian's libtorch-dev), on one thread:
//   dataloader_epoch  one epoch of td::data::DataLoader over a TensorDataset of 60,000 28x28
//                     float32 images and int64 labels, shuffled, batches of 64 (the last
//                     one 32), vs torch::data: a Dataset whose get(i) returns image i and
//                     label i, mapped through Stack<>, under a RandomSampler with no worker
//                     threads (libtorch's equivalent loop).                              <= 1.0
// Each epoch touches every batch (the sum of its first pixel and its label) so neither side
// can skip work. Before timing, both sides are checked to deliver 938 batches holding each
// example exactly once (their image sums and label sums equal the dataset's). Built without
// libtorch, the row is written as skipped with the reason CMake gave. Run through
// bench/run.sh (make bench).
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#ifdef TAPEDECK_BENCH_WITH_TORCH
#include <ATen/Parallel.h>
#include <torch/torch.h>
#endif

#include "harness/PairRunner.h"
#include "harness/ResultsWriter.h"
#include "harness/SideBySide.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/data/DataLoader.h"

#ifndef TAPEDECK_BENCH_TORCH_MISSING_REASON
#define TAPEDECK_BENCH_TORCH_MISSING_REASON "built without libtorch"
#endif

namespace {

using namespace td::bench;

constexpr double kBudget = 1.0;
constexpr int64_t kImages = 60'000;
constexpr int64_t kSide = 28;
constexpr int64_t kBatch = 64;
constexpr int64_t kBatches = (kImages + kBatch - 1) / kBatch;

struct Images {
  HostTensor pixels;            // [60000, 28, 28] uniform in [0, 1)
  std::vector<int64_t> labels;  // [60000] in 0..9
};

Images images() {
  std::mt19937 rng(60000);
  Images data{uniform(rng, {kImages, kSide, kSide}, 0.0f, 1.0f), std::vector<int64_t>(kImages)};
  for (int64_t& label : data.labels) label = static_cast<int64_t>(rng() % 10);
  return data;
}

/// What an epoch delivered: batches, examples, and sums that identify the examples.
struct EpochSummary {
  int64_t batches = 0;
  int64_t examples = 0;
  double pixelSum = 0.0;
  int64_t labelSum = 0;
};

EpochSummary tdEpoch(td::data::DataLoader& loader, bool full) {
  EpochSummary s;
  for (const td::data::Batch& batch : loader) {
    ++s.batches;
    s.examples += batch.inputs.size(0);
    s.pixelSum += full ? batch.inputs.to(td::DType::Float64).sum().item()
                       : static_cast<double>(batch.inputs.data<float>()[0]);
    s.labelSum += full ? static_cast<int64_t>(batch.targets.sum().item()) : batch.targets.data<int64_t>()[0];
  }
  return s;
}

#ifdef TAPEDECK_BENCH_WITH_TORCH

/// libtorch's idiom: a map-style dataset returning one example per index.
class TorchImages : public torch::data::datasets::Dataset<TorchImages> {
 public:
  TorchImages(torch::Tensor pixels, torch::Tensor labels) : m_pixels(std::move(pixels)), m_labels(std::move(labels)) {}
  torch::data::Example<> get(size_t index) override {
    const auto i = static_cast<int64_t>(index);
    return {m_pixels[i], m_labels[i]};
  }
  torch::optional<size_t> size() const override { return static_cast<size_t>(m_pixels.size(0)); }

 private:
  torch::Tensor m_pixels;
  torch::Tensor m_labels;
};

template <typename Loader>
EpochSummary torchEpoch(Loader& loader, bool full) {
  EpochSummary s;
  for (auto& batch : *loader) {
    ++s.batches;
    s.examples += batch.data.size(0);
    s.pixelSum += full ? batch.data.sum(torch::kFloat64).template item<double>()
                       : static_cast<double>(batch.data.template data_ptr<float>()[0]);
    s.labelSum += full ? batch.target.sum().template item<int64_t>() : batch.target.template data_ptr<int64_t>()[0];
  }
  return s;
}

void checkEpoch(const char* side, const EpochSummary& s, const EpochSummary& expected) {
  const bool same = s.batches == expected.batches && s.examples == expected.examples &&
                    s.labelSum == expected.labelSum &&
                    std::abs(s.pixelSum - expected.pixelSum) <= 1e-9 * expected.pixelSum;
  if (!same) {
    throw Mismatch(std::string(side) + " epoch delivered " + std::to_string(s.batches) + " batches, " +
                   std::to_string(s.examples) + " examples, label sum " + std::to_string(s.labelSum) +
                   "; expected " + std::to_string(expected.batches) + ", " + std::to_string(expected.examples) +
                   ", " + std::to_string(expected.labelSum));
  }
}

#endif  // TAPEDECK_BENCH_WITH_TORCH

}  // namespace

int main(int argc, char** argv) {
  ResultsWriter::checkSingleThreaded();
#ifdef TAPEDECK_BENCH_WITH_TORCH
  at::set_num_interop_threads(1);
  torch::set_num_threads(1);
#endif
  PairOptions options = pairOptionsFromEnvironment();
  options.unit = Unit::Milliseconds;
  const PairRunner runner(options);
  ResultsWriter writer("data_bench");
  int status = 0;

#ifdef TAPEDECK_BENCH_WITH_TORCH
  const Images data = images();
  measureRow(writer, status, "dataloader_epoch", options.unit, [&] {
    td::data::DataLoader ours(td::data::TensorDataset(tdTensor(data.pixels), td::fromVector(data.labels, {kImages})),
                              kBatch, /*shuffle=*/true, /*seed=*/1);
    auto theirs = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
        TorchImages(torchTensor(data.pixels), torch::tensor(data.labels, torch::kInt64))
            .map(torch::data::transforms::Stack<>()),
        torch::data::DataLoaderOptions(kBatch).workers(0));

    EpochSummary expected{kBatches, kImages, 0.0, 0};
    for (float v : data.pixels.values) expected.pixelSum += v;
    for (int64_t label : data.labels) expected.labelSum += label;
    checkEpoch("tapedeck", tdEpoch(ours, true), expected);
    checkEpoch("libtorch", torchEpoch(theirs, true), expected);
    std::printf("dataloader_epoch: both deliver %lld batches holding each example once\n",
                static_cast<long long>(kBatches));

    const PairResult result = runner.run([&] { doNotOptimize(tdEpoch(ours, false).pixelSum); },
                                         [&] { doNotOptimize(torchEpoch(theirs, false).pixelSum); });
    writer.addPair("dataloader_epoch", result, kBudget, "torch::data RandomSampler + Stack");
  });
#else
  const std::string reason = TAPEDECK_BENCH_TORCH_MISSING_REASON;
  std::printf("libtorch rows skipped: %s\n", reason.c_str());
  writer.addSkipped("dataloader_epoch", reason, unitName(options.unit));
#endif

  writer.printTable(std::cout);
  writer.write(resultsPath(argc, argv));
  return status;
}
