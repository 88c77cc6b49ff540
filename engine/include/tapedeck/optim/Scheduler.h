#pragma once
// Learning-rate schedulers with PyTorch's closed-form formulas. Construction sets the
// optimizer's lr for step 0 (as PyTorch's initial step); each step() advances one step
// (an epoch or a batch, as the caller decides) and sets the lr for it.
#include <cstdint>

#include "tapedeck/optim/Optimizer.h"

namespace td::optim {

class LrScheduler {
 public:
  /// The optimizer must outlive the scheduler; its current lr becomes the base lr.
  explicit LrScheduler(Optimizer& optimizer);
  virtual ~LrScheduler();
  LrScheduler(const LrScheduler&) = delete;
  LrScheduler& operator=(const LrScheduler&) = delete;

  /// Advances one step and sets the optimizer's learning rate.
  void step();
  /// Steps taken since construction (0 right after it).
  int64_t lastEpoch() const { return m_lastEpoch; }
  double baseLr() const { return m_baseLr; }
  /// The optimizer's current learning rate.
  double lr() const;
  /// The learning rate this schedule gives at step `epoch` (no side effects).
  virtual double lrAt(int64_t epoch) const = 0;

  /// "last_epoch" and "base_lr", so a resumed run continues the schedule.
  StateDict stateDict() const;
  void loadStateDict(const StateDict& state);

 protected:
  /// Sets the lr for step 0; subclasses call it at the end of their constructor.
  void start();

 private:
  Optimizer& m_optimizer;
  double m_baseLr;
  int64_t m_lastEpoch = 0;
};

/// lr = baseLr * gamma^floor(epoch / stepSize).
class StepLR : public LrScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t stepSize, double gamma = 0.1);
  double lrAt(int64_t epoch) const override;

 private:
  int64_t m_stepSize;
  double m_gamma;
};

/// lr = etaMin + (baseLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2.
class CosineAnnealingLR : public LrScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t tMax, double etaMin = 0.0);
  double lrAt(int64_t epoch) const override;

 private:
  int64_t m_tMax;
  double m_etaMin;
};

enum class AnnealStrategy { Cos, Linear };

struct OneCycleOptions {
  double pctStart = 0.3;
  AnnealStrategy annealStrategy = AnnealStrategy::Cos;
  double divFactor = 25.0;
  double finalDivFactor = 1e4;
};

/// The 1cycle policy (two phases, as PyTorch's default): from maxLr / divFactor up to
/// maxLr over the first pctStart of totalSteps, then down to maxLr / divFactor /
/// finalDivFactor at step totalSteps - 1. Stepping past totalSteps is an error.
/// Momentum is not cycled.
class OneCycleLR : public LrScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double maxLr, int64_t totalSteps, OneCycleOptions options = {});
  double lrAt(int64_t epoch) const override;

 private:
  double m_maxLr;
  int64_t m_totalSteps;
  OneCycleOptions m_options;
};

}  // namespace td::optim
