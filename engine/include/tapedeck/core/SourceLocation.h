#pragma once
// Where the user called the engine from, and the thread-local call context that
// lets the outermost public entry point set it once for all the ops it runs.
#include <cstdint>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

namespace td {

/// A user's source line. `file` points to a string that lives for the process
/// (a literal from std::source_location, or an interned string from the Python layer).
///
/// A front end that finds lines lazily (the Python layer) sets `lazyCode`, an id it
/// interned for a code object, and `lazyOffset`, an instruction offset, instead of
/// `file` and `line`: recording stays cheap, and resolved() asks the registered
/// SourceResolver for the file and line when someone looks (any thread, no Python lock).
struct SourceLoc {
  const char* file = nullptr;
  const char* function = nullptr;
  uint32_t line = 0;
  uint32_t column = 0;
  uint32_t lazyCode = 0;  ///< 0: not lazy
  uint32_t lazyOffset = 0;

  static constexpr SourceLoc current(std::source_location l = std::source_location::current()) {
    return SourceLoc{l.file_name(), l.function_name(), l.line(), l.column()};
  }
  bool known() const { return (file != nullptr && line != 0) || lazyCode != 0; }
  /// With file, function and line filled in (a copy of this one when it is not lazy, or
  /// when no resolver knows the code).
  SourceLoc resolved() const;
  /// "file.cpp:42", or "<unknown>".
  std::string str() const;
};

/// Fills `out.file`, `out.function` and `out.line` for a lazy location; false when the
/// code id is unknown. Must be thread-safe and must not need any front-end lock.
using SourceResolver = bool (*)(uint32_t code, uint32_t offset, SourceLoc& out);
/// Registers the resolver for lazy locations (one per process; nullptr removes it).
void setSourceResolver(SourceResolver resolver);

/// Wraps an operand so that the implicit conversion records the caller's line:
/// `Tensor operator*(Located<const Tensor&> a, const Tensor& b)`.
template <typename T>
struct Located {
  T value;
  SourceLoc loc;
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U&&, T>>>
  Located(U&& v, SourceLoc l = SourceLoc::current()) : value(std::forward<U>(v)), loc(l) {}
  operator T() const { return value; }
};

namespace detail {
struct CallContext {
  SourceLoc loc;
  int depth = 0;
};
CallContext& callContext();
}  // namespace detail

/// RAII guard at every public entry point: the outermost one sets the location,
/// inner ones (composites calling primitives) inherit it.
class ApiScope {
 public:
  explicit ApiScope(const SourceLoc& loc) : m_context(detail::callContext()) {
    if (m_context.depth++ == 0) m_context.loc = loc;
  }
  ~ApiScope() { --m_context.depth; }
  ApiScope(const ApiScope&) = delete;
  ApiScope& operator=(const ApiScope&) = delete;

 private:
  detail::CallContext& m_context;
};

/// The location of the current outermost API call on this thread (unknown outside one).
SourceLoc currentSourceLoc();

}  // namespace td
