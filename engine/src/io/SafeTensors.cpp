// safetensors reading and writing; the header's validation is in SafeTensorsHeader.cpp.
#include "tapedeck/io/SafeTensors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "io/SafeTensorsHeader.h"
#include "tapedeck/ops/Ops.h"

// The file is little-endian; tensor bytes are copied as they are.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

namespace td::io {

using detail::fail;
using detail::FileDType;
using detail::HeaderEntry;

float halfToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1Fu;
  uint32_t mantissa = bits & 0x3FFu;
  uint32_t out;
  if (exponent == 0x1F) {
    out = sign | 0x7F800000u | (mantissa << 13);  // inf, NaN (payload kept)
  } else if (exponent != 0) {
    out = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    out = sign;  // ±0
  } else {
    // Subnormal mantissa * 2^-24: shift the leading 1 up to bit 10 (the implicit bit).
    uint32_t shifts = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shifts;
    }
    out = sign | ((113 - shifts) << 23) | ((mantissa & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(out);
}

float bfloat16ToFloat(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

namespace {

/// Fills a fresh tensor for `entry` from its `bytes` (entry.end - entry.begin of them).
Tensor tensorFromBytes(const HeaderEntry& entry, const uint8_t* bytes, const std::string& file) {
  Tensor t = empty(entry.shape, entry.dtype->loadedAs);
  std::size_t count = static_cast<std::size_t>(entry.end - entry.begin);
  std::size_t numel = count / entry.dtype->bytes;
  switch (entry.dtype->type) {
    case FileDType::F16:
    case FileDType::BF16: {
      float* out = t.data<float>();
      bool half = entry.dtype->type == FileDType::F16;
      for (std::size_t i = 0; i < numel; ++i) {
        uint16_t bits = static_cast<uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
        out[i] = half ? halfToFloat(bits) : bfloat16ToFloat(bits);
      }
      break;
    }
    case FileDType::Bool:
      // Any byte but 0 and 1 would be an invalid bool: check before copying.
      for (std::size_t i = 0; i < count; ++i)
        if (bytes[i] > 1)
          fail(file, "BOOL tensor '" + entry.name + "' holds byte " + std::to_string(bytes[i]) + " at element " +
                         std::to_string(i) + " (only 0 and 1 are booleans)");
      [[fallthrough]];
    default:
      if (count > 0) std::memcpy(t.rawData(), bytes, count);
  }
  return t;
}

std::string jsonString(const std::string& text, const std::string& what, const std::string& file) {
  try {
    return nlohmann::json(text).dump();
  } catch (const nlohmann::json::exception&) {
    fail(file, what + " is not valid UTF-8");
  }
}

}  // namespace

std::vector<uint8_t> serializeSafeTensors(const StateDict& tensors, const SafeTensorsMetadata& metadata,
                                          const std::string& nameForErrors) {
  const std::string& file = nameForErrors;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    if (!t.defined()) fail(file, "cannot save tensor '" + name + "': it is undefined");
    if (!t.device().isCpu()) fail(file, "cannot save tensor '" + name + "': it is on " + t.device().str() + ", not the CPU");
    if (name == "__metadata__") fail(file, "cannot save a tensor named '__metadata__' (the name is reserved)");
    if (!names.insert(name).second) fail(file, "cannot save two tensors named '" + name + "'");
  }
  // The reference's layout: by dtype, highest enum position first, then by name.
  std::vector<const std::pair<std::string, Tensor>*> order;
  for (const auto& item : tensors) order.push_back(&item);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    int rankA = detail::fileDTypeFor(a->second.dtype()).referenceRank;
    int rankB = detail::fileDTypeFor(b->second.dtype()).referenceRank;
    return rankA != rankB ? rankA > rankB : a->first < b->first;
  });

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      if (!first) header += ",";
      first = false;
      header += jsonString(key, "metadata key", file) + ":" + jsonString(value, "metadata value of '" + key + "'", file);
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const auto* item : order) {
    const Tensor& t = item->second;
    uint64_t bytes = static_cast<uint64_t>(t.numel()) * elementSize(t.dtype());
    if (header.size() > 1) header += ",";
    header += jsonString(item->first, "tensor name '" + item->first + "'", file) + ":{\"dtype\":\"" +
              detail::fileDTypeFor(t.dtype()).name + "\",\"shape\":[";
    for (std::size_t d = 0; d < t.shape().size(); ++d) header += (d ? "," : "") + std::to_string(t.shape()[d]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > kSafeTensorsMaxHeaderBytes)
    fail(file, "header of " + std::to_string(header.size()) + " bytes exceeds the limit of " +
                   std::to_string(kSafeTensorsMaxHeaderBytes));

  std::vector<uint8_t> out(8 + header.size() + offset);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
  std::memcpy(out.data() + 8, header.data(), header.size());
  uint8_t* data = out.data() + 8 + header.size();
  for (const auto* item : order) {
    Tensor c = item->second.detach().contiguous();
    std::size_t bytes = static_cast<std::size_t>(c.numel()) * elementSize(c.dtype());
    if (bytes > 0) std::memcpy(data, c.rawData(), bytes);
    data += bytes;
  }
  return out;
}

void saveSafeTensors(const std::string& path, const StateDict& tensors, const SafeTensorsMetadata& metadata) {
  std::vector<uint8_t> bytes = serializeSafeTensors(tensors, metadata, path);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) fail(path, std::string("cannot open '") + temporary + "' for writing: " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      fail(path, "writing failed (disk full?)");
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    fail(path, "cannot replace the file: " + error.message());
  }
}

StateDict parseSafeTensors(const uint8_t* data, std::size_t size, const std::string& nameForErrors,
                           SafeTensorsMetadata* metadata) {
  const std::string& file = nameForErrors;
  if (size < 8)
    fail(file, "file is " + std::to_string(size) + " bytes, too short for the 8-byte header length (truncated?)");
  uint64_t headerSize = detail::checkHeaderLength(data, size, file);
  const uint8_t* dataSection = data + 8 + headerSize;
  detail::ParsedHeader header = detail::parseHeader(data + 8, headerSize, size - 8 - headerSize, file);
  StateDict out;
  for (const HeaderEntry& entry : header.entries)
    out.emplace_back(entry.name, tensorFromBytes(entry, dataSection + entry.begin, file));
  if (metadata) *metadata = std::move(header.metadata);
  return out;
}

StateDict loadSafeTensors(const std::string& path, SafeTensorsMetadata* metadata) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) fail(path, "is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open for reading: ") + std::strerror(errno));
  uint64_t fileSize = std::filesystem::file_size(path, error);
  if (error) fail(path, "cannot read its size: " + error.message());
  if (fileSize < 8)
    fail(path, "file is " + std::to_string(fileSize) + " bytes, too short for the 8-byte header length (truncated?)");

  auto readAt = [&](uint64_t position, uint8_t* into, uint64_t count) {
    in.seekg(static_cast<std::streamoff>(position));
    in.read(reinterpret_cast<char*>(into), static_cast<std::streamsize>(count));
    if (!in) fail(path, "read of " + std::to_string(count) + " bytes at offset " + std::to_string(position) + " failed");
  };
  uint8_t lengthField[8];
  readAt(0, lengthField, 8);
  uint64_t headerSize = detail::checkHeaderLength(lengthField, fileSize, path);
  std::vector<uint8_t> headerBytes(static_cast<std::size_t>(headerSize));  // <= 100 MB and <= the file
  if (headerSize > 0) readAt(8, headerBytes.data(), headerSize);
  detail::ParsedHeader header = detail::parseHeader(headerBytes.data(), headerBytes.size(), fileSize - 8 - headerSize, path);
  headerBytes = {};

  StateDict out;
  std::vector<uint8_t> buffer;
  for (const HeaderEntry& entry : header.entries) {
    uint64_t count = entry.end - entry.begin;  // validated: within the file
    buffer.resize(static_cast<std::size_t>(count));
    if (count > 0) readAt(8 + headerSize + entry.begin, buffer.data(), count);
    out.emplace_back(entry.name, tensorFromBytes(entry, buffer.data(), path));
  }
  if (metadata) *metadata = std::move(header.metadata);
  return out;
}

}  // namespace td::io

namespace td {

void save(const std::string& path, const StateDict& state) { io::saveSafeTensors(path, state); }

StateDict load(const std::string& path) { return io::loadSafeTensors(path); }

}  // namespace td
