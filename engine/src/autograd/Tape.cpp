// The tape: entry ids, iterations, scopes, interned strings, observers, and the
// slow path of recording (node building, observer calls, anomaly checks).
#include "tapedeck/autograd/Tape.h"

#include <cmath>
#include <map>
#include <mutex>
#include <unordered_map>

#include "autograd/Derivatives.h"
#include "autograd/Node.h"
#include "autograd/Recording.h"
#include "ops/OpUtils.h"

namespace td {

namespace {
std::atomic<int64_t> g_liveEntries{0};
std::atomic<uint64_t> g_nextEntryId{1};
std::atomic<uint64_t> g_iteration{0};
std::atomic<uint64_t> g_entriesThisIteration{0};
std::atomic<bool> g_backwardReturned{false};

// The observers: an immutable list, replaced whole by addObserver and removeObserver. A
// replaced list is kept for the process's life (a few pointers per attach), so a thread
// that loaded one can walk it while another thread, or one of its own callbacks, changes
// the observers: reading the list is one atomic load, no reference count and no
// thread-local cache per recorded op.
using ObserverList = std::vector<TapeObserver*>;
std::mutex g_observerMutex;
std::atomic<const ObserverList*> g_observers{new ObserverList()};
std::vector<std::unique_ptr<const ObserverList>>& retiredObserverLists() {
  static auto* lists = new std::vector<std::unique_ptr<const ObserverList>>();  // reachable, never freed
  return *lists;
}

const ObserverList& observers() { return *g_observers.load(std::memory_order_acquire); }

/// (Under g_observerMutex.) Publishes `next` in place of the current list, which is kept.
void publishObservers(std::unique_ptr<ObserverList> next) {
  retiredObserverLists().emplace_back(g_observers.load(std::memory_order_relaxed));
  g_observers.store(next.release(), std::memory_order_release);
}

struct Interner {
  std::mutex mutex;
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<std::unique_ptr<std::string>> strings;
  Interner() { strings.push_back(std::make_unique<std::string>()); }
};
Interner& interner() {
  static Interner* instance = new Interner();  // never destroyed: ids outlive static destructors
  return *instance;
}

thread_local ScopeId t_scope = 0;

// Scope calls (Tape::scopeCallOf): the process-wide count, and this thread's active calls
// as (path, number), innermost last.
std::atomic<uint64_t> g_scopeCalls{0};
struct ScopeCall {
  ScopeId scope;
  uint64_t call;
};
thread_local std::vector<ScopeCall> t_scopeCalls;
thread_local uint64_t t_callsAtEntry = 0;  // g_scopeCalls at this thread's previous observed entry

/// The outermost scope call active on this thread that began after its previous observed
/// entry (its path; 0: none), and the entry now counts as that previous one.
ScopeId enteredSinceLastEntry() {
  const uint64_t now = g_scopeCalls.load(std::memory_order_relaxed);
  if (now == t_callsAtEntry) return 0;
  const uint64_t before = t_callsAtEntry;
  t_callsAtEntry = now;
  for (const ScopeCall& c : t_scopeCalls)  // outermost first
    if (c.call > before) return c.scope;
  return 0;  // the calls that began have ended already
}

void endIteration() {
  uint64_t ended = g_iteration.fetch_add(1);
  g_entriesThisIteration.store(0);
  g_backwardReturned.store(false);
  if (Tape::hasObservers())
    for (TapeObserver* o : observers()) o->onIterationEnd(ended);
}

}  // namespace

TapeEntry::TapeEntry() { g_liveEntries.fetch_add(1, std::memory_order_relaxed); }
TapeEntry::~TapeEntry() { g_liveEntries.fetch_sub(1, std::memory_order_relaxed); }
TapeEntry::TapeEntry(const TapeEntry& other)
    : id(other.id), op(other.op), differentiable(other.differentiable), inplace(other.inplace),
      direction(other.direction), createdBy(other.createdBy), iteration(other.iteration), scope(other.scope),
      enteredScope(other.enteredScope), loc(other.loc), customName(other.customName), inputIds(other.inputIds), outputIds(other.outputIds), savedIds(other.savedIds),
      attrs(other.attrs) {
  g_liveEntries.fetch_add(1, std::memory_order_relaxed);
}
TapeEntry& TapeEntry::operator=(const TapeEntry& other) = default;
int64_t TapeEntry::liveCount() { return g_liveEntries.load(); }

void Tape::addObserver(TapeObserver* observer) {
  std::lock_guard<std::mutex> lock(g_observerMutex);
  auto next = std::make_unique<ObserverList>(observers());
  next->push_back(observer);
  publishObservers(std::move(next));
  if (!s_hasObservers.exchange(true)) detail::g_slowPathUsers.fetch_add(1);
}

void Tape::removeObserver(TapeObserver* observer) {
  std::lock_guard<std::mutex> lock(g_observerMutex);
  auto next = std::make_unique<ObserverList>(observers());
  std::erase(*next, observer);
  const bool any = !next->empty();
  publishObservers(std::move(next));
  if (!any && s_hasObservers.exchange(false)) detail::g_slowPathUsers.fetch_sub(1);
}

uint64_t Tape::iteration() { return g_iteration.load(); }
bool Tape::inGradCall() { return detail::recordState().gradCall; }
void Tape::step() { endIteration(); }
bool Tape::iterationStarted() {
  return g_entriesThisIteration.load(std::memory_order_relaxed) > 0 || g_backwardReturned.load(std::memory_order_relaxed);
}

ScopeId Tape::currentScope() { return t_scope; }
std::string Tape::scopeName(ScopeId id) { return internedString(id); }

std::string Tape::entryName(const TapeEntry& entry) {
  return entry.op == OpId::Custom && entry.customName != 0 ? internedString(entry.customName)
                                                           : std::string(opName(entry.op));
}

uint32_t Tape::internedId(const std::string& text) {
  if (text.empty()) return 0;
  Interner& in = interner();
  std::lock_guard<std::mutex> lock(in.mutex);
  auto it = in.ids.find(text);
  return it != in.ids.end() ? it->second : 0;
}

uint32_t Tape::intern(const std::string& text) {
  if (text.empty()) return 0;
  Interner& in = interner();
  std::lock_guard<std::mutex> lock(in.mutex);
  auto it = in.ids.find(text);
  if (it != in.ids.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(in.strings.size());
  in.strings.push_back(std::make_unique<std::string>(text));
  in.ids.emplace(text, id);
  return id;
}

const std::string& Tape::internedString(uint32_t id) {
  Interner& in = interner();
  std::lock_guard<std::mutex> lock(in.mutex);
  TD_CHECK(id < in.strings.size(), "intern", "unknown interned id ", id);
  return *in.strings[id];
}

static ScopeId childScope(ScopeId parent, const std::string& name) {
  if (name.empty()) return parent;
  return Tape::intern(parent == 0 ? name : Tape::internedString(parent) + "." + name);
}

uint64_t Tape::scopeCallCount() { return g_scopeCalls.load(std::memory_order_relaxed); }

uint64_t Tape::scopeCallOf(ScopeId scope) {
  for (auto it = t_scopeCalls.rbegin(); it != t_scopeCalls.rend(); ++it)
    if (it->scope == scope) return it->call;
  return 0;
}

ScopeGuard::ScopeGuard(const std::string& name) : m_previous(t_scope) { enter(childScope(t_scope, name)); }
ScopeGuard::ScopeGuard(ScopeId absolutePath, bool) : m_previous(t_scope) { enter(absolutePath); }
void ScopeGuard::enter(ScopeId scope) {
  // A guard that keeps the path (the outermost module, whose ops stay in the caller's
  // scope; an empty name) is no call: it would stand for the caller's in scopeCallOf.
  if (scope != t_scope) {
    t_scopeCalls.push_back({scope, 0});  // first: a throw here leaves the path as it was
    m_call = g_scopeCalls.fetch_add(1, std::memory_order_relaxed) + 1;
    t_scopeCalls.back().call = m_call;
  }
  t_scope = scope;
}
ScopeGuard::~ScopeGuard() {
  t_scope = m_previous;
  if (m_call == 0) return;
  // Innermost last; searched from the end so that guards ended out of order (Python
  // generators interleaving `with` blocks) still remove their own call.
  for (auto it = t_scopeCalls.rbegin(); it != t_scopeCalls.rend(); ++it) {
    if (it->call == m_call) {
      t_scopeCalls.erase(std::next(it).base());
      break;
    }
  }
}

namespace detail {

std::atomic<int> g_slowPathUsers{0};

RecordState& recordState() {
  thread_local RecordState state;
  return state;
}

}  // namespace detail

UnobservedScope::UnobservedScope() : m_previous(detail::recordState().unobserved) {
  detail::recordState().unobserved = true;
}

UnobservedScope::~UnobservedScope() { detail::recordState().unobserved = m_previous; }

namespace detail {

void pushScopeLiteral(const char* name) {
  thread_local std::map<std::pair<ScopeId, const char*>, ScopeId> cache;
  auto key = std::make_pair(t_scope, name);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, childScope(t_scope, name)).first;
  t_scope = it->second;
}

void restoreScope(ScopeId id) { t_scope = id; }

namespace {
/// x * 0 is 0 for finite x and NaN for NaN or Inf, so one vectorisable sum answers.
template <typename T>
bool contiguousNonFinite(const T* data, int64_t n) {
  T acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += data[i] * T(0);
  return acc != acc;
}
}  // namespace

bool hasNonFinite(const Tensor& t) {
  if (!t.defined() || !isFloating(t.dtype())) return false;
  // Reads memory without running ops: the check never shows on the tape.
  if (t.device().isCpu() && t.isContiguous()) {
    return t.dtype() == DType::Float32 ? contiguousNonFinite(t.data<float>(), t.numel())
                                       : contiguousNonFinite(t.data<double>(), t.numel());
  }
  for (double v : t.toVector())
    if (!std::isfinite(v)) return true;
  return false;
}

void adjustLiveEntries(int64_t delta) { g_liveEntries.fetch_add(delta, std::memory_order_relaxed); }

uint64_t nextEntryId() { return g_nextEntryId.fetch_add(1, std::memory_order_relaxed); }

void noteBackwardReturned() {
  if (!recordState().unobserved) g_backwardReturned.store(true);
}

namespace {

void checkAnomaly(OpId op, const Tensor* outputs, std::size_t numOutputs) {
  for (std::size_t i = 0; i < numOutputs; ++i) {
    if (!hasNonFinite(outputs[i])) continue;
    NoGradGuard noGrad;
    throw Error(withLocation(concat("anomaly: ", opName(op), " produced NaN or Inf in its output (",
                                    describe(outputs[i]), ")")));
  }
}

/// An iteration ends at the first op after backward() returned that is not an in-place
/// write: the optimizer's update (its entries write the parameters in place) and zeroing
/// the gradients belong to the iteration whose backward they follow; the next batch, an
/// evaluation or the next forward pass start a new one.
void advanceIteration(bool inPlace) {
  if ((!inPlace && g_backwardReturned.load(std::memory_order_relaxed)) ||
      g_entriesThisIteration.fetch_add(1, std::memory_order_relaxed) >= Tape::kMaxEntriesPerIteration)
    endIteration();
}

}  // namespace

namespace {

/// What every recorded entry carries: id, op, direction, iteration, scope, line, tensor ids;
/// and, for one observers see (`observed`), the scope call it is the first entry of.
void fillEntry(TapeEntry& entry, OpId op, const RecordState& state, bool observed, const Tensor* inputs,
               std::size_t numInputs, const Tensor* outputs, std::size_t numOutputs) {
  entry.id = nextEntryId();
  entry.op = op;
  entry.direction = state.inFormula ? Direction::Backward : Direction::Forward;
  entry.createdBy = state.inFormula ? state.formulaOwner : 0;
  entry.iteration = g_iteration.load(std::memory_order_relaxed);
  entry.scope = t_scope;
  if (observed) entry.enteredScope = enteredSinceLastEntry();
  entry.loc = currentSourceLoc();
  for (std::size_t i = 0; i < numInputs; ++i) entry.inputIds.push_back(inputs[i].id());
  for (std::size_t i = 0; i < numOutputs; ++i) entry.outputIds.push_back(outputs[i].id());
}

}  // namespace

void recordOpSlow(OpId op, const Tensor* inputs, std::size_t numInputs, Tensor* outputs, std::size_t numOutputs,
                  const OpAttrs& attrs, const Tensor* extraSaved, std::size_t numExtraSaved) {
  RecordState& state = recordState();
  // A derivative formula's op outside create_graph: nothing to check, record or show.
  if (state.inFormula && !GradMode::enabled()) return;
  if (AnomalyMode::enabled() && !state.inFormula) checkAnomaly(op, outputs, numOutputs);
  bool observe = Tape::hasObservers() && !state.inFormula && !state.unobserved;
  bool needGrad = GradMode::enabled() && opInfo(op).differentiable && anyRequiresGrad(inputs, numInputs) &&
                  isFloating(outputs[0].dtype());
  if (!needGrad && !observe) return;
  if (!state.inFormula && !state.unobserved) advanceIteration(state.inplacePending && state.inplaceOp == op);

  TapeEntry local;
  std::shared_ptr<OpNode> node;
  if (needGrad) node = std::make_shared<OpNode>();
  TapeEntry& entry = needGrad ? node->entry : local;
  entry.differentiable = needGrad;
  fillEntry(entry, op, state, observe, inputs, numInputs, outputs, numOutputs);
  entry.attrs = attrs;
  if (state.inplacePending && state.inplaceOp == op) {
    entry.inplace = true;
    entry.outputIds[0] = state.inplaceTarget;
    state.inplacePending = false;
  }

  if (needGrad) {
    const DerivativeRow& row = derivativeRow(op);
    node->inputs.reserve(numInputs);
    node->nextEdges.reserve(numInputs);
    for (std::size_t i = 0; i < numInputs; ++i) {
      bool needsGrad = inputs[i].requiresGrad();
      node->inputs.push_back(InputMeta{inputs[i].shape(), inputs[i].dtype(), needsGrad});
      node->nextEdges.push_back(needsGrad ? gradientEdge(inputs[i]) : Edge{});
      if (row.saveInputs & (1u << i)) {
        node->saved.push_back(SavedTensor{inputs[i], inputs[i].version(), false, 0});
        entry.savedIds.push_back(inputs[i].id());
      }
    }
    if (row.saveResult) {
      node->saved.push_back(SavedTensor{outputs[0].detach(), outputs[0].version(), true, 0});
      entry.savedIds.push_back(outputs[0].id());
    }
    for (std::size_t k = 0; k < numExtraSaved; ++k) {
      node->saved.push_back(SavedTensor{extraSaved[k], extraSaved[k].version(), false, 0});
      entry.savedIds.push_back(extraSaved[k].id());
    }
    for (std::size_t i = 0; i < numOutputs; ++i) {
      node->outputsMeta.push_back(InputMeta{outputs[i].shape(), outputs[i].dtype(), true});
      AutogradMeta& meta = outputs[i].impl()->meta();
      meta.requiresGrad = true;
      meta.gradFn = node;
      meta.outputNr = static_cast<uint32_t>(i);
    }
  }

  if (observe) {
    OpTensors tensors{inputs, numInputs, outputs, numOutputs};
    for (TapeObserver* o : observers()) o->onForward(entry, tensors);
  }
}

void recordCustom(TapeEntry& entry, uint32_t name, const Tensor* inputs, std::size_t numInputs, Tensor* outputs,
                  std::size_t numOutputs) {
  RecordState& state = recordState();
  if (AnomalyMode::enabled() && !state.inFormula) checkAnomaly(OpId::Custom, outputs, numOutputs);
  const bool observe = Tape::hasObservers() && !state.inFormula && !state.unobserved;
  if (!entry.differentiable && !observe) return;
  if (!state.inFormula && !state.unobserved) advanceIteration(entry.inplace);
  fillEntry(entry, OpId::Custom, state, observe, inputs, numInputs, outputs, numOutputs);
  entry.customName = name;
  if (observe) {
    OpTensors tensors{inputs, numInputs, outputs, numOutputs};
    for (TapeObserver* o : observers()) o->onForward(entry, tensors);
  }
}

void notifyBackwardBegin(const std::vector<Tensor>& roots) {
  for (TapeObserver* o : observers()) o->onBackwardBegin(roots);
}
void notifyBackwardStep(const TapeEntry& entry, const BackwardStep& step) {
  for (TapeObserver* o : observers()) o->onBackwardStep(entry, step);
}
void notifyBackwardEnd() {
  for (TapeObserver* o : observers()) o->onBackwardEnd();
}

}  // namespace detail
}  // namespace td
