// Synthetic small images for CNN lessons: bars and shapes.
#include <cmath>

#include "SyntheticRandom.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/data/Synthetic.h"
#include "tapedeck/ops/Ops.h"

namespace td::data::synthetic {
namespace {

using detail::SyntheticRandom;

/// Builds [n, 1, size, size]: `draw(label, rng, canvas)` sets pixels of a zeroed canvas to 1.
template <typename DrawFn>
TensorDataset images(int64_t n, double noise, uint64_t seed, int64_t size, int64_t classes, DrawFn draw) {
  SyntheticRandom rng(seed);
  const auto pixels = static_cast<size_t>(size * size);
  std::vector<float> inputs(static_cast<size_t>(n) * pixels);
  std::vector<int64_t> targets(static_cast<size_t>(n));
  std::vector<float> canvas(pixels);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % classes;
    std::fill(canvas.begin(), canvas.end(), 0.0f);
    draw(label, rng, canvas);
    float* out = inputs.data() + static_cast<size_t>(i) * pixels;
    for (size_t p = 0; p < pixels; ++p) out[p] = static_cast<float>(canvas[p] + noise * rng.normal());
    targets[static_cast<size_t>(i)] = label;
  }
  return TensorDataset(fromVector(inputs, {n, 1, size, size}), fromVector(targets, {n}));
}

void checkArguments(const char* name, int64_t n, double noise, int64_t size, int64_t minSize) {
  TD_CHECK(n > 0, name, "n must be positive, got ", n);
  TD_CHECK(noise >= 0.0 && std::isfinite(noise), name, "noise must be finite and >= 0, got ", noise);
  TD_CHECK(size >= minSize && size <= 1024, name, "size must be in [", minSize, ", 1024], got ", size);
}

}  // namespace

TensorDataset bars(int64_t n, double noise, uint64_t seed, int64_t size) {
  checkArguments("synthetic::bars", n, noise, size, 4);
  return images(n, noise, seed, size, 2, [size](int64_t label, SyntheticRandom& rng, std::vector<float>& canvas) {
    const int64_t at = rng.below(size);
    for (int64_t k = 0; k < size; ++k) {
      const int64_t row = label == 0 ? k : at;
      const int64_t col = label == 0 ? at : k;
      canvas[static_cast<size_t>(row * size + col)] = 1.0f;
    }
  });
}

TensorDataset shapes(int64_t n, double noise, uint64_t seed, int64_t size) {
  checkArguments("synthetic::shapes", n, noise, size, 8);
  return images(n, noise, seed, size, 3, [size](int64_t label, SyntheticRandom& rng, std::vector<float>& canvas) {
    auto set = [&](int64_t row, int64_t col) {
      if (row >= 0 && row < size && col >= 0 && col < size) canvas[static_cast<size_t>(row * size + col)] = 1.0f;
    };
    // A half-extent between size/4 and size/2 - 1, centred so the shape fits.
    const int64_t half = size / 4 + rng.below(size / 2 - 1 - size / 4 + 1);
    const int64_t cy = half + rng.below(size - 2 * half);
    const int64_t cx = half + rng.below(size - 2 * half);
    if (label == 0) {
      for (int64_t k = -half; k <= half; ++k) {
        set(cy - half, cx + k);
        set(cy + half, cx + k);
        set(cy + k, cx - half);
        set(cy + k, cx + half);
      }
    } else if (label == 1) {
      for (int64_t k = -half; k <= half; ++k) {
        set(cy, cx + k);
        set(cy + k, cx);
      }
    } else {
      const int64_t steps = 8 * half + 8;
      for (int64_t s = 0; s < steps; ++s) {
        const double angle = 2.0 * 3.14159265358979323846 * static_cast<double>(s) / static_cast<double>(steps);
        set(cy + std::lround(half * std::sin(angle)), cx + std::lround(half * std::cos(angle)));
      }
    }
  });
}

}  // namespace td::data::synthetic
