#pragma once
// The two error channels: td::Error for user mistakes (the message names the op,
// shapes, dtypes and the user's source line), TD_ASSERT for our own bugs.
#include <sstream>
#include <stdexcept>
#include <string>

#include "tapedeck/core/SourceLocation.h"

namespace td {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
/// Appends " (at file:line)" for the current user call, when known.
std::string withLocation(const std::string& message);
[[noreturn]] void assertFailed(const char* expr, const char* file, int line, const std::string& message);
}  // namespace detail

}  // namespace td

/// User-facing check: throws td::Error("<op>: <message> (at user.cpp:42)").
#define TD_CHECK(cond, op, ...)                                                              \
  do {                                                                                       \
    if (!(cond)) [[unlikely]]                                                                \
      throw ::td::Error(::td::detail::withLocation(::td::detail::concat(op, ": ", __VA_ARGS__))); \
  } while (0)

/// Internal invariant; a failure is a Tapedeck bug.
#define TD_ASSERT(cond, ...)                                                                 \
  do {                                                                                       \
    if (!(cond)) [[unlikely]]                                                                \
      ::td::detail::assertFailed(#cond, __FILE__, __LINE__, ::td::detail::concat("" __VA_OPT__(,) __VA_ARGS__)); \
  } while (0)
