#pragma once
// Tape rows and graph entries from a compact text form, for tests and demos (STYLE.md 10):
//
//   model.fc: y[3,2] = matmul(x[3,4], fc.weight[4,2]); model: z = relu(y); s[] = sum(z) {2.5}
//   backward s
//
// Statements are separated by ';' or newlines; blank statements are skipped.
//  - `name = op(arg, ...)` records a forward entry. The name and each argument may carry
//    a shape in brackets (`[3,2]`, `[]` for a scalar). An argument without one takes the
//    shape last given to that name, "[?]" if none; a result without one is "[?]". The
//    row's shapes read "[3, 2] [2] → [3, 2]" (just "→ [3]" without arguments).
//  - A `scope:` before the name is the module path that recorded the entry ("model.fc");
//    `+scope:` also says a new call of that module begins with this entry (a module called
//    again right after itself: `+cell: h = tanh(h); +cell: h = tanh(h)` is two calls).
//  - `{v, ...}` after the ')' gives the result's values (row-major), for the graph.
//  - `backward name` records, newest first, a backward entry for every forward entry that
//    the latest value of `name` depends on (its own entry included), with that entry's
//    op, shapes, scope and line; in the graph those entries have backwardRan set.
// Names may have dots. Ids count from 1 in the order entries are recorded. Each entry's
// line is the number of the statement that recorded its forward entry (1-based, blank
// statements not counted); file is "fixture.py"; iteration is 0.
// In the graph, every assignment makes a new tensor; an argument never assigned is a
// leaf, made on first use: a parameter named so when its name has a dot (fc.weight), an
// input otherwise (x). A tensor whose shape was never given has an empty shape there.
#include <QList>
#include <QString>
#include <QStringView>

#include <QHash>
#include <QVector>

#include "graph/GraphRows.h"
#include "models/DebugRows.h"

namespace td::widgets {

/// The file every fixture row names.
inline constexpr QLatin1String kTapeFixtureFile{"fixture.py"};

/// The rows `text` describes. On an error returns an empty list and, when `errorString`
/// is given, sets it to `statement N (text): what was wrong`; on success clears it.
/// Errors: a malformed statement or shape, and `backward` of a name never assigned.
QList<TapeRow> parseTapeFixture(QStringView text, QString* errorString = nullptr);

/// The forward entries `text` describes, as the tape graph reads them, and the tensor id
/// each name had last (for a test to find "x" or "fc.weight" among the nodes).
struct GraphFixture {
  QVector<GraphEntry> entries;
  QHash<QString, quint64> tensorOf;
};
/// Errors as parseTapeFixture (an empty fixture then).
GraphFixture parseGraphFixture(QStringView text, QString* errorString = nullptr);

}  // namespace td::widgets
