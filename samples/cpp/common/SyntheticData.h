#pragma once
// Small synthetic datasets for the C++ samples, each from a seed (a later issue moves
// them into the engine's dataset module). Plain std::mt19937 so every run is the same.
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "tapedeck/Tapedeck.h"

namespace samples {

struct Dataset {
  td::Tensor inputs;   // float32
  td::Tensor targets;  // int64 class indices, or float32 values
};

/// k interleaved spiral arms in 2-D, n points each: inputs [k*n, 2], targets [k*n] int64.
inline Dataset spiral(int classes, int perClass, double noise, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> jitter(0.0, noise);
  std::vector<float> xs;
  std::vector<int64_t> ys;
  for (int c = 0; c < classes; ++c)
    for (int i = 0; i < perClass; ++i) {
      double r = static_cast<double>(i) / perClass;
      double t = c * 4.0 + r * 4.0 + jitter(rng);
      xs.push_back(static_cast<float>(r * std::sin(t)));
      xs.push_back(static_cast<float>(r * std::cos(t)));
      ys.push_back(c);
    }
  int64_t n = static_cast<int64_t>(ys.size());
  return {td::fromVector(xs, {n, 2}), td::fromVector(ys, {n})};
}

/// y = slope * x + intercept + noise, x uniform in [-1, 1]: inputs [n, 1], targets [n, 1].
inline Dataset line(int n, double slope, double intercept, double noise, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::normal_distribution<double> e(0.0, noise);
  std::vector<float> xs, ys;
  for (int i = 0; i < n; ++i) {
    double x = u(rng);
    xs.push_back(static_cast<float>(x));
    ys.push_back(static_cast<float>(slope * x + intercept + e(rng)));
  }
  return {td::fromVector(xs, {n, 1}), td::fromVector(ys, {n, 1})};
}

/// size×size noisy images holding one bar: class 0 vertical, class 1 horizontal.
/// inputs [n, 1, size, size], targets [n] int64.
inline Dataset bars(int n, int size, double noise, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> e(0.0, noise);
  std::uniform_int_distribution<int> pos(1, size - 2), cls(0, 1), len(size / 2, size - 2);
  std::vector<float> xs;
  std::vector<int64_t> ys;
  for (int k = 0; k < n; ++k) {
    int c = cls(rng), p = pos(rng), l = len(rng);
    int start = std::uniform_int_distribution<int>(0, size - l)(rng);
    std::vector<float> image(static_cast<std::size_t>(size * size));
    for (float& v : image) v = static_cast<float>(e(rng));
    for (int t = start; t < start + l; ++t) {
      int row = c == 0 ? t : p, col = c == 0 ? p : t;
      image[static_cast<std::size_t>(row * size + col)] += 1.0f;
    }
    xs.insert(xs.end(), image.begin(), image.end());
    ys.push_back(c);
  }
  return {td::fromVector(xs, {n, 1, size, size}), td::fromVector(ys, {n})};
}

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
