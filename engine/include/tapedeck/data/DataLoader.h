#pragma once
// Batches of a dataset, optionally shuffled, reproducibly: each iteration is an epoch.
#include <concepts>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "tapedeck/data/Dataset.h"

namespace td::data {

/// inputs [B, ...] and targets [B, ...] (a batch of 0-dim targets is [B]).
struct Batch {
  Tensor inputs;
  Tensor targets;
};

/// Iterates a dataset in batches. Each begin() starts the next epoch (0, 1, 2, ...); with
/// shuffle, the epoch's order is a permutation drawn from a std::mt19937_64 seeded by
/// (seed, epoch), so a run is reproducible and independent of the global generator.
/// A TensorDataset is batched with indexSelect on its tensors; others by stacking examples.
class DataLoader {
 public:
  class Iterator;

  /// batchSize > 0; dropLast skips a final batch smaller than batchSize.
  DataLoader(std::shared_ptr<const Dataset> dataset, int64_t batchSize, bool shuffle = false,
             uint64_t seed = 0, bool dropLast = false);
  /// Takes a dataset by value (TensorDataset, or any Dataset subclass).
  template <typename D>
    requires std::derived_from<std::remove_cvref_t<D>, Dataset>
  DataLoader(D&& dataset, int64_t batchSize, bool shuffle = false, uint64_t seed = 0, bool dropLast = false)
      : DataLoader(std::make_shared<const std::remove_cvref_t<D>>(std::forward<D>(dataset)), batchSize,
                   shuffle, seed, dropLast) {}

  /// Batches per epoch.
  int64_t size() const;
  /// The epoch the next begin() starts.
  int64_t nextEpoch() const { return m_nextEpoch; }
  /// Makes the next begin() start `epoch` (e.g. to resume a run).
  void setNextEpoch(int64_t epoch);
  /// The order of example indices for `epoch` (identity without shuffle).
  std::vector<int64_t> order(int64_t epoch) const;
  /// The batch of the given example indices.
  Batch batch(const std::vector<int64_t>& indices) const;

  /// Starts the next epoch. Iterators of an earlier epoch are invalidated.
  Iterator begin();
  Iterator end() const;
  const Dataset& dataset() const { return *m_dataset; }

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Batch operator*() const;
    Iterator& operator++() { ++m_index; return *this; }
    bool operator==(const Iterator& other) const { return m_index == other.m_index; }

   private:
    friend class DataLoader;
    Iterator(const DataLoader* loader, int64_t index) : m_loader(loader), m_index(index) {}
    const DataLoader* m_loader = nullptr;
    int64_t m_index = 0;
  };

 private:
  std::shared_ptr<const Dataset> m_dataset;
  const TensorDataset* m_tensorDataset = nullptr;  // set when the dataset is one (fast path)
  int64_t m_batchSize;
  bool m_shuffle;
  uint64_t m_seed;
  bool m_dropLast;
  int64_t m_nextEpoch = 0;
  std::vector<int64_t> m_order;  // the current epoch's order
};

}  // namespace td::data
