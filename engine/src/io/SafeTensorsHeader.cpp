// Validation of a safetensors header, before anything is allocated for its tensors.
#include "io/SafeTensorsHeader.h"

#include <algorithm>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace td::io::detail {

using nlohmann::json;

void fail(const std::string& file, const std::string& problem) {
  throw Error("safetensors '" + file + "': " + problem);
}

const FileDTypeInfo& fileDTypeFor(DType dtype) {
  for (const FileDTypeInfo& row : kFileDTypes)
    if (row.loadedAs == dtype && row.type != FileDType::F16 && row.type != FileDType::BF16) return row;
  throw Error(std::string("safetensors: no file dtype for ") + dtypeName(dtype));
}

uint64_t checkHeaderLength(const uint8_t lengthField[8], uint64_t fileSize, const std::string& file) {
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | lengthField[i];
  if (length > kSafeTensorsMaxHeaderBytes)
    fail(file, "header length " + std::to_string(length) + " exceeds the limit of " +
                   std::to_string(kSafeTensorsMaxHeaderBytes) + " bytes");
  // fileSize >= 8 here (the caller read the length field), so this cannot wrap.
  if (length > fileSize - 8)
    fail(file, "header length " + std::to_string(length) + " runs past the end of the file (" +
                   std::to_string(fileSize - 8) + " bytes follow the length field)");
  return length;
}

namespace {

/// RFC 3629 UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF) and the depth of
/// [ and { outside strings, in one pass; throws on the first violation.
void checkUtf8AndDepth(const uint8_t* p, std::size_t n, const std::string& file) {
  bool inString = false, escaped = false;
  int depth = 0;
  for (std::size_t i = 0; i < n;) {
    uint8_t c = p[i];
    if (c >= 0x80) {
      std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
      uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
      bool ok = length != 0 && c <= 0xF4 && i + length <= n && p[i + 1] >= low && p[i + 1] <= high;
      for (std::size_t k = 2; ok && k < length; ++k) ok = p[i + k] >= 0x80 && p[i + k] <= 0xBF;
      if (!ok) fail(file, "header is not valid UTF-8 (byte " + std::to_string(i) + " of the header)");
      i += length;
      escaped = false;
      continue;
    }
    if (inString) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kSafeTensorsMaxDepth)
        fail(file, "header nests deeper than " + std::to_string(kSafeTensorsMaxDepth) + " levels (byte " +
                       std::to_string(i) + " of the header)");
    } else if (c == '}' || c == ']') {
      --depth;
    }
    ++i;
  }
}

/// An unsigned 64-bit integer from the header, or a td::Error saying what it is instead.
uint64_t unsignedValue(const json& value, const std::string& what, const std::string& file) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  std::string problem = value.is_number_integer() ? "is negative"
                        : value.is_number_float() ? "is not an unsigned 64-bit integer (a float, or too large)"
                                                  : "is not a number";
  fail(file, what + " " + problem + ": " + value.dump());
}

HeaderEntry parseEntry(const std::string& name, const json& value, const std::string& file) {
  const std::string where = "tensor '" + name + "'";
  if (!value.is_object()) fail(file, where + " is not a JSON object");
  for (const auto& [key, unused] : value.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      fail(file, where + " has an unknown field '" + key + "'");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!value.contains(key)) fail(file, where + " has no '" + key + "'");

  HeaderEntry entry;
  entry.name = name;
  const json& dtype = value["dtype"];
  if (!dtype.is_string()) fail(file, where + " has a dtype that is not a string: " + dtype.dump());
  for (const FileDTypeInfo& row : kFileDTypes)
    if (dtype.get_ref<const std::string&>() == row.name) entry.dtype = &row;
  if (entry.dtype == nullptr)
    fail(file, where + " has an unknown dtype " + dtype.dump() + " (known: F32, F64, I64, BOOL, F16, BF16)");

  const json& shape = value["shape"];
  if (!shape.is_array()) fail(file, where + " has a shape that is not an array: " + shape.dump());
  uint64_t numel = 1, stridesProduct = 1;
  constexpr uint64_t kMaxInt64 = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  for (std::size_t i = 0; i < shape.size(); ++i) {
    uint64_t size = unsignedValue(shape[i], where + " shape entry " + std::to_string(i), file);
    // Checked left to right as the reference does: a product that wraps is an error even
    // when a later size is 0. Strides (the product of sizes >= 1) must fit int64 too.
    if (size > kMaxInt64)
      fail(file, where + " shape entry " + std::to_string(i) + " is " + std::to_string(size) +
                     ", more than the largest int64");
    if (__builtin_mul_overflow(numel, size, &numel) ||
        __builtin_mul_overflow(stridesProduct, std::max<uint64_t>(size, 1), &stridesProduct) ||
        stridesProduct > kMaxInt64)
      fail(file, where + " shape " + shape.dump() + ": the element count overflows 64 bits");
    entry.shape.push_back(static_cast<int64_t>(size));
  }
  uint64_t byteCount = 0;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(entry.dtype->bytes), &byteCount))
    fail(file, where + " shape " + shape.dump() + ": the byte count overflows 64 bits");

  const json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2)
    fail(file, where + " has data_offsets that are not an array of two numbers: " + offsets.dump());
  entry.begin = unsignedValue(offsets[0], where + " data_offsets begin", file);
  entry.end = unsignedValue(offsets[1], where + " data_offsets end", file);
  if (entry.end < entry.begin) fail(file, where + " data_offsets " + offsets.dump() + " end before they begin");
  if (entry.end - entry.begin != byteCount)
    fail(file, where + " data_offsets " + offsets.dump() + " span " + std::to_string(entry.end - entry.begin) +
                   " bytes but dtype " + entry.dtype->name + " and shape " + shape.dump() + " need " +
                   std::to_string(byteCount));
  return entry;
}

/// The tensors' byte ranges must tile [0, dataSize) exactly: no gap, no overlap, no tail.
void checkLayout(const std::vector<HeaderEntry>& entries, uint64_t dataSize, const std::string& file) {
  std::vector<const HeaderEntry*> byOffset;
  for (const HeaderEntry& e : entries) byOffset.push_back(&e);
  std::sort(byOffset.begin(), byOffset.end(), [](const HeaderEntry* a, const HeaderEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t expected = 0;
  for (const HeaderEntry* e : byOffset) {
    const std::string range = "[" + std::to_string(e->begin) + ", " + std::to_string(e->end) + ")";
    if (e->begin > expected)
      fail(file, "gap of " + std::to_string(e->begin - expected) + " bytes in the data before tensor '" + e->name +
                     "' at " + range);
    if (e->begin < expected)
      fail(file, "tensor '" + e->name + "' at " + range + " overlaps data that ends at " + std::to_string(expected));
    expected = e->end;
  }
  if (expected < dataSize)
    fail(file, std::to_string(dataSize - expected) + " trailing bytes after the last tensor's data (data ends at " +
                   std::to_string(expected) + ", the file's data section has " + std::to_string(dataSize) + ")");
  if (expected > dataSize)
    fail(file, "tensor data ends at byte " + std::to_string(expected) + " of the data section, past the end of the file (" +
                   std::to_string(dataSize) + " data bytes; truncated?)");
}

}  // namespace

ParsedHeader parseHeader(const uint8_t* header, std::size_t size, uint64_t dataSize, const std::string& file) {
  checkUtf8AndDepth(header, size, file);

  // nlohmann keeps the last of duplicate keys silently: watch every object's keys.
  std::vector<std::set<std::string>> openObjects;
  std::string duplicate;
  std::size_t duplicateDepth = 0;
  auto watchKeys = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) openObjects.emplace_back();
    else if (event == json::parse_event_t::object_end && !openObjects.empty()) openObjects.pop_back();
    else if (event == json::parse_event_t::key && !openObjects.empty() && duplicate.empty() &&
             !openObjects.back().insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
      duplicateDepth = openObjects.size();
    }
    return true;
  };
  json root;
  try {
    const char* text = reinterpret_cast<const char*>(header);
    root = json::parse(text, text + size, watchKeys);
  } catch (const json::exception& e) {
    fail(file, std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty())
    fail(file, (duplicateDepth == 1 ? "duplicate tensor name '" : "duplicate key '") + duplicate + "' in the header");
  if (!root.is_object()) fail(file, std::string("header is not a JSON object but ") + root.type_name());

  ParsedHeader parsed;
  for (const auto& [name, value] : root.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) fail(file, "__metadata__ is not a JSON object");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string()) fail(file, "__metadata__ value of '" + key + "' is not a string: " + text.dump());
        parsed.metadata.emplace(key, text.get<std::string>());
      }
      continue;
    }
    parsed.entries.push_back(parseEntry(name, value, file));
  }
  checkLayout(parsed.entries, dataSize, file);
  return parsed;
}

}  // namespace td::io::detail
