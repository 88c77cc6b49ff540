#include "GraphvizDot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace td::layout::gentape {

namespace {

constexpr double kUnitsPerInch = 72.0;

void writeCluster(const Graph& graph, const LayoutOptions& options, const std::vector<std::vector<int>>& childGroups,
                  const std::vector<std::vector<int>>& members, int group, int depth, std::ostream& out) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  const int slot = group + 1;  // slot 0: nodes in no group
  if (group >= 0) out << indent << "subgraph cluster_g" << group << " {\n";
  for (int node : members[static_cast<std::size_t>(slot)]) {
    out << indent << "  n" << node << " [width=" << nodeWidth(graph.nodes[node], options) / kUnitsPerInch
        << ", height=" << nodeHeight(graph.nodes[node], options) / kUnitsPerInch << "];\n";
  }
  for (int child : childGroups[static_cast<std::size_t>(slot)])
    writeCluster(graph, options, childGroups, members, child, depth + 1, out);
  if (group >= 0) out << indent << "}\n";
}

}  // namespace

void writeDot(const Graph& graph, const LayoutOptions& options, std::ostream& out) {
  const std::size_t slots = graph.groups.size() + 1;
  std::vector<std::vector<int>> childGroups(slots), members(slots);
  for (std::size_t g = 0; g < graph.groups.size(); ++g)
    childGroups[static_cast<std::size_t>(graph.groups[g].parent + 1)].push_back(static_cast<int>(g));
  for (std::size_t n = 0; n < graph.nodes.size(); ++n)
    members[static_cast<std::size_t>(graph.nodes[n].group + 1)].push_back(static_cast<int>(n));

  out << std::setprecision(6);
  out << "digraph tape {\n";
  out << "  graph [rankdir=" << (options.direction == Direction::TopToBottom ? "TB" : "LR")
      << ", nodesep=" << options.nodeSeparation / kUnitsPerInch
      << ", ranksep=" << options.rankSeparation / kUnitsPerInch << "];\n";
  out << "  node [shape=box, fixedsize=true, label=\"\"];\n";
  writeCluster(graph, options, childGroups, members, -1, 0, out);
  for (const Edge& e : graph.edges) out << "  n" << e.from << " -> n" << e.to << ";\n";
  out << "}\n";
}

std::string toDot(const Graph& graph, const LayoutOptions& options) {
  std::ostringstream out;
  writeDot(graph, options, out);
  return out.str();
}

DotDrawing parsePlain(const std::string& plain, int nodeCount) {
  DotDrawing drawing;
  drawing.boxes.assign(static_cast<std::size_t>(nodeCount), Rect{});
  std::vector<bool> seen(static_cast<std::size_t>(nodeCount), false);
  std::istringstream in(plain);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind;
    fields >> kind;
    if (kind == "graph") {
      double scale = 0.0, width = 0.0, height = 0.0;
      if (!(fields >> scale >> width >> height)) throw std::runtime_error("dot -Tplain: bad graph line: " + line);
      drawing.bounds = Rect{0.0, 0.0, width * kUnitsPerInch, height * kUnitsPerInch};
    } else if (kind == "node") {
      std::string name;
      double x = 0.0, y = 0.0, width = 0.0, height = 0.0;
      if (!(fields >> name >> x >> y >> width >> height) || name.size() < 2 || name[0] != 'n')
        throw std::runtime_error("dot -Tplain: bad node line: " + line);
      const int id = std::atoi(name.c_str() + 1);
      if (id < 0 || id >= nodeCount) throw std::runtime_error("dot -Tplain: unknown node " + name);
      const double w = width * kUnitsPerInch, h = height * kUnitsPerInch;
      drawing.boxes[static_cast<std::size_t>(id)] = Rect{x * kUnitsPerInch - w / 2, y * kUnitsPerInch - h / 2, w, h};
      seen[static_cast<std::size_t>(id)] = true;
    }
  }
  for (int i = 0; i < nodeCount; ++i)
    if (!seen[static_cast<std::size_t>(i)]) throw std::runtime_error("dot -Tplain: node n" + std::to_string(i) + " missing");
  return drawing;
}

std::optional<std::string> findDot() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/dot";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::string writeTemporaryFile(const std::string& text, const std::string& suffix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/tapedeck-layout-XXXXXX" + suffix;
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemps(name.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw std::runtime_error("cannot create a temporary file: " + std::string(std::strerror(errno)));
  ::close(fd);
  std::ofstream out(name.data(), std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error(std::string("cannot write ") + name.data());
  return name.data();
}

std::string runDotPlain(const std::string& dotExecutable, const std::string& inputPath, bool keepOutput) {
  const std::string outputPath = keepOutput ? writeTemporaryFile("", ".plain") : "/dev/null";
  std::vector<std::string> args = {dotExecutable, "-Tplain", "-o", outputPath, inputPath};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, dotExecutable.c_str(), nullptr, nullptr, argv.data(), environ);
  if (spawned != 0) throw std::runtime_error("cannot run " + dotExecutable + ": " + std::strerror(spawned));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed for dot");
  }
  std::string plain;
  if (keepOutput) {
    std::ifstream in(outputPath, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    plain = text.str();
    std::remove(outputPath.c_str());
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("dot -Tplain " + inputPath + " failed (status " + std::to_string(status) + ")");
  return plain;
}

}  // namespace td::layout::gentape
