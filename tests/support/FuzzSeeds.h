#pragma once
// The io tests' files are the fuzzers' seeds: with TAPEDECK_FUZZ_SEEDS=DIR in the
// environment (make fuzz sets it), every file a reader test writes is also copied to
// DIR/<reader>/<test>_<n>. Without it, nothing happens.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace td::test {

/// Copies the file at `path` into the seed corpus of `reader` ("safetensors", "idx", "csv").
inline void keepAsFuzzSeed(const std::string& reader, const std::string& path) {
  const char* root = std::getenv("TAPEDECK_FUZZ_SEEDS");
  if (root == nullptr || *root == '\0') return;
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test = info != nullptr ? std::string(info->test_suite_name()) + "." + info->name() : "seed";
  const std::filesystem::path dir = std::filesystem::path(root) / reader;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  std::filesystem::copy_file(path, dir / (test + "_" + std::to_string(counter++)),
                             std::filesystem::copy_options::overwrite_existing, error);
}

}  // namespace td::test
