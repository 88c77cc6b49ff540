// Small pieces of core: dtype and device names, source locations, error text.
#include <atomic>
#include <cstdio>
#include <sstream>

#include "tapedeck/core/DType.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/core/SourceLocation.h"

namespace td {

const char* dtypeName(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
  }
  return "unknown";
}

Device Device::parse(const std::string& text) {
  if (text == "cpu") return Device(DeviceType::CPU, 0);
  if (text == "cuda") return Device(DeviceType::CUDA, 0);
  if (text.rfind("cuda:", 0) == 0 && text.size() > 5) {
    int index = 0;
    for (std::size_t i = 5; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9' || index > 1000) throw Error("device: cannot parse '" + text + "'");
      index = index * 10 + (text[i] - '0');
    }
    return Device(DeviceType::CUDA, index);
  }
  throw Error("device: cannot parse '" + text + "' (expected cpu, cuda or cuda:N)");
}

std::string Device::str() const {
  return type == DeviceType::CPU ? "cpu" : "cuda:" + std::to_string(index);
}

namespace {
std::atomic<SourceResolver> g_sourceResolver{nullptr};
}  // namespace

void setSourceResolver(SourceResolver resolver) { g_sourceResolver.store(resolver); }

SourceLoc SourceLoc::resolved() const {
  SourceLoc out = *this;
  if (lazyCode != 0 && file == nullptr) {
    const SourceResolver resolver = g_sourceResolver.load();
    if (resolver == nullptr || !resolver(lazyCode, lazyOffset, out)) out.file = nullptr;
  }
  return out;
}

std::string SourceLoc::str() const {
  const SourceLoc loc = resolved();
  if (loc.file == nullptr) return "<unknown>";
  return std::string(loc.file) + ":" + std::to_string(loc.line);
}

namespace detail {
CallContext& callContext() {
  thread_local CallContext context;
  return context;
}

std::string withLocation(const std::string& message) {
  const CallContext& context = callContext();
  if (context.depth > 0 && context.loc.known()) return message + " (at " + context.loc.str() + ")";
  return message;
}

void assertFailed(const char* expr, const char* file, int line, const std::string& message) {
  std::ostringstream out;
  out << "internal error (a Tapedeck bug): " << expr << " failed at " << file << ":" << line;
  if (!message.empty()) out << ": " << message;
  std::fprintf(stderr, "%s\n", out.str().c_str());
  throw Error(out.str());
}
}  // namespace detail

SourceLoc currentSourceLoc() {
  const detail::CallContext& context = detail::callContext();
  return context.depth > 0 ? context.loc : SourceLoc{};
}

}  // namespace td
