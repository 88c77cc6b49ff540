#pragma once
// The tape of one iteration as a graph, growing while the program runs: nodes are forward
// entries (ops) and leaves (parameters and inputs: tensors an op read that no op of the
// iteration made), edges are tensors from the op that made them to each op that read them,
// groups are module calls (consecutive entries under one scope path, nested by the path;
// an entry that begins another call of an open module, GraphEntry::entered, starts a new
// group beside it).
// Positions come from the incremental layout: a node is placed once, when it arrives, and
// never moves, so a live view only adds items. Qt Core only (no widgets): tested without
// rendering; TapeGraphView draws it. GUI thread.
#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QVector>

#include <memory>

#include "layout/GroupFolding.h"
#include "layout/IncrementalLayout.h"
#include "graph/GraphRows.h"

namespace td::widgets {

class TapeGraphModel : public QObject {
  Q_OBJECT

 public:
  enum class NodeKind { Op, Leaf };
  /// What a node's fill encodes (the legend reads colourRange()).
  enum class ColourBy { Kind, ForwardTime, OutputMagnitude, GradientNorm, SavedBytes };
  /// Up to this many elements, a tensor's values are drawn on its node (micrograd-style).
  static constexpr qint64 kValuesOnNode = GraphEntry::kValuesUpTo;
  /// Values drawn per line on a node.
  static constexpr int kValuesPerLine = 4;

  struct Node {
    NodeKind kind = NodeKind::Op;
    quint64 entryId = 0;   ///< Op: the entry
    quint64 tensorId = 0;  ///< Leaf: the tensor; Op: its first output
    QString label;         ///< "matmul" or "fc1.weight" (or "input")
    QString shape;         ///< the (first) output's shape, "[3, 2]"
    int group = -1;        ///< innermost group, -1 for none
    /// Sized for values and gradient: its tensor has at most kValuesOnNode elements and
    /// came with its values (the node's size is fixed when it is placed).
    bool showsValues = false;
  };
  struct Edge {
    int from = 0;
    int to = 0;
    quint64 tensorId = 0;
    QString shape;   ///< the tensor's shape, for hover
    int input = 0;   ///< which input of the reader it is
  };
  struct Group {
    QString name;    ///< the last component ("fc1")
    QString path;    ///< the full scope path ("model.fc1")
    int parent = -1;
  };

  explicit TapeGraphModel(QObject* parent = nullptr);
  ~TapeGraphModel() override;

  /// Takes the entries of `iteration`, in tape order: all of them or only those after the
  /// ones already given. Entries already known are updated (backward ran, gradients,
  /// statistics) and reported by nodesChanged; new ones are appended (nodesAdded). A new
  /// iteration resets the graph first (reset). Entries out of order (an id lower than the
  /// newest known that is not known) are ignored.
  void update(quint64 iteration, const QVector<GraphEntry>& entries);
  /// Empties the graph (reset).
  void clear();

  quint64 iteration() const { return m_iteration; }
  int nodeCount() const { return static_cast<int>(m_nodes.size()); }
  int edgeCount() const { return static_cast<int>(m_edges.size()); }
  int groupCount() const { return static_cast<int>(m_groups.size()); }
  const Node& node(int index) const { return m_nodes[index]; }
  const Edge& edge(int index) const { return m_edges[index]; }
  const Group& group(int index) const { return m_groups[index]; }
  /// The entry behind an op node (null for a leaf).
  const GraphEntry* entryOf(int node) const;
  /// The leaf's tensor as its first reader saw it (null for an op).
  const GraphTensor* leafTensor(int node) const;
  /// Whether the node still shows the previous iteration: a new iteration takes over the
  /// nodes while its entries match them (same op, scope and inputs), so the graph of a
  /// training loop stays put; those it has not reached yet are stale.
  bool isStale(int node) const;
  /// -1 when absent.
  int nodeOfEntry(quint64 entryId) const { return m_nodeOfEntry.value(entryId, -1); }
  int nodeOfTensor(quint64 tensorId) const { return m_nodeOfTensor.value(tensorId, -1); }

  /// Where each node and group box is (indices as above), in the view's units.
  const layout::Layout& layout() const { return m_layout->layout(); }
  layout::Rect nodeBox(int node) const;
  layout::Rect groupBox(int group) const;
  layout::Rect bounds() const { return layout().bounds; }
  /// Whether the live drawing is untidy: two sibling module boxes overlap, a box sticks out
  /// of its parent's, or a node sits in a box it is not part of. Growing without moving
  /// what is placed can leave that behind; tidy() never does.
  bool groupsOverlap() const;
  /// Lays the live graph out anew in one shot (the layered layout: every module box holds
  /// exactly its calls, beside its siblings). Nodes move, so laidOut() follows; later growth
  /// and later iterations continue from the new places without moving them again.
  void tidy();
  /// Up to this many nodes the IDE tidies a finished run's graph by itself (the one-shot
  /// layout of 1,000 ops takes a few milliseconds, of 10,000 about a second).
  static constexpr int kAutoTidyNodes = 3000;

  // --- folding: a compact drawing laid out in one shot --------------------------------
  /// A collapsed module call is drawn as one node carrying its external edges; with
  /// fold repeats, runs of identical sibling calls (the layers of a stack) are one node
  /// marked ×N. Either makes the graph folded: drawn from foldedLayout(), laid out anew
  /// when it changes (nodes may move then; the live layout is kept for unfolding).
  void setGroupCollapsed(int group, bool collapsed);
  bool groupCollapsed(int group) const { return m_collapsed.contains(group); }
  void expandAll();
  void setFoldRepeats(bool on);
  bool foldRepeats() const { return m_foldRepeats; }
  bool isFolded() const { return m_foldRepeats || !m_collapsed.isEmpty(); }
  struct Folded {
    layout::FoldedGraph graph;  ///< nodes, edges, groups after folding; nodeOf maps ours
    layout::Layout layout;      ///< its one-shot layout
    QStringList labels;         ///< per folded node: "matmul", "fc1.weight", "layers.* ×12", "▸ attn"
  };
  /// The folded graph and its layout (computed when first asked for after a change).
  const Folded& folded() const;

  /// The entry the debugger stands on (0: none) and whether it is its backward step.
  void setCurrent(quint64 entryId, bool backward);
  int currentNode() const { return nodeOfEntry(m_currentEntry); }
  bool currentIsBackward() const { return m_currentBackward; }
  /// Whether the edge's tensor is one its reader saved for backward.
  bool edgeSaved(int edge) const;
  /// Whether a gradient has flowed back along the edge (its reader's backward ran).
  bool gradientFlowed(int edge) const;
  /// The op node whose entry first produced a NaN or Inf (forward outputs, lowest id),
  /// else -1.
  int firstNonFiniteNode() const { return m_firstNonFinite; }
  bool nonFinite(int node) const;

  void setColourBy(ColourBy colourBy);
  ColourBy colourBy() const { return m_colourBy; }
  /// The node's value under colourBy() scaled to [0, 1] over colourRange(); negative
  /// when it has none (a leaf under ForwardTime, statistics not computed, Kind).
  double colourValue(int node) const;
  /// The raw range the legend shows, and the legend's title.
  double colourMin() const { return m_colourMin; }
  double colourMax() const { return m_colourMax; }
  QString colourTitle() const;

  /// Nodes whose op, parameter name or scope contains `text` (case-insensitive), in
  /// order; empty for empty text.
  QVector<int> find(const QString& text) const;
  /// The lines a node shows under its label: its values (and gradient) when small and
  /// known, e.g. "data 0.5  grad 1".
  QStringList valueLines(int node) const;
  /// A learner's card for a node, plain text: the op, its scope and line, shapes; for an
  /// op whose backward ran, the derivative formula with the gradients flowing in and out.
  QString cardText(int node) const;

 signals:
  void reset();
  void nodesAdded(int first, int count);
  void edgesAdded(int first, int count);
  void groupsAdded(int first, int count);
  /// Content (values, gradients, colour, NaN mark, highlight) changed; never position.
  void nodesChanged(const QVector<int>& nodes);
  void currentChanged(int oldNode, int newNode);
  void coloursChanged();
  /// What is folded changed (not emitted for growth: nodesAdded covers that).
  void foldingChanged();
  /// tidy() moved the nodes and group boxes (the same nodes, edges and groups).
  void laidOut();

 private:
  /// clear() without the signal.
  void resetGraph();
  void appendEntry(const GraphEntry& entry, QVector<int>* changed);
  /// Takes over the next node of the previous iteration for `entry`; when it does not
  /// match, starts the graph over with this iteration's entries and returns false.
  bool rebind(const GraphEntry& entry, QVector<int>* changed);
  int leafFor(const GraphTensor& tensor, int readerGroup);
  QVector<double> leafGradient(int node, bool* known) const;
  /// The innermost group for an entry with `scope`; `entered`, a call that began before it
  /// (GraphEntry::entered), closes the open group with that path and opens a new one.
  int groupFor(const QString& scope, const QString& entered = {});
  double rawColour(int node) const;
  void recomputeColourRange();
  static QString shapeText(const QVector<qint64>& shape);

  quint64 m_iteration = 0;
  bool m_hasIteration = false;
  std::unique_ptr<layout::IncrementalLayout> m_layout;
  QVector<Node> m_nodes;
  QVector<Edge> m_edges;
  QVector<Group> m_groups;
  QVector<GraphEntry> m_entries;      // per op node, in node order (leaves: none)
  QVector<int> m_entryOfNode;         // node -> index in m_entries, -1 for leaves
  QVector<QVector<int>> m_inputsFrom; // per op node: the node each input came from
  int m_generation = 0;               // counts resets
  int m_rebound = -1;                 // >= 0: rebinding a new iteration; nodes before it are done
  QHash<int, GraphTensor> m_leafTensors;
  QHash<quint64, int> m_nodeOfEntry;
  QHash<quint64, int> m_nodeOfTensor;  // the newest producer (or the leaf) of each tensor
  QVector<int> m_openGroups;           // the module calls open at the newest entry, outermost first
  quint64 m_newestEntry = 0;
  quint64 m_currentEntry = 0;
  bool m_currentBackward = false;
  int m_firstNonFinite = -1;
  ColourBy m_colourBy = ColourBy::Kind;
  QSet<int> m_collapsed;
  bool m_foldRepeats = false;
  mutable Folded m_folded;
  mutable bool m_foldedDirty = true;
  double m_colourMin = 0.0;
  double m_colourMax = 0.0;
};

}  // namespace td::widgets
