// Interned code objects and the lazy Python source locations built on them.
#include "PySourceLoc.h"

#include <Python.h>
#include <frameobject.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#if PY_VERSION_HEX < 0x030B0000
#error "the tapedeck module needs Python 3.11 or newer (PyFrame_GetLasti)"
#endif

namespace td::python {
namespace {

struct LineRange {
  int start;  // instruction byte offsets [start, end)
  int end;
  int line;   // 0: no line (artificial instructions)
};

struct CodeInfo {
  std::string file;
  std::string function;
  std::vector<LineRange> lines;
  bool internal = false;  // inside the tapedeck package: skipped when finding the caller
};

/// Every interned code object, by id - 1. Ids are handed out under the GIL; the infos
/// are read by the resolver on any thread, so the deque is guarded by a mutex (a deque
/// keeps element addresses stable as it grows).
class CodeRegistry {
 public:
  /// The id of `code` (interning it on first sight) and whether it is internal. GIL held.
  std::pair<uint32_t, bool> intern(PyCodeObject* code) {
    if (code == m_lastCode) return {m_last.id, m_last.internal};
    auto found = m_ids.find(code);
    if (found == m_ids.end()) found = m_ids.emplace(code, add(code)).first;
    m_lastCode = code;
    m_last = found->second;
    return {m_last.id, m_last.internal};
  }

  const CodeInfo* info(uint32_t id) {
    std::lock_guard lock(m_mutex);
    return id == 0 || id > m_infos.size() ? nullptr : &m_infos[id - 1];
  }

  void setPackageDirectory(std::string directory) {
    m_package = std::move(directory);
    if (!m_package.empty() && m_package.back() != '/') m_package += '/';
    std::lock_guard lock(m_mutex);
    for (CodeInfo& code : m_infos) code.internal = isInternal(code.file);
    for (auto& [code, key] : m_ids) key.internal = m_infos[key.id - 1].internal;
    m_lastCode = nullptr;
  }

 private:
  bool isInternal(const std::string& file) const {
    return !m_package.empty() && file.compare(0, m_package.size(), m_package) == 0;
  }

  struct Key {
    uint32_t id;
    bool internal;
  };

  Key add(PyCodeObject* code) {
    CodeInfo info;
    info.file = utf8(code->co_filename);
    info.function = utf8(code->co_qualname);
    info.internal = isInternal(info.file);
    info.lines = lineTable(code);
    Py_INCREF(code);  // held for the process: its address is the key
    const bool internal = info.internal;
    std::lock_guard lock(m_mutex);
    m_infos.push_back(std::move(info));
    return {static_cast<uint32_t>(m_infos.size()), internal};
  }

  static std::string utf8(PyObject* text) {
    if (text == nullptr || !PyUnicode_Check(text)) return "<unknown>";
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(text, &size);
    if (data == nullptr) {
      PyErr_Clear();
      return "<unknown>";
    }
    return std::string(data, static_cast<size_t>(size));
  }

  /// co_lines(): (start, end, line or None) triples.
  static std::vector<LineRange> lineTable(PyCodeObject* code) {
    std::vector<LineRange> out;
    PyObject* iterator = PyObject_CallMethod(reinterpret_cast<PyObject*>(code), "co_lines", nullptr);
    if (iterator == nullptr) {
      PyErr_Clear();
      return out;
    }
    while (PyObject* item = PyIter_Next(iterator)) {
      int start = 0, end = 0;
      PyObject* line = nullptr;
      if (PyArg_ParseTuple(item, "iiO", &start, &end, &line))
        out.push_back({start, end, line == Py_None ? 0 : static_cast<int>(PyLong_AsLong(line))});
      Py_DECREF(item);
    }
    Py_DECREF(iterator);
    PyErr_Clear();
    return out;
  }

  std::unordered_map<PyCodeObject*, Key> m_ids;  // GIL-protected
  PyCodeObject* m_lastCode = nullptr;            // one-entry cache for loops
  Key m_last{0, false};
  std::string m_package;
  std::mutex m_mutex;
  std::deque<CodeInfo> m_infos;
};

CodeRegistry& registry() {
  static CodeRegistry* instance = new CodeRegistry();  // never destroyed: resolvers may run at exit
  return *instance;
}

bool resolve(uint32_t code, uint32_t offset, SourceLoc& out) {
  const CodeInfo* info = registry().info(code);
  if (info == nullptr) return false;
  out.file = info->file.c_str();
  out.function = info->function.c_str();
  out.line = 0;
  const int at = static_cast<int>(offset);
  // The ranges are in offset order; the instruction's own range, else the nearest line before.
  for (const LineRange& range : info->lines) {
    if (range.start > at) break;
    if (range.line != 0) out.line = static_cast<uint32_t>(range.line);
    if (at < range.end) break;
  }
  return true;
}

}  // namespace

SourceLoc callerLoc() {
  PyFrameObject* frame = PyEval_GetFrame();  // borrowed
  PyFrameObject* owned = nullptr;            // frames from PyFrame_GetBack are new references
  SourceLoc loc;
  while (frame != nullptr) {
    PyCodeObject* code = PyFrame_GetCode(frame);  // new reference
    const auto [id, internal] = registry().intern(code);
    Py_DECREF(code);
    if (!internal) {
      loc.lazyCode = id;
      loc.lazyOffset = static_cast<uint32_t>(std::max(PyFrame_GetLasti(frame), 0));
      break;
    }
    PyFrameObject* back = PyFrame_GetBack(frame);
    Py_XDECREF(owned);
    owned = back;
    frame = back;
  }
  Py_XDECREF(owned);
  return loc;
}

void setPackageDirectory(const std::string& directory) { registry().setPackageDirectory(directory); }

void installSourceResolver() { setSourceResolver(&resolve); }

}  // namespace td::python
