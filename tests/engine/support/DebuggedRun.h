#pragma once
// The debugger tests' harness: a run on a worker thread under a debugger, and a float64
// leaf that requires grad.
#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Debugger.h"

namespace tdtest {

/// Runs `body` on a worker thread with the debugger attached; records a Cancelled and
/// tells the debugger when the run ends.
class DebuggedRun {
 public:
  DebuggedRun(td::debug::Debugger& debugger, std::function<void()> body) : m_debugger(debugger) {
    m_debugger.attach();
    m_thread = std::thread([this, body = std::move(body)] {
      try {
        body();
        m_debugger.finish(false);
      } catch (const td::debug::Cancelled&) {
        cancelled = true;
        m_debugger.finish(false);
      } catch (...) {
        m_debugger.finish(true);
      }
      done = true;
    });
  }
  ~DebuggedRun() {
    if (m_thread.joinable()) m_thread.join();
    m_debugger.detach();
  }
  /// Waits for the run and detaches (a debugger observes, and pauses, until detached).
  void join() {
    m_thread.join();
    m_debugger.detach();
  }

  std::atomic<bool> cancelled{false};
  std::atomic<bool> done{false};

 private:
  td::debug::Debugger& m_debugger;
  std::thread m_thread;
};

inline td::Tensor leaf(std::vector<double> values) {
  td::Tensor x = td::fromVector(values, {}, td::DType::Float64);
  x.setRequiresGrad();
  return x;
}

}  // namespace tdtest
