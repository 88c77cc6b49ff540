// Rows: dropout (seeded), layer_norm, batch_norm (train, eval, running statistics).
#include <cmath>
#include <sstream>

#include "OpInfo.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest::rows {

namespace {

constexpr uint64_t kDropoutSeed = 1234;

/// Dropout's mask is the generator's business: every output is 0 or x / (1 - p), and
/// with enough elements both happen.
OutputCheck dropoutCheck(double p) {
  return [p](const std::vector<RefTensor>& in, const std::vector<RefTensor>& out) -> std::string {
    if (out.size() != 1) return "dropout returns one tensor";
    if (out[0].shape != in[0].shape) return "dropout changed the shape to " + shapeText(out[0].shape);
    int64_t kept = 0, dropped = 0;
    for (std::size_t i = 0; i < in[0].values.size(); ++i) {
      double x = in[0].values[i], y = out[0].values[i];
      if (y == 0.0) {
        ++dropped;
      } else if (std::abs(y - x / (1.0 - p)) <= 1e-12 * (1.0 + std::abs(y))) {
        ++kept;
      } else {
        std::ostringstream message;
        message << "element " << i << ": " << y << " is neither 0 nor x / (1 - p) = " << x / (1.0 - p);
        return message.str();
      }
    }
    if (in[0].values.size() >= 16 && (kept == 0 || dropped == 0)) return "the mask kept all or dropped all elements";
    return "";
  };
}

OpInfo dropoutRow(std::string name, double p) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Broadcast) return {};
    // Away from 0, so a kept element is never mistaken for a dropped one.
    return {awayFrom(rng, kind == SampleKind::Empty ? Shape{0, 5} : Shape{4, 5}, -2, 2, {0.0}, 0.1)};
  };
  // Re-seeded before every evaluation, so gradcheck sees one fixed mask.
  row.apply = single([p](const Inputs& in) {
    td::manualSeed(kDropoutSeed);
    return td::dropout(in[0], p, true);
  });
  row.check = dropoutCheck(p);
  row.differentiableInputs = {true};
  return row;
}

RefTensor layerNormRef(const RefTensor& x, int64_t normalizedNumel, const RefTensor* weight, const RefTensor* bias,
                       double eps) {
  RefTensor out = x;
  int64_t groups = normalizedNumel == 0 ? 0 : x.numel() / normalizedNumel;
  for (int64_t g = 0; g < groups; ++g) {
    std::vector<double> v(x.values.begin() + g * normalizedNumel, x.values.begin() + (g + 1) * normalizedNumel);
    double mean = meanOf(v), var = varOf(v, 0);
    for (int64_t i = 0; i < normalizedNumel; ++i) {
      double y = (v[static_cast<std::size_t>(i)] - mean) / std::sqrt(var + eps);
      if (weight) y *= weight->values[static_cast<std::size_t>(i)];
      if (bias) y += bias->values[static_cast<std::size_t>(i)];
      out.values[static_cast<std::size_t>(g * normalizedNumel + i)] = y;
    }
  }
  return out;
}

/// Values of channel c (dim 1) of x [N, C, ...].
std::vector<double> channelValues(const RefTensor& x, int64_t c) {
  std::vector<double> v;
  for (int64_t i = 0; i < x.numel(); ++i)
    if (unravel(i, x.shape)[1] == c) v.push_back(x.values[static_cast<std::size_t>(i)]);
  return v;
}

/// y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c].
RefTensor normalizeChannels(const RefTensor& x, const std::vector<double>& mean, const std::vector<double>& var,
                            const RefTensor* weight, const RefTensor* bias, double eps) {
  RefTensor out = x;
  for (int64_t i = 0; i < x.numel(); ++i) {
    std::size_t c = static_cast<std::size_t>(unravel(i, x.shape)[1]);
    double y = (x.values[static_cast<std::size_t>(i)] - mean[c]) / std::sqrt(var[c] + eps);
    if (weight) y *= weight->values[c];
    if (bias) y += bias->values[c];
    out.values[static_cast<std::size_t>(i)] = y;
  }
  return out;
}

void batchStatistics(const RefTensor& x, std::vector<double>& mean, std::vector<double>& biased,
                     std::vector<double>& unbiased) {
  for (int64_t c = 0; c < x.shape[1]; ++c) {
    std::vector<double> v = channelValues(x, c);
    mean.push_back(meanOf(v));
    biased.push_back(varOf(v, 0));
    unbiased.push_back(varOf(v, 1));
  }
}

}  // namespace

void addNn(std::vector<OpInfo>& t) {
  t.push_back(dropoutRow("dropout", 0.5));
  t.push_back(dropoutRow("dropout_p02", 0.2));
  {
    OpInfo row = dropoutRow("dropout_p1", 1.0);  // everything dropped: zeros, not NaN
    row.check = nullptr;
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return RefTensor::filled(in[0].shape, 0.0); });
    t.push_back(row);
  }
  {
    OpInfo row = dropoutRow("dropout_eval", 0.5);  // not training: the identity
    row.apply = single([](const Inputs& in) { return td::dropout(in[0], 0.5, false); });
    row.check = nullptr;
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return in[0]; });
    t.push_back(row);
  }

  {
    OpInfo row;
    row.name = "layer_norm";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, kind == SampleKind::Empty ? Shape{0, 5} : Shape{3, 5}, -2, 2), uniform(rng, {5}, 0.5, 1.5),
              uniform(rng, {5}, -1, 1)};
    };
    row.apply = single([](const Inputs& in) { return td::layerNorm(in[0], {5}, in[1], in[2]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return layerNormRef(in[0], 5, &in[1], &in[2], 1e-5); });
    row.differentiableInputs = {true, true, true};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "layer_norm_no_affine_2d";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, kind == SampleKind::Empty ? Shape{0, 3, 4} : Shape{2, 3, 4}, -2, 2)};
    };
    row.apply = single([](const Inputs& in) { return td::layerNorm(in[0], {3, 4}, td::Tensor(), td::Tensor(), 1e-3); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) { return layerNormRef(in[0], 12, nullptr, nullptr, 1e-3); });
    row.differentiableInputs = {true};
    t.push_back(row);
  }

  {
    // Training: batch statistics (biased variance); the running statistics are made fresh
    // inside, so every evaluation is the same function of x, weight and bias.
    OpInfo row;
    row.name = "batch_norm_train";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, kind == SampleKind::Empty ? Shape{0, 3, 2} : Shape{4, 3, 2}, -2, 2),
              uniform(rng, {3}, 0.5, 1.5), uniform(rng, {3}, -1, 1)};
    };
    row.apply = single([](const Inputs& in) {
      td::Tensor runningMean = td::zeros({3}, td::DType::Float64);
      td::Tensor runningVar = td::ones({3}, td::DType::Float64);
      return td::batchNorm(in[0], runningMean, runningVar, in[1], in[2], true);
    });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      std::vector<double> mean, biased, unbiased;
      batchStatistics(in[0], mean, biased, unbiased);
      return normalizeChannels(in[0], mean, biased, &in[1], &in[2], 1e-5);
    });
    row.differentiableInputs = {true, true, true};
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "batch_norm_train_4d_no_affine";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, kind == SampleKind::Empty ? Shape{0, 3, 2, 2} : Shape{2, 3, 2, 2}, -2, 2)};
    };
    row.apply = single([](const Inputs& in) {
      return td::batchNorm(in[0], td::Tensor(), td::Tensor(), td::Tensor(), td::Tensor(), true, 0.1, 1e-3);
    });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      std::vector<double> mean, biased, unbiased;
      batchStatistics(in[0], mean, biased, unbiased);
      return normalizeChannels(in[0], mean, biased, nullptr, nullptr, 1e-3);
    });
    row.differentiableInputs = {true};
    t.push_back(row);
  }
  {
    // The in-place update of the running statistics: momentum blend with the batch mean
    // and the unbiased batch variance (as PyTorch).
    OpInfo row;
    row.name = "batch_norm_running_stats";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind != SampleKind::Standard) return {};
      return {uniform(rng, {4, 3, 2}, -2, 2), uniform(rng, {3}, -1, 1), uniform(rng, {3}, 0.5, 2)};
    };
    row.apply = [](const Inputs& in) -> Outputs {
      td::Tensor runningMean = in[1].clone();
      td::Tensor runningVar = in[2].clone();
      td::batchNorm(in[0], runningMean, runningVar, td::Tensor(), td::Tensor(), true, 0.3);
      return {runningMean, runningVar};
    };
    row.reference = [](const std::vector<RefTensor>& in) -> std::vector<RefTensor> {
      std::vector<double> mean, biased, unbiased;
      batchStatistics(in[0], mean, biased, unbiased);
      RefTensor runningMean = in[1], runningVar = in[2];
      for (std::size_t c = 0; c < 3; ++c) {
        runningMean.values[c] = 0.7 * runningMean.values[c] + 0.3 * mean[c];
        runningVar.values[c] = 0.7 * runningVar.values[c] + 0.3 * unbiased[c];
      }
      return {runningMean, runningVar};
    };
    row.differentiableInputs = {false, false, false};
    row.supportsEmpty = false;
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "batch_norm_eval";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, kind == SampleKind::Empty ? Shape{0, 3, 2} : Shape{4, 3, 2}, -2, 2), uniform(rng, {3}, -1, 1),
              uniform(rng, {3}, 0.5, 2), uniform(rng, {3}, 0.5, 1.5), uniform(rng, {3}, -1, 1)};
    };
    row.apply = single([](const Inputs& in) { return td::batchNorm(in[0], in[1], in[2], in[3], in[4], false); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      return normalizeChannels(in[0], in[1].values, in[2].values, &in[3], &in[4], 1e-5);
    });
    row.differentiableInputs = {true, false, false, true, true};
    t.push_back(row);
  }
}

}  // namespace tdtest::rows
