#pragma once
// The recorder: what makes time travel possible. For every entry of the current iteration
// and the previous N it keeps the entry, statistics of its inputs, outputs and gradients,
// and their values within a memory budget (by default; RecorderOptions can leave out the
// values, or the statistics too, to keep the tape alone): it holds references to the tensors'
// memory and counts their bytes; before an in-place write to memory it holds (an
// optimizer step, relu_) the engine tells it (WriteWatcher) and it keeps the old value
// first: a copy, or, when the write covers the whole storage of more than kCopyBelowBytes,
// the old memory itself while the write goes to fresh memory. Over budget, the oldest values go first; a query for one
// says it was dropped.
// Queries run from any thread and return snapshots: plain structs and private copies.
// Statistics of a held value are computed when first asked for (a query, or before the
// budget drops the value), since the held value never changes; those the debugger's checks
// need at once, and those of values not held, are computed as the entry is recorded.
#include <atomic>
#include <cstdint>
#include <deque>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "tapedeck/autograd/Tape.h"
#include "tapedeck/core/Storage.h"
#include "tapedeck/debug/Stats.h"

namespace td::debug {

struct RecorderOptions {
  std::size_t budgetBytes = std::size_t{256} << 20;  ///< values held (references and copies)
  int previousIterations = 2;  ///< kept besides the current one
  bool keepValues = true;      ///< false: no values (statistics only, or the tape: keepStats)
  /// false: the recorder computes no statistics of its own accord: without values, it keeps
  /// the tape alone (each tensor's id, name, shape and dtype), the cheapest recording, and
  /// with values, a value the budget drops goes without its statistics. Those a query asks
  /// of a held value, and those the debugger's checks need (a tensor with a NaN or Inf, a
  /// gradient under a norm breakpoint), are still computed.
  bool keepStats = true;
};

enum class ValueState : uint8_t {
  Held,     ///< the value is available
  Dropped,  ///< it was held and dropped to stay within the budget
  NotKept,  ///< never held (values off, or a tensor not in CPU memory)
};
const char* valueStateName(ValueState state);

/// One tensor of an entry, as it was when the entry ran.
struct TensorRecord {
  uint64_t tensorId = 0;
  std::string name;  ///< a parameter's or buffer's qualified name ("fc1.weight"); empty for others
  std::vector<int64_t> shape;
  DType dtype = DType::Float32;
  TensorStats stats;
  ValueState state = ValueState::NotKept;
  Tensor value;  ///< a private copy, when held and asked for
};

/// One entry and its tensors. Backward fills gradOutputs (w.r.t. its outputs) and
/// gradInputs (w.r.t. its inputs; an empty record where an input needs none).
struct EntryRecord {
  TapeEntry entry;
  std::string name;   ///< op display name ("matmul", or a custom function's name)
  std::string scope;  ///< module path
  SourceLoc loc;      ///< resolved
  std::vector<TensorRecord> inputs;
  std::vector<TensorRecord> outputs;
  std::vector<TensorRecord> gradOutputs;
  std::vector<TensorRecord> gradInputs;
  bool backwardRan = false;
  int64_t savedBytes = 0;  ///< tensors this entry saved for backward
};

/// What entries() copies. Values are never copied for a listing, except those of tensors
/// of at most `valuesUpTo` elements (a graph that shows a scalar lesson's numbers).
struct EntryQuery {
  bool withStats = true;      ///< false: statistics not yet computed stay so (stats.computed false)
  std::size_t fromIndex = 0;  ///< skip the iteration's first entries (a live view's increment)
  int64_t valuesUpTo = 0;     ///< copy the values of held tensors with at most this many elements
};

/// Memory of one iteration, sampled at each entry (so peaks are as seen between ops).
struct IterationMemory {
  uint64_t iteration = 0;
  std::size_t entries = 0;
  int64_t tensorBytes = 0;       ///< all live tensor memory, at the last entry
  int64_t tensorBytesPeak = 0;
  int64_t savedBytes = 0;        ///< saved for backward and not yet released, at the last entry
  int64_t savedBytesPeak = 0;
  int64_t recorderBytes = 0;     ///< values the recorder holds (references and copies)
  int64_t recorderBytesPeak = 0;
  int64_t copyBytes = 0;         ///< of which its own copies (taken before in-place writes)
  int64_t copyBytesPeak = 0;
};

/// One backward() root's value: the loss curve a training script draws without a line
/// of logging code.
struct LossPoint {
  uint64_t iteration = 0;
  uint64_t backward = 0;  ///< 1, 2, ...: the backward() call since the recorder started
  double value = 0.0;     ///< NaN when the root was NaN (or not a one-element float tensor)
  uint64_t rootEntry = 0;  ///< the entry that made the root (the loss's last op); 0 for a leaf root
};

/// The norm of one parameter's gradient after a backward() (tracked on request).
struct GradNormPoint {
  uint64_t iteration = 0;
  uint64_t backward = 0;  ///< as LossPoint::backward
  std::string name;       ///< the parameter's qualified name ("fc1.weight")
  double norm = 0.0;      ///< L2 norm of its .grad (of the finite values; NaN when none is finite)
};

/// What the debugger's checks need from the entry just recorded (no second pass).
struct RecordSummary {
  bool checked = false;          ///< computed (recordForward/Backward with `checks`); else empty
  bool nonFinite = false;        ///< a NaN or Inf in the outputs (forward) or gradients (backward)
  double squaredNorm = 0.0;      ///< of the input gradients (backward), infinite when not finite
};

class Recorder : public TapeObserver, public WriteWatcher {
 public:
  explicit Recorder(RecorderOptions options = {});
  ~Recorder() override;  ///< detaches
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  /// Observing on its own (the Debugger forwards to a recorder it owns instead).
  void attach();
  void detach();

  // --- settings and queries: any thread ---------------------------------------------
  void setBudget(std::size_t bytes);  ///< drops the oldest values at once when lowered
  std::size_t budget() const;
  void setPreviousIterations(int count);
  int previousIterations() const;
  /// What it keeps besides the tape (fixed when made).
  bool keepsValues() const { return m_options.keepValues; }
  bool keepsStats() const { return m_options.keepStats; }
  /// Drops everything recorded.
  void clear();

  /// The entry with id `id` (values copied when `withValues`); nullopt when not recorded
  /// or no longer kept.
  std::optional<EntryRecord> entry(uint64_t id, bool withValues = true) const;
  /// The entries of `iteration`, in order (statistics only, values never copied here).
  /// Without `withStats`, statistics not yet computed are left so (stats.computed false):
  /// a cheap listing for a view that shows none (the IDE's live tape).
  std::vector<EntryRecord> entries(uint64_t iteration, bool withStats = true) const;
  std::vector<EntryRecord> entries(uint64_t iteration, const EntryQuery& query) const;
  /// The iterations kept, oldest first.
  std::vector<uint64_t> iterations() const;
  std::vector<IterationMemory> memory() const;
  /// Bytes of values held now (references and copies), and of its own copies.
  std::size_t heldBytes() const;
  std::size_t copyBytes() const;
  /// The backward() roots seen (one-element float roots; the first root of a call), from
  /// the `from`-th on: at most the last kMaxLossPoints are kept.
  std::vector<LossPoint> losses(std::size_t from = 0) const;
  /// How many roots were seen in all (those dropped for the cap included).
  std::size_t lossCount() const;
  static constexpr std::size_t kMaxLossPoints = 1'000'000;
  /// Per-parameter gradient norms: when on, every named leaf that requires grad and is read
  /// by a recorded op (a module's parameters) has its .grad's norm taken after each
  /// backward(). Off by default: it costs a pass over every gradient per iteration.
  void setGradNormTracking(bool on);
  bool gradNormTracking() const { return m_trackGradNorms.load(std::memory_order_relaxed); }
  /// The points from the `from`-th on (at most the last kMaxLossPoints kept), in order.
  std::vector<GradNormPoint> gradNorms(std::size_t from = 0) const;
  std::size_t gradNormCount() const;
  /// The chain of entries that led to entry `id`: the producers of its inputs, their
  /// producers, ... (breadth first, nearest first, at most `limit`, within the kept window).
  std::vector<uint64_t> ancestors(uint64_t id, std::size_t limit = 16) const;

  // --- the executing thread -------------------------------------------------------------
  /// Records the entry. With `checks`, the statistics of its outputs (forward) or input
  /// gradients (backward) are computed now and summarised; else the summary is empty.
  RecordSummary recordForward(const TapeEntry& entry, const OpTensors& tensors, bool checks = false);
  /// Backward: with `norms` (a gradient-norm threshold), every input gradient's statistics
  /// are computed now and summed into squaredNorm; without, the check is for NaN/Inf only
  /// and squaredNorm is meaningless.
  RecordSummary recordBackward(const TapeEntry& entry, const BackwardStep& step, bool checks = false,
                               bool norms = true);

  // TapeObserver
  void onForward(const TapeEntry& entry, const OpTensors& tensors) override { recordForward(entry, tensors); }
  void onBackwardStep(const TapeEntry& entry, const BackwardStep& step) override { recordBackward(entry, step); }
  void onBackwardBegin(const std::vector<Tensor>& roots) override { recordBackwardBegin(roots); }
  void onBackwardEnd() override { recordBackwardEnd(); }
  /// With gradient norm tracking on, takes the tracked parameters' gradient norms.
  void recordBackwardEnd();
  /// Keeps the first root's value as a loss point (one-element float roots only).
  void recordBackwardBegin(const std::vector<Tensor>& roots);
  // WriteWatcher
  void beforeWrite(Storage& storage, bool mayMove, std::shared_ptr<Storage>& moved) override;

 private:
  static constexpr uint64_t kNoValue = ~uint64_t{0};
  static constexpr uint32_t kNoStats = ~uint32_t{0};  ///< no statistics in a side list
  /// Values up to this size are copied before a write, never moved (see beforeWrite).
  static constexpr int64_t kCopyBelowBytes = 4096;

  /// A value held: a reference to live memory (watched) or the recorder's own copy. What
  /// dropping an iteration and beforeWrite read comes first (one cache line of a value).
  struct Value {
    std::shared_ptr<Storage> storage;
    /// The next older value that referenced the same storage when held (kNoValue: none).
    uint64_t previous = kNoValue;
    int64_t bytes = 0;
    int64_t offset = 0;
    DType dtype = DType::Float32;
    bool copied = false;
    bool dropped = false;
    /// Its statistics once computed (then kept when the value is dropped): an index into
    /// m_valueStats (kNoStats: not yet).
    mutable uint32_t stats = kNoStats;
    /// Its shape and then its strides, `rank` values each, from m_valueDims[dims] (kept
    /// apart so that a value is one cache line and holding one copies no small vectors).
    uint32_t dims = 0;
    uint32_t rank = 0;
  };
  static_assert(sizeof(Value) <= 64, "a value is one cache line");
  /// The newest value holding a storage whose mark another recorder owns: beforeWrite walks
  /// from it through `previous` instead of searching every value. Open addressing on the
  /// address (null: empty); stale links (their values dropped) go at the next rebuild.
  struct StorageLink {
    const Storage* storage = nullptr;
    uint64_t newest = kNoValue;
  };
  /// A tensor of an entry: statistics (when computed; else those of its value) and the
  /// index of its value (kNoValue: not kept).
  struct Slot {
    uint64_t tensorId = 0;
    uint64_t value = kNoValue;
    uint32_t nameId = 0;  ///< the tensor's interned name (parameters), 0 for none
    /// Its own statistics (a fill's, a value not held, or computed as recorded): an index
    /// into its iteration's `stats`; kNoStats: those of its value, when computed.
    uint32_t stats = kNoStats;
    uint32_t dims = 0;      ///< its shape: `rank` values from its iteration's `dims`
    uint16_t rank = 0;
    bool constant = false;  ///< a fill's output: not held, its value is its statistics' min
    DType dtype = DType::Float32;
  };
  static_assert(std::is_trivially_destructible_v<Slot>, "dropping an iteration's slots touches none of them");
  /// Slots of a record: [begin, begin + count) in its iteration's slot arena.
  struct Range {
    uint32_t begin = 0;
    uint32_t count = 0;
  };
  static constexpr uint32_t kNoAttrs = ~uint32_t{0};
  /// An entry as recorded: its TapeEntry less what its slots already say (the input and
  /// output ids) and what most entries lack (attributes and saved ids, kept in its
  /// iteration's `attrs` and `ids` when present). At most 144 bytes, copied field by field,
  /// nothing to destroy; entryOf() rebuilds the TapeEntry for a query.
  struct Record {
    uint64_t id = 0;
    uint64_t createdBy = 0;
    uint64_t iteration = 0;
    uint64_t inplaceTarget = 0;  ///< an in-place entry's output id (its output slot is the op's result)
    SourceLoc loc;
    ScopeId scope = 0;
    ScopeId enteredScope = 0;
    uint32_t customName = 0;
    uint32_t attrs = kNoAttrs;  ///< its attributes: an index into its iteration's `attrs`, or the defaults
    uint32_t saved = 0;         ///< its saved ids: `savedCount` values from its iteration's `ids`
    uint32_t savedCount = 0;
    OpId op = OpId::Add;
    Direction direction = Direction::Forward;
    bool differentiable = false;
    bool inplace = false;
    bool backwardRan = false;
    Range inputs, outputs, gradOutputs, gradInputs;
    int64_t savedBytes = 0;
  };
  static_assert(std::is_trivially_destructible_v<Record>, "dropping an iteration's records touches none of them");
  static_assert(sizeof(Record) <= 144, "a record stays small: the recorder copies one per entry");
  /// Records and their slots in two arenas, reserved from the previous iteration's sizes,
  /// so a training loop's steady state allocates nothing per entry.
  struct Iteration {
    uint64_t number = 0;
    std::vector<Record> records;
    std::vector<Slot> slots;
    std::vector<TensorStats> stats;  ///< the slots' own statistics (Slot::stats), few
    std::vector<int64_t> dims;       ///< the slots' shapes, one after another
    std::vector<OpAttrs> attrs;      ///< the records' attributes other than the defaults (Record::attrs)
    std::vector<uint64_t> ids;       ///< the records' saved ids (Record::saved)
    uint64_t firstValue = 0;  ///< index of its first value
    IterationMemory memory;
  };
  /// A tensor seen at a version (in this iteration or the previous one): its statistics
  /// and value are reused, not recomputed. Kept in a list with free places (tensorId 0),
  /// found through the tensor's recorderMark (this recorder's serial and the place + 1), or,
  /// for a tensor another recorder marked first, through m_knownElsewhere.
  struct Known {
    uint64_t tensorId = 0;
    uint64_t version = 0;
    uint64_t value = kNoValue;
    uint64_t lastIteration = 0;
    /// Its statistics, when computed: an index into m_knownStats (kNoStats: none yet). An
    /// entry keeps its index while in the table (so the list grows only with the table).
    uint32_t stats = kNoStats;
    bool constant = false;  ///< a fill's output (see Slot::constant)
  };

  /// Value of `t` appended to `iteration`'s arena (reused when known), with its statistics
  /// when `computeNow`, given, or not held.
  void addSlot(Iteration& iteration, const Tensor& t, bool computeNow, const TensorStats* knownStats = nullptr);
  /// A slot for `t` with its tensor's id, name, shape and dtype only.
  static Slot& newSlot(Iteration& iteration, const Tensor& t);
  /// Whether a slot is its id, name, shape and dtype alone: the tape only, and no statistics
  /// asked for now or given (a fill's, free). Such a slot needs no known-tensor lookup.
  bool tapeOnly(bool computeNow, const TensorStats* knownStats) const {
    return !m_options.keepValues && !m_options.keepStats && !computeNow && knownStats == nullptr;
  }
  /// An input of an in-place entry recorded after it wrote `written`: on that memory, the
  /// input as it was read (before the write); any other, as addSlot.
  void addSlotAsRead(Iteration& iteration, const Tensor& t, const Storage* written);
  Range addSlots(Iteration& iteration, const Tensor* tensors, std::size_t n, bool computeNow);
  /// A slot's own statistics (null: none).
  static const TensorStats* ownStats(const Iteration& iteration, const Slot& slot) {
    return slot.stats == kNoStats ? nullptr : &iteration.stats[slot.stats];
  }
  /// Statistics kept in a side list `list` at `index` (kNoStats: none yet): overwritten
  /// there, else appended when computed. Slots, values and known tensors keep theirs so.
  static void keepStats(std::vector<TensorStats>& list, uint32_t& index, const TensorStats& stats) {
    if (index != kNoStats) {
      list[index] = stats;
    } else if (stats.computed) {
      index = static_cast<uint32_t>(list.size());
      list.push_back(stats);
    }
  }
  static void setOwnStats(Iteration& iteration, Slot& slot, const TensorStats& stats) {
    keepStats(iteration.stats, slot.stats, stats);
  }
  static IntList shapeOf(const Iteration& iteration, const Slot& slot) {
    const int64_t* first = iteration.dims.data() + slot.dims;
    return IntList(first, first + slot.rank);
  }
  /// A slot's statistics: its own, else its value's (computed now if need be).
  const TensorStats& statsOf(const Iteration& iteration, const Slot& slot) const;
  /// The debugger's NaN/Inf check of a slot just added for `t`, into `summary`.
  void checkFinite(Iteration& iteration, Slot& slot, const Tensor& t, RecordSummary& summary);
  /// Computes a held value's statistics if not yet done.
  const TensorStats& valueStats(const Value& value) const;
  /// A value's statistics when computed, else null.
  const TensorStats* computedStats(const Value& value) const {
    return value.stats != kNoStats && m_valueStats[value.stats].computed ? &m_valueStats[value.stats] : nullptr;
  }
  void setValueStats(const Value& value, const TensorStats& stats) const {
    keepStats(m_valueStats, value.stats, stats);
  }
  // A storage's watcher mark, when this recorder set it first: its serial in the top byte,
  // the newest value held on it + 1 below (0: none). Other storages are in m_links.
  bool ownsMark(uint64_t mark) const { return m_serial != 0 && mark >> 56 == m_serial; }
  static uint64_t newestIn(uint64_t mark) {
    const uint64_t index = mark & ((uint64_t{1} << 56) - 1);
    return index == 0 ? kNoValue : index - 1;
  }
  uint64_t markOf(uint64_t index) const { return uint64_t{m_serial} << 56 | (index + 1); }
  StorageLink* findLink(const Storage* storage);
  StorageLink& insertLink(const Storage* storage);
  void rebuildLinks(std::size_t minimumCapacity);
  Known* findKnown(const TensorImpl& t);
  static uint32_t takeSerial();
  static void giveBackSerial(uint32_t serial);
  /// A known tensor's statistics when computed, else null.
  const TensorStats* statsOfKnown(const Known& known) const {
    return known.stats != kNoStats && m_knownStats[known.stats].computed ? &m_knownStats[known.stats] : nullptr;
  }
  /// Sets them (`stats.computed` false: forgets them).
  void setKnownStats(Known& known, const TensorStats& stats) { keepStats(m_knownStats, known.stats, stats); }
  /// A place for `t`, not known yet (findKnown found none).
  Known& insertKnown(TensorImpl& t);
  /// Frees the places of tensors not seen since iteration `keepFrom`.
  void sweepKnown(uint64_t keepFrom);
  static int64_t viewBytes(const Tensor& t);
  uint64_t hold(const Tensor& t);
  Tensor borrowedView(const Value& value) const;
  static Tensor privateCopy(const Tensor& view);
  /// A constant slot's value (see Slot::constant): every element `value`, built without an op.
  static Tensor constantTensor(const Iteration& iteration, const Slot& slot, double value);
  void release(Value& value);
  void evictOverBudget();
  Iteration& currentIteration(uint64_t number);
  void dropOldIterations();
  void sampleMemory(Iteration& iteration);
  const Record* find(uint64_t id, const Iteration** owner = nullptr) const;
  /// The entry a record was made from.
  static TapeEntry entryOf(const Iteration& iteration, const Record& record);
  /// Fills `record` from `entry` (its slots are added apart).
  static void keepEntry(Iteration& iteration, Record& record, const TapeEntry& entry);
  /// `valuesUpTo` < 0: every held value; else those of at most that many elements.
  TensorRecord snapshot(const Iteration& iteration, const Slot& slot, int64_t valuesUpTo, bool withStats = true) const;
  EntryRecord snapshot(const Iteration& iteration, const Record& record, int64_t valuesUpTo,
                       bool withStats = true) const;

  mutable std::mutex m_mutex;
  RecorderOptions m_options;
  std::deque<Iteration> m_iterations;
  std::vector<Record> m_spareRecords;  ///< emptied arenas of the last dropped iteration
  std::vector<Slot> m_spareSlots;
  std::vector<TensorStats> m_spareStats;
  std::vector<int64_t> m_spareDims;
  std::vector<OpAttrs> m_spareAttrs;
  std::vector<uint64_t> m_spareIds;
  /// In the order held: the value with global index g is m_values[m_valueFront + g - m_valueBase].
  /// Dropped iterations' values leave the front by moving m_valueFront (compacted now and
  /// then), not by shifting every later value down each iteration.
  std::vector<Value> m_values;
  std::size_t m_valueFront = 0;
  mutable std::vector<TensorStats> m_valueStats;  ///< Value::stats (compacted with m_values)
  std::vector<int64_t> m_valueDims;               ///< Value::dims (compacted with m_values)
  IntList valueShape(const Value& value) const {
    const int64_t* first = m_valueDims.data() + value.dims;
    return IntList(first, first + value.rank);
  }
  IntList valueStrides(const Value& value) const {
    const int64_t* first = m_valueDims.data() + value.dims + value.rank;
    return IntList(first, first + value.rank);
  }
  Value& valueAt(uint64_t global) { return m_values[m_valueFront + (global - m_valueBase)]; }
  const Value& valueAt(uint64_t global) const { return m_values[m_valueFront + (global - m_valueBase)]; }
  /// Values held, from m_valueBase on.
  std::size_t valueCount() const { return m_values.size() - m_valueFront; }
  uint64_t m_valueBase = 0;
  uint64_t m_evictCursor = 0;   ///< values before it are dropped
  int64_t m_heldBytes = 0;
  int64_t m_copyBytes = 0;
  std::vector<StorageLink> m_links;  ///< power-of-two open-addressing table
  std::size_t m_linksUsed = 0;
  std::vector<Known> m_known;
  std::vector<uint32_t> m_knownFree;      ///< free places in m_known
  std::unordered_map<uint64_t, uint32_t> m_knownElsewhere;  ///< tensor id -> place, for tensors it could not mark
  uint32_t m_serial = 0;                  ///< in the top byte of its marks (1-255; 0: it sets none)
  std::vector<TensorStats> m_knownStats;  ///< Known::stats
  std::size_t m_knownInserted = 0;        ///< since the last sweep
  std::size_t m_knownAfterSweep = 0;      ///< in use after the last sweep
  int64_t m_savedLive = 0;
  std::vector<std::shared_ptr<Storage>> m_dead;  ///< released under the lock, freed after it
  bool m_attached = false;
  std::deque<LossPoint> m_losses;
  std::size_t m_lossCount = 0;  ///< all seen; m_losses holds the last ones
  std::atomic<bool> m_trackGradNorms{false};
  /// Parameters seen while tracking (references), with the backward() count when last
  /// read: one not read since the previous backward() is dropped (a model let go of is
  /// neither kept alive nor reported).
  struct NamedLeaf {
    Tensor tensor;
    uint64_t lastRead = 0;
  };
  std::vector<NamedLeaf> m_namedLeaves;
  uint64_t m_gradNormEpoch = 0;
  std::deque<GradNormPoint> m_gradNorms;
  std::size_t m_gradNormCount = 0;
};

}  // namespace td::debug
