#pragma once
// What the C++ samples share beyond the engine's td::data::synthetic datasets: bit
// sequences for the parity lesson (from a seed, plain std::mt19937) and an accuracy helper.
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "tapedeck/Tapedeck.h"

namespace samples {

/// Bit sequences of length 1..maxLength and their parity (1 if an odd number of ones).
inline std::vector<std::pair<std::vector<int64_t>, int64_t>> paritySequences(int n, int maxLength, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> length(1, maxLength), bit(0, 1);
  std::vector<std::pair<std::vector<int64_t>, int64_t>> out;
  for (int k = 0; k < n; ++k) {
    std::vector<int64_t> bits(static_cast<std::size_t>(length(rng)));
    int64_t parity = 0;
    for (int64_t& b : bits) {
      b = bit(rng);
      parity ^= b;
    }
    out.emplace_back(std::move(bits), parity);
  }
  return out;
}

/// Fraction of rows whose argmax equals the target.
inline double accuracy(const td::Tensor& logits, const td::Tensor& targets) {
  td::NoGradGuard noGrad;
  return td::eq(td::argmax(logits, 1), targets).to(td::DType::Float32).mean().item();
}

}  // namespace samples
