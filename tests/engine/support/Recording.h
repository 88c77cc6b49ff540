#pragma once
// The recorder tests' harness: a recorder attached for a scope, float64 tensors, and the
// entries of its newest iteration.
#include <optional>
#include <vector>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Recorder.h"

namespace tdtest {

using td::debug::EntryRecord;
using td::debug::Recorder;
using td::debug::RecorderOptions;
using td::debug::ValueState;

inline td::Tensor f64(std::vector<double> values) { return td::fromVector(values, {}, td::DType::Float64); }

/// The entries of the recorder's newest iteration.
inline std::vector<td::debug::EntryRecord> newest(const td::debug::Recorder& recorder) {
  const std::vector<uint64_t> kept = recorder.iterations();
  return kept.empty() ? std::vector<td::debug::EntryRecord>{} : recorder.entries(kept.back());
}

inline const td::debug::EntryRecord* findOp(const std::vector<td::debug::EntryRecord>& entries, td::OpId op) {
  for (const td::debug::EntryRecord& e : entries)
    if (e.entry.op == op) return &e;
  return nullptr;
}

/// The first entry of `op` in the recorder's newest iteration, with its values (as
/// Recorder::entry gives it); nullopt when there is none.
inline std::optional<td::debug::EntryRecord> newestOp(const td::debug::Recorder& recorder, td::OpId op) {
  const std::vector<td::debug::EntryRecord> entries = newest(recorder);
  const td::debug::EntryRecord* found = findOp(entries, op);
  return found != nullptr ? recorder.entry(found->entry.id) : std::nullopt;
}

/// Attaches a recorder for a scope and starts a fresh iteration.
struct Recording {
  explicit Recording(td::debug::RecorderOptions options = {}) : recorder(options) {
    td::Tape::step();
    recorder.attach();
  }
  ~Recording() { recorder.detach(); }
  td::debug::Recorder recorder;
};

}  // namespace tdtest
