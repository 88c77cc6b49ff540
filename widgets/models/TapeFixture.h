#pragma once
// Tape rows from a compact text form, for tests and demos (STYLE.md 10):
//
//   y[3,2] = mul(a[3,2], b[2]); z = relu(y); backward z
//
// Statements are separated by ';' or newlines; blank statements are skipped.
//  - `name = op(arg, ...)` records a forward entry. The name and each argument may carry
//    a shape in brackets (`[3,2]`, `[]` for a scalar). An argument without one takes the
//    shape last given to that name, "[?]" if none; a result without one is "[?]". The
//    row's shapes read "[3, 2] [2] → [3, 2]" (just "→ [3]" without arguments).
//  - `backward name` records, newest first, a backward entry for every forward entry that
//    the latest value of `name` depends on (its own entry included), with that entry's
//    op, shapes and line.
// Ids count from 1 in the order entries are recorded. Each entry's line is the number of
// the statement that recorded its forward entry (1-based, blank statements not counted);
// file is "fixture.py"; scope is empty; iteration is 0.
#include <QList>
#include <QString>
#include <QStringView>

#include "models/DebugRows.h"

namespace td::widgets {

/// The file every fixture row names.
inline constexpr QLatin1String kTapeFixtureFile{"fixture.py"};

/// The rows `text` describes. On an error returns an empty list and, when `errorString`
/// is given, sets it to `statement N (text): what was wrong`; on success clears it.
/// Errors: a malformed statement or shape, and `backward` of a name never assigned.
QList<TapeRow> parseTapeFixture(QStringView text, QString* errorString = nullptr);

}  // namespace td::widgets
