#pragma once
// Small synthetic teaching datasets. Each takes (n, noise, seed) and is deterministic for a
// seed (std::mt19937 with portable uniform and Box-Muller normal draws, so every standard
// library gives the same values). Inputs are float32; class targets int64 with classes
// assigned round-robin (example i has class i % classes, so classes are balanced to within
// one example); regression targets float32 [n]. `noise` is the standard deviation of the
// Gaussian noise added to each input coordinate (to each pixel for images).
#include <cstdint>
#include <vector>

#include "tapedeck/data/Dataset.h"

namespace td::data::synthetic {

/// [n, 2]: a point in a random quadrant of [-1, 1]^2; class 1 when the signs of x and y differ.
TensorDataset xorDataset(int64_t n, double noise = 0.1, uint64_t seed = 0);
/// [n, 2]: two interleaved half circles (class 0 upper, class 1 lower, shifted).
TensorDataset twoMoons(int64_t n, double noise = 0.1, uint64_t seed = 0);
/// [n, 2]: class 0 on the unit circle, class 1 on a circle of radius `factor` (0 < factor < 1).
TensorDataset circles(int64_t n, double noise = 0.05, uint64_t seed = 0, double factor = 0.5);
/// [n, 2]: `classes` (>= 2) interleaved spiral arms of radius 0..1.
TensorDataset spirals(int64_t n, double noise = 0.2, uint64_t seed = 0, int64_t classes = 3);
/// [n, dims]: Gaussian blobs (standard deviation `noise`) around `centers` (>= 1) centres
/// drawn uniformly in [-5, 5]^dims from the seed.
TensorDataset blobs(int64_t n, double noise = 1.0, uint64_t seed = 0, int64_t centers = 3, int64_t dims = 2);
/// inputs [n, 1] uniform in [-pi, pi]; targets [n] float32: sin(x) + noise.
TensorDataset sine(int64_t n, double noise = 0.1, uint64_t seed = 0);
/// inputs [n, 1] uniform in [-2, 2]; targets [n] float32: sum_k coefficients[k] x^k + noise
/// (default 0.5 x^3 - x).
TensorDataset polynomial(int64_t n, double noise = 0.1, uint64_t seed = 0,
                         const std::vector<double>& coefficients = {0.0, -1.0, 0.0, 0.5});
/// [n, 1, size, size] images (size >= 4) with pixels 0 or 1 plus noise: class 0 a vertical bar,
/// class 1 a horizontal bar, at a random position.
TensorDataset bars(int64_t n, double noise = 0.1, uint64_t seed = 0, int64_t size = 8);
/// [n, 1, size, size] images (size >= 8): class 0 a square outline, 1 a cross, 2 a circle
/// outline, each at a random position and scale.
TensorDataset shapes(int64_t n, double noise = 0.1, uint64_t seed = 0, int64_t size = 12);

}  // namespace td::data::synthetic
