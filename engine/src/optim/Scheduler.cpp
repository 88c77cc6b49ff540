// Learning-rate schedulers: PyTorch's closed forms (_get_closed_form_lr, and OneCycleLR's
// phase table).
#include "tapedeck/optim/Scheduler.h"

#include <cmath>
#include <numbers>

#include "tapedeck/ops/Ops.h"

namespace td::optim {

LrScheduler::LrScheduler(Optimizer& optimizer) : m_optimizer(optimizer), m_baseLr(optimizer.lr()) {}

LrScheduler::~LrScheduler() = default;

void LrScheduler::start() { m_optimizer.setLr(lrAt(0)); }

void LrScheduler::step() {
  double next = lrAt(m_lastEpoch + 1);
  ++m_lastEpoch;
  m_optimizer.setLr(next);
}

double LrScheduler::lr() const { return m_optimizer.lr(); }

StateDict LrScheduler::stateDict() const {
  return {{"last_epoch", scalarTensor(static_cast<double>(m_lastEpoch), DType::Float64)},
          {"base_lr", scalarTensor(m_baseLr, DType::Float64)}};
}

void LrScheduler::loadStateDict(const StateDict& state) {
  bool hasEpoch = false, hasBase = false;
  int64_t epoch = 0;
  double base = 0.0;
  for (const auto& [key, tensor] : state) {
    TD_CHECK(key == "last_epoch" || key == "base_lr", "LrScheduler", "loadStateDict: unexpected key ", key);
    TD_CHECK(tensor.defined() && tensor.numel() == 1, "LrScheduler", "loadStateDict: ", key, " must hold one value");
    if (key == "last_epoch") {
      epoch = static_cast<int64_t>(tensor.item());
      hasEpoch = true;
    } else {
      base = tensor.item();
      hasBase = true;
    }
  }
  TD_CHECK(hasEpoch && hasBase, "LrScheduler", "loadStateDict: missing keys:", hasEpoch ? "" : " last_epoch",
           hasBase ? "" : " base_lr");
  m_lastEpoch = epoch;
  m_baseLr = base;
}

StepLR::StepLR(Optimizer& optimizer, int64_t stepSize, double gamma)
    : LrScheduler(optimizer), m_stepSize(stepSize), m_gamma(gamma) {
  TD_CHECK(stepSize > 0, "StepLR", "step_size must be positive, got ", stepSize);
  start();
}

double StepLR::lrAt(int64_t epoch) const {
  return baseLr() * std::pow(m_gamma, static_cast<double>(epoch / m_stepSize));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t tMax, double etaMin)
    : LrScheduler(optimizer), m_tMax(tMax), m_etaMin(etaMin) {
  TD_CHECK(tMax > 0, "CosineAnnealingLR", "T_max must be positive, got ", tMax);
  start();
}

double CosineAnnealingLR::lrAt(int64_t epoch) const {
  double progress = static_cast<double>(epoch) / static_cast<double>(m_tMax);
  return m_etaMin + (baseLr() - m_etaMin) * (1.0 + std::cos(std::numbers::pi * progress)) / 2.0;
}

OneCycleLR::OneCycleLR(Optimizer& optimizer, double maxLr, int64_t totalSteps, OneCycleOptions options)
    : LrScheduler(optimizer), m_maxLr(maxLr), m_totalSteps(totalSteps), m_options(options) {
  TD_CHECK(totalSteps > 0, "OneCycleLR", "total_steps must be positive, got ", totalSteps);
  TD_CHECK(options.pctStart >= 0.0 && options.pctStart <= 1.0, "OneCycleLR", "pct_start must be in [0, 1], got ",
           options.pctStart);
  TD_CHECK(options.divFactor > 0.0 && options.finalDivFactor > 0.0, "OneCycleLR",
           "div_factor and final_div_factor must be positive");
  start();
}

double OneCycleLR::lrAt(int64_t epoch) const {
  TD_CHECK(epoch <= m_totalSteps, "OneCycleLR", "tried to step ", epoch, " times; total_steps is ", m_totalSteps);
  double initialLr = m_maxLr / m_options.divFactor;
  double minLr = initialLr / m_options.finalDivFactor;
  struct Phase {
    double endStep, startLr, endLr;
  };
  const Phase phases[2] = {{m_options.pctStart * static_cast<double>(m_totalSteps) - 1.0, initialLr, m_maxLr},
                           {static_cast<double>(m_totalSteps) - 1.0, m_maxLr, minLr}};
  auto anneal = [&](double start, double end, double pct) {
    if (m_options.annealStrategy == AnnealStrategy::Linear) return (end - start) * pct + start;
    return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
  };
  double step = static_cast<double>(epoch);
  double startStep = 0.0;
  for (std::size_t i = 0; i < 2; ++i) {
    const Phase& phase = phases[i];
    if (step <= phase.endStep || i == 1) {
      double pct = (step - startStep) / (phase.endStep - startStep);
      return anneal(phase.startLr, phase.endLr, pct);
    }
    startStep = phase.endStep;
  }
  return minLr;
}

}  // namespace td::optim
