#pragma once
// A TapeObserver that keeps copies of what it is told, and an RAII registration.
#include <cstdint>
#include <string>
#include <vector>

#include "tapedeck/autograd/Tape.h"

namespace tdtest {

struct RecordedStep {
  td::TapeEntry entry;
  std::vector<td::Tensor> gradOutputs;  // kept only when the observer keeps gradients
  std::vector<td::Tensor> gradInputs;
};

class RecordingObserver : public td::TapeObserver {
 public:
  explicit RecordingObserver(bool keepGradients = true) : m_keepGradients(keepGradients) {}

  void onForward(const td::TapeEntry& entry, const td::OpTensors& tensors) override {
    forward.push_back(entry);
    std::vector<uint64_t> ids;
    for (std::size_t i = 0; i < tensors.numOutputs; ++i)
      ids.push_back(tensors.outputs[i].defined() ? tensors.outputs[i].id() : 0);
    forwardOutputIds.push_back(ids);
    events.push_back("forward:" + std::string(td::opName(entry.op)));
  }
  void onBackwardBegin(const std::vector<td::Tensor>& roots) override {
    ++backwardBegins;
    std::vector<uint64_t> ids;
    for (const td::Tensor& r : roots) ids.push_back(r.defined() ? r.id() : 0);
    rootIds.push_back(ids);
    events.push_back("begin");
  }
  void onBackwardStep(const td::TapeEntry& entry, const td::BackwardStep& step) override {
    RecordedStep recorded{entry, {}, {}};
    if (m_keepGradients) {
      if (step.gradOutputs) recorded.gradOutputs = *step.gradOutputs;
      if (step.gradInputs) recorded.gradInputs = *step.gradInputs;
    }
    steps.push_back(std::move(recorded));
    events.push_back("step:" + std::string(td::opName(entry.op)));
  }
  void onBackwardEnd() override {
    ++backwardEnds;
    events.push_back("end");
  }
  void onIterationEnd(uint64_t iteration) override { iterationEnds.push_back(iteration); }

  void clear() {
    forward.clear();
    forwardOutputIds.clear();
    steps.clear();
    rootIds.clear();
    events.clear();
    iterationEnds.clear();
    backwardBegins = backwardEnds = 0;
  }

  /// Forward entries of `op`, in order.
  std::vector<td::TapeEntry> forwardOf(td::OpId op) const {
    std::vector<td::TapeEntry> out;
    for (const td::TapeEntry& e : forward)
      if (e.op == op) out.push_back(e);
    return out;
  }

  std::vector<td::TapeEntry> forward;
  std::vector<std::vector<uint64_t>> forwardOutputIds;  // the OpTensors' output ids, per forward entry
  std::vector<RecordedStep> steps;
  std::vector<std::vector<uint64_t>> rootIds;
  std::vector<std::string> events;  // "forward:<op>", "begin", "step:<op>", "end"
  std::vector<uint64_t> iterationEnds;
  int backwardBegins = 0;
  int backwardEnds = 0;

 private:
  bool m_keepGradients;
};

/// Attaches an observer for the scope's lifetime.
class ObserverScope {
 public:
  explicit ObserverScope(td::TapeObserver* observer) : m_observer(observer) { td::Tape::addObserver(observer); }
  ~ObserverScope() { td::Tape::removeObserver(m_observer); }
  ObserverScope(const ObserverScope&) = delete;
  ObserverScope& operator=(const ObserverScope&) = delete;

 private:
  td::TapeObserver* m_observer;
};

}  // namespace tdtest
