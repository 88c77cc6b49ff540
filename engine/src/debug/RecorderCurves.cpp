// The recorder's curves (see Recorder.h): the loss point of every backward() root, and,
// on request, every parameter's gradient norm after each backward(). Both read one
// scalar or one pass of statistics, never run an op, and are kept as a capped tail.
#include <algorithm>
#include <cmath>

#include "autograd/Node.h"
#include "tapedeck/debug/Recorder.h"

namespace td::debug {

void Recorder::recordBackwardBegin(const std::vector<Tensor>& roots) {
  // Only backward()'s root is a loss: autograd.grad's (a derivative taken on the way, a
  // gradient penalty's inner one) would put points of other quantities on the curve.
  if (Tape::inGradCall()) return;
  if (roots.empty() || !roots[0].defined() || roots[0].numel() != 1 || !isFloating(roots[0].dtype()) ||
      !roots[0].device().isCpu())
    return;
  // One element: the statistics pass reads it without running an op.
  const TensorStats stats = computeStats(roots[0]);
  LossPoint point;
  point.iteration = Tape::iteration();
  point.value = stats.finite == 1 ? stats.mean : stats.infs == 1 ? (stats.max > 0 ? HUGE_VAL : -HUGE_VAL) : NAN;
  if (const std::shared_ptr<Node>& made = roots[0].gradFn()) point.rootEntry = made->entry.id;
  std::lock_guard lock(m_mutex);
  point.backward = ++m_lossCount;
  m_losses.push_back(point);
  if (m_losses.size() > kMaxLossPoints) m_losses.pop_front();
}

void Recorder::setGradNormTracking(bool on) {
  // Turned off, the parameters it references go at the next backward() (or clear()), on the
  // training thread: letting go of a NumPy-backed or hooked one takes the GIL, which the
  // GUI thread that turns tracking off must never wait for.
  m_trackGradNorms.store(on, std::memory_order_relaxed);
}

void Recorder::recordBackwardEnd() {
  if (Tape::inGradCall()) return;  // every .grad is as it was: no new gradient norms
  if (!m_trackGradNorms.load(std::memory_order_relaxed)) {
    std::vector<NamedLeaf> leaves;  // released after the lock: no references kept while off
    std::lock_guard lock(m_mutex);
    leaves.swap(m_namedLeaves);
    return;
  }
  std::vector<Tensor> leaves;
  std::vector<NamedLeaf> gone;  // released after the lock
  uint64_t backward = 0;
  {
    std::lock_guard lock(m_mutex);
    for (NamedLeaf& l : m_namedLeaves) {
      if (l.lastRead == m_gradNormEpoch) leaves.push_back(l.tensor);
      else gone.push_back(std::move(l));
    }
    std::erase_if(m_namedLeaves, [](const NamedLeaf& l) { return !l.tensor.defined(); });
    ++m_gradNormEpoch;  // read again by the next forward pass, or dropped at the next backward()
    backward = m_lossCount;
  }
  std::vector<GradNormPoint> points;
  points.reserve(leaves.size());
  for (const Tensor& leaf : leaves) {
    const Tensor grad = leaf.grad();
    if (!grad.defined() || !grad.device().isCpu()) continue;
    const TensorStats stats = computeStats(grad);  // runs no op: nothing on the tape
    points.push_back({Tape::iteration(), backward, leaf.name(), stats.finite > 0 ? stats.norm : NAN});
  }
  std::sort(points.begin(), points.end(), [](const GradNormPoint& a, const GradNormPoint& b) { return a.name < b.name; });
  std::lock_guard lock(m_mutex);
  for (GradNormPoint& p : points) {
    m_gradNorms.push_back(std::move(p));
    ++m_gradNormCount;
    if (m_gradNorms.size() > kMaxLossPoints) m_gradNorms.pop_front();
  }
}

}  // namespace td::debug
