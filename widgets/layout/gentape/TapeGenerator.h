#pragma once
// gen_tape: realistic tape graphs with module scopes, from a family, a size and a seed,
// for the layout tests and benchmarks. Nodes come in tape order; a parameter or input
// leaf comes right before the first op that reads it; every call of a module is its own
// group (an LSTM cell run 50 times gives 50 sibling groups named "cell").
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layout/LayoutGraph.h"

namespace td::layout::gentape {

enum class TapeFamily { Mlp, Cnn, Transformer, Lstm };

/// All four families, in a fixed order.
const std::vector<TapeFamily>& allFamilies();
/// "mlp", "cnn", "transformer", "lstm".
std::string familyName(TapeFamily family);
/// The family named `name` (as familyName writes it), or nullopt.
std::optional<TapeFamily> parseFamily(const std::string& name);

/// A tape of exactly `ops` op nodes (plus their leaves); the same arguments always give
/// the same graph. Precondition: ops >= 1. The model is cut where the op budget ends.
Graph generateTape(TapeFamily family, int ops, uint64_t seed);

/// How many op (not leaf) nodes `graph` has.
int countOps(const Graph& graph);

}  // namespace td::layout::gentape
