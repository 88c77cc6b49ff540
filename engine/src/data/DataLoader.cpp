// DataLoader: the epoch's order (a seeded permutation) and batch assembly.
#include "tapedeck/data/DataLoader.h"

#include <numeric>
#include <random>

#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/ops/Ops.h"

namespace td::data {

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, int64_t batchSize, bool shuffle, uint64_t seed,
                       bool dropLast)
    : m_dataset(std::move(dataset)), m_batchSize(batchSize), m_shuffle(shuffle), m_seed(seed), m_dropLast(dropLast) {
  TD_CHECK(m_dataset != nullptr, "DataLoader", "no dataset");
  TD_CHECK(batchSize > 0, "DataLoader", "batchSize must be positive, got ", batchSize);
  m_tensorDataset = dynamic_cast<const TensorDataset*>(m_dataset.get());
}

int64_t DataLoader::size() const {
  const int64_t n = m_dataset->size();
  return m_dropLast ? n / m_batchSize : (n + m_batchSize - 1) / m_batchSize;
}

void DataLoader::setNextEpoch(int64_t epoch) {
  TD_CHECK(epoch >= 0, "DataLoader::setNextEpoch", "epoch must be >= 0, got ", epoch);
  m_nextEpoch = epoch;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  std::vector<int64_t> result(static_cast<size_t>(m_dataset->size()));
  std::iota(result.begin(), result.end(), int64_t{0});
  if (!m_shuffle) return result;
  // Fisher-Yates with a multiply-shift bound instead of std::shuffle, whose draws differ
  // between standard libraries; the generator's sequence itself is fixed by the standard.
  const auto e = static_cast<uint64_t>(epoch);
  std::seed_seq seq{static_cast<uint32_t>(m_seed), static_cast<uint32_t>(m_seed >> 32), static_cast<uint32_t>(e),
                    static_cast<uint32_t>(e >> 32)};
  std::mt19937_64 rng(seq);
  for (size_t i = result.size(); i > 1; --i) {
    const auto j = static_cast<size_t>((static_cast<unsigned __int128>(rng()) * i) >> 64);
    std::swap(result[i - 1], result[j]);
  }
  return result;
}

Batch DataLoader::batch(const std::vector<int64_t>& indices) const {
  TD_CHECK(!indices.empty(), "DataLoader::batch", "no indices");
  NoGradGuard noGrad;
  if (m_tensorDataset != nullptr) {
    const int64_t n = m_tensorDataset->size();
    for (int64_t i : indices)
      TD_CHECK(i >= 0 && i < n, "DataLoader::batch", "index ", i, " out of range for ", n, " examples");
    const Tensor index = fromVector(indices, {static_cast<int64_t>(indices.size())});
    return {indexSelect(m_tensorDataset->inputs(), 0, index), indexSelect(m_tensorDataset->targets(), 0, index)};
  }
  std::vector<Tensor> inputs;
  std::vector<Tensor> targets;
  inputs.reserve(indices.size());
  targets.reserve(indices.size());
  for (int64_t i : indices) {
    Example example = m_dataset->get(i);
    inputs.push_back(std::move(example.input));
    targets.push_back(std::move(example.target));
  }
  return {stack(inputs), stack(targets)};
}

DataLoader::Iterator DataLoader::begin() {
  m_order = order(m_nextEpoch);
  ++m_nextEpoch;
  return Iterator(this, 0);
}

DataLoader::Iterator DataLoader::end() const { return Iterator(this, size()); }

Batch DataLoader::Iterator::operator*() const {
  TD_ASSERT(m_loader != nullptr, "dereferencing a default-constructed DataLoader iterator");
  const auto& order = m_loader->m_order;
  const int64_t begin = m_index * m_loader->m_batchSize;
  const int64_t end = std::min<int64_t>(begin + m_loader->m_batchSize, static_cast<int64_t>(order.size()));
  TD_CHECK(begin < end, "DataLoader", "iterator past the end (batch ", m_index, ")");
  return m_loader->batch(std::vector<int64_t>(order.begin() + begin, order.begin() + end));
}

}  // namespace td::data
