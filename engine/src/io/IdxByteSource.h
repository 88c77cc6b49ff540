#pragma once
// Byte sources for the IDX reader: a plain file, or a gzip stream inflated as it is read
// (zlib, gzip mode), so a gzip file's output never grows past what the caller asks for.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace td::io::detail {

/// Throws td::Error("<reader>: <path>: byte <offset>: <problem>").
[[noreturn]] void failAt(const char* reader, const std::string& path, uint64_t offset, const std::string& problem);

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Reads up to n bytes into out; fewer only at the end of the data. Throws td::Error on
  /// corrupt compressed data.
  virtual size_t read(uint8_t* out, size_t n) = 0;
  /// Bytes delivered so far (the offset of the next byte).
  uint64_t offset() const { return m_offset; }
  virtual bool compressed() const = 0;

 protected:
  uint64_t m_offset = 0;
};

/// Opens `path`, choosing plain or gzip from the first two bytes; throws if it cannot be opened.
std::unique_ptr<ByteSource> openByteSource(const char* reader, const std::string& path);

}  // namespace td::io::detail
