// gen_tape FAMILY OPS [SEED]: a generated tape (mlp, cnn, transformer or lstm, OPS ops)
// as Graphviz dot input on stdout, module groups as clusters, e.g.
//   gen_tape transformer 1000 | dot -Tsvg > tape.svg
#include <cstdlib>
#include <iostream>
#include <string>

#include "GraphvizDot.h"
#include "TapeGenerator.h"

int main(int argc, char** argv) {
  using namespace td::layout::gentape;
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: gen_tape mlp|cnn|transformer|lstm OPS [SEED]\n";
    return 2;
  }
  const auto family = parseFamily(argv[1]);
  const long ops = std::strtol(argv[2], nullptr, 10);
  const unsigned long long seed = argc == 4 ? std::strtoull(argv[3], nullptr, 10) : 1;
  if (!family || ops < 1 || ops > 1000000) {
    std::cerr << "gen_tape: expected a family (mlp, cnn, transformer, lstm) and 1 <= OPS <= 1000000\n";
    return 2;
  }
  const td::layout::Graph graph = generateTape(*family, static_cast<int>(ops), seed);
  writeDot(graph, td::layout::LayoutOptions{}, std::cout);
  std::cerr << "gen_tape: " << familyName(*family) << ", " << countOps(graph) << " ops, " << graph.nodes.size()
            << " nodes, " << graph.edges.size() << " edges, " << graph.groups.size() << " groups\n";
  return 0;
}
