#pragma once
// Byte sources for the IDX reader: a plain file or memory buffer, or a gzip stream over
// either, inflated as it is read (zlib, gzip mode), so a gzip file's output never grows
// past what the caller asks for.
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
  /// The whole size of a plain (uncompressed) source, header included.
  virtual uint64_t plainSize() const = 0;

 protected:
  uint64_t m_offset = 0;
};

/// Opens `path`, choosing plain or gzip from the first two bytes; throws if it cannot be opened.
std::unique_ptr<ByteSource> openByteSource(const char* reader, const std::string& path);
/// The same over `size` bytes at `data` (not copied; they must outlive the source).
std::unique_ptr<ByteSource> openByteSource(const char* reader, const std::string& name, const uint8_t* data,
                                           size_t size);

}  // namespace td::io::detail
