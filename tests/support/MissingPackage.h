#pragma once
// Skipping for a missing Debian package: locally a test skips and says which package
// to install; with CI=true (set by CI) the same test fails, so a gap in
// scripts/install-deps.sh cannot pass unnoticed.
#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

namespace td::test {

/// True when the environment says CI=true (or CI=1).
inline bool ciMode() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::strcmp(ci, "true") == 0 || std::strcmp(ci, "1") == 0);
}

}  // namespace td::test

/// Skips (or, with CI=true, fails) the current test unless `available`; `package` is the
/// Debian package that provides what is missing. Use at the top of a TEST body.
#define TD_REQUIRE_PACKAGE(available, package)                                                  \
  do {                                                                                          \
    if (!(available)) {                                                                         \
      if (::td::test::ciMode()) {                                                               \
        FAIL() << "missing Debian package " << (package)                                        \
               << " (CI=true: a test that would skip fails; add it to scripts/install-deps.sh)"; \
      }                                                                                         \
      GTEST_SKIP() << "needs the Debian package " << (package) << " (scripts/install-deps.sh)"; \
    }                                                                                           \
  } while (0)
