// safetensors: golden bytes, round trips (random shapes and dtypes, modules, optimizers),
// F16/BF16 decoding, and one hostile file per validation rule, through memory and disk.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include <unistd.h>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/io/SafeTensors.h"
#include "tapedeck/nn/NN.h"
#include "tapedeck/optim/Optim.h"
#include "support/FuzzSeeds.h"

namespace {

using ::testing::HasSubstr;
using Bytes = std::vector<uint8_t>;

/// A path in the temporary directory unique to this test and process (ctest runs tests in parallel).
std::string tempPath(const std::string& name) {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  return (std::filesystem::path(::testing::TempDir()) /
          ("safetensors_" + std::to_string(::getpid()) + "_" + test + "_" + name))
      .string();
}

void writeFile(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  td::test::keepAsFuzzSeed("safetensors", path);
}

/// A file: little-endian length of `header`, `header` as given, then `data`.
Bytes fileBytes(const std::string& header, const Bytes& data = {}, uint64_t length = UINT64_MAX) {
  if (length == UINT64_MAX) length = header.size();
  Bytes out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(length >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

/// Both readers refuse `bytes` with a td::Error naming the file and containing `problem`.
void expectRejected(const Bytes& bytes, const std::string& problem) {
  try {
    td::io::parseSafeTensors(bytes.data(), bytes.size(), "hostile.safetensors");
    ADD_FAILURE() << "parseSafeTensors accepted a file that should fail with: " << problem;
  } catch (const td::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'hostile.safetensors'"));
    EXPECT_THAT(e.what(), HasSubstr(problem));
  }
  const std::string path = tempPath("hostile.safetensors");
  writeFile(path, bytes);
  try {
    td::io::loadSafeTensors(path);
    ADD_FAILURE() << "loadSafeTensors accepted a file that should fail with: " << problem;
  } catch (const td::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'" + path + "'"));
    EXPECT_THAT(e.what(), HasSubstr(problem));
  }
  std::filesystem::remove(path);
}

/// One tensor entry's JSON.
std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
}

void expectSameTensors(const td::StateDict& expected, const td::StateDict& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(expected[i].first, actual[i].first);
    EXPECT_EQ(expected[i].second.dtype(), actual[i].second.dtype()) << expected[i].first;
    EXPECT_EQ(td::shapeString(expected[i].second.shape()), td::shapeString(actual[i].second.shape()));
    EXPECT_EQ(expected[i].second.toVector(), actual[i].second.toVector()) << expected[i].first;
  }
}

// --- golden bytes -------------------------------------------------------------------

TEST(SafeTensorsGolden, EmptyDictIsBracesPaddedToEightBytes) {
  Bytes expected = fileBytes("{}      ");
  EXPECT_EQ(td::io::serializeSafeTensors({}), expected);
  EXPECT_TRUE(td::io::parseSafeTensors(expected.data(), expected.size(), "empty").empty());
  const std::string path = tempPath("empty.safetensors");
  td::save(path, {});
  EXPECT_TRUE(td::load(path).empty());
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(Bytes(std::istreambuf_iterator<char>(in), {}), expected);
}

TEST(SafeTensorsGolden, OneFloat32TensorByteForByte) {
  Bytes expected = fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  ",
                             {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0});  // 1.0f, -2.0f
  ASSERT_EQ(expected[0], 56);
  const std::string path = tempPath("one.safetensors");
  td::io::saveSafeTensors(path, {{"w", td::fromVector(std::vector<float>{1.0f, -2.0f})}});
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(Bytes(std::istreambuf_iterator<char>(in), {}), expected);
  td::StateDict loaded = td::io::loadSafeTensors(path);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].first, "w");
  EXPECT_EQ(loaded[0].second.toVector(), (std::vector<double>{1.0, -2.0}));
}

TEST(SafeTensorsGolden, MetadataFirstThenDataOrderedByDTypeThenName) {
  td::StateDict tensors = {{"a", td::scalarTensor(1.0)}, {"b", td::fromVector(std::vector<int64_t>{-1})}};
  Bytes expected = fileBytes("{\"__metadata__\":{\"format\":\"pt\"},"
                             "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                             "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]}}      ",
                             {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x80, 0x3F});
  EXPECT_EQ(td::io::serializeSafeTensors(tensors, {{"format", "pt"}}), expected);
  td::io::SafeTensorsMetadata metadata;
  td::StateDict loaded = td::io::parseSafeTensors(expected.data(), expected.size(), "meta", &metadata);
  EXPECT_EQ(metadata, (td::io::SafeTensorsMetadata{{"format", "pt"}}));
  expectSameTensors(tensors, loaded);  // sorted by name: a, b
}

// --- round trips --------------------------------------------------------------------

TEST(SafeTensorsRoundTrip, RandomShapesAndDTypes) {
  td::manualSeed(7);
  std::mt19937 rng(7);
  const td::DType dtypes[] = {td::DType::Float32, td::DType::Float64, td::DType::Int64, td::DType::Bool};
  for (int trial = 0; trial < 20; ++trial) {
    td::StateDict tensors;
    for (int k = 0; k < 6; ++k) {
      td::IntList shape;
      int dims = static_cast<int>(rng() % 5);  // 0-d included
      for (int d = 0; d < dims; ++d) shape.push_back(static_cast<int64_t>(rng() % 5));  // empty included
      td::DType dtype = dtypes[rng() % 4];
      td::Tensor t = dtype == td::DType::Int64  ? td::randint(-1000, 1000, shape)
                     : dtype == td::DType::Bool ? td::randint(0, 2, shape).to(td::DType::Bool)
                                                : td::randn(shape, dtype);
      tensors.emplace_back("t" + std::to_string(k), t);
    }
    const std::string path = tempPath("roundtrip.safetensors");
    td::io::saveSafeTensors(path, tensors, {{"trial", std::to_string(trial)}});
    td::test::keepAsFuzzSeed("safetensors", path);
    td::io::SafeTensorsMetadata metadata;
    expectSameTensors(tensors, td::io::loadSafeTensors(path, &metadata));
    EXPECT_EQ(metadata.at("trial"), std::to_string(trial));
    Bytes bytes = td::io::serializeSafeTensors(tensors);
    expectSameTensors(tensors, td::io::parseSafeTensors(bytes.data(), bytes.size(), "memory"));
  }
}

TEST(SafeTensorsRoundTrip, NonContiguousTensorsSaveTheirValues) {
  td::Tensor t = td::arange(6.0).reshape({2, 3}).t();
  Bytes bytes = td::io::serializeSafeTensors({{"t", t}});
  expectSameTensors({{"t", t.contiguous()}}, td::io::parseSafeTensors(bytes.data(), bytes.size(), "memory"));
}

TEST(SafeTensorsRoundTrip, LinearStateDictLoadsIntoAFreshModule) {
  td::manualSeed(1);
  auto trained = td::nn::make<td::nn::Linear>(3, 4);
  auto fresh = td::nn::make<td::nn::Linear>(3, 4);
  const std::string path = tempPath("linear.safetensors");
  td::save(path, trained->stateDict());
  fresh->loadStateDict(td::load(path));
  td::Tensor x = td::randn({5, 3});
  EXPECT_EQ((*trained)(x).toVector(), (*fresh)(x).toVector());
}

TEST(SafeTensorsRoundTrip, AdamStateDictResumes) {
  td::Tensor p = td::ones({3}).setRequiresGrad();
  td::optim::Adam adam({p}, {.lr = 0.1});
  p.setGrad(td::ones({3}));
  adam.step();
  const std::string path = tempPath("adam.safetensors");
  td::save(path, adam.stateDict());
  td::Tensor q = td::ones({3}).setRequiresGrad();
  td::optim::Adam fresh({q}, {.lr = 0.5});
  fresh.loadStateDict(td::load(path));
  EXPECT_EQ(fresh.lr(), 0.1);
  expectSameTensors(adam.stateDict(), fresh.stateDict());
}

TEST(SafeTensorsRoundTrip, SaveRefusesWhatCannotBeWritten) {
  const std::string path = tempPath("refused.safetensors");
  auto expectRefused = [&](const td::StateDict& tensors, const std::string& problem) {
    try {
      td::io::saveSafeTensors(path, tensors);
      ADD_FAILURE() << "saved despite: " << problem;
    } catch (const td::Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(path));
      EXPECT_THAT(e.what(), HasSubstr(problem));
    }
  };
  expectRefused({{"a", td::zeros({1})}, {"a", td::zeros({1})}}, "two tensors named 'a'");
  expectRefused({{"__metadata__", td::zeros({1})}}, "reserved");
  expectRefused({{"u", td::Tensor()}}, "undefined");
  expectRefused({{"\xff", td::zeros({1})}}, "not valid UTF-8");
}

// --- F16 and BF16 -------------------------------------------------------------------

TEST(SafeTensorsHalf, DecodesKnownValues) {
  using td::io::halfToFloat;
  EXPECT_EQ(halfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(halfToFloat(0xC000), -2.0f);
  EXPECT_EQ(halfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(halfToFloat(0x0400), std::ldexp(1.0f, -14));           // smallest normal
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));           // smallest subnormal
  EXPECT_EQ(halfToFloat(0x03FF), std::ldexp(1023.0f, -24));        // largest subnormal
  EXPECT_EQ(halfToFloat(0x8200), -std::ldexp(512.0f, -24));
  EXPECT_TRUE(std::signbit(halfToFloat(0x8000)) && halfToFloat(0x8000) == 0.0f);
  EXPECT_EQ(halfToFloat(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(halfToFloat(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(halfToFloat(0x7E00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7C01)));  // signalling payload stays a NaN

  using td::io::bfloat16ToFloat;
  EXPECT_EQ(bfloat16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(bfloat16ToFloat(0xC0A0), -5.0f);
  EXPECT_EQ(bfloat16ToFloat(0x4049), 3.140625f);
  EXPECT_EQ(bfloat16ToFloat(0x0001), std::ldexp(1.0f, -133));
  EXPECT_EQ(bfloat16ToFloat(0x7F80), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(0x7FC0)));
}

TEST(SafeTensorsHalf, F16AndBF16FilesLoadAsFloat32) {
  std::string header = "{" + entry("b", "BF16", "[2]", "[0,4]") + "," + entry("h", "F16", "[1,2]", "[4,8]") + "}";
  Bytes bytes = fileBytes(header, {0x80, 0x3F, 0xA0, 0xC0, 0x00, 0x3C, 0x01, 0x00});
  td::StateDict loaded = td::io::parseSafeTensors(bytes.data(), bytes.size(), "half");
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].second.dtype(), td::DType::Float32);
  EXPECT_EQ(loaded[0].second.toVector(), (std::vector<double>{1.0, -5.0}));
  EXPECT_EQ(td::shapeString(loaded[1].second.shape()), "[1, 2]");
  EXPECT_EQ(loaded[1].second.toVector(), (std::vector<double>{1.0, std::ldexp(1.0, -24)}));
}

// --- hostile files: one test per rule -----------------------------------------------

const std::string kGood = entry("a", "F32", "[1]", "[0,4]");
const Bytes kFour = {0, 0, 0, 0};

TEST(SafeTensorsHostile, TruncatedLengthField) {
  expectRejected({1, 2, 3}, "too short for the 8-byte header length");
}

TEST(SafeTensorsHostile, HeaderLengthOverLimit) {
  expectRejected(fileBytes("{}", {}, 100'000'001), "exceeds the limit of 100000000 bytes");
  expectRejected(fileBytes("{}", {}, UINT64_MAX - 1), "exceeds the limit");
}

TEST(SafeTensorsHostile, HeaderBeyondFile) {
  expectRejected(fileBytes("{}", {}, 64), "runs past the end of the file");
}

TEST(SafeTensorsHostile, NotAJsonObject) {
  expectRejected(fileBytes("[1, 2]  "), "not a JSON object");
  expectRejected(fileBytes("{\"a\":1}"), "tensor 'a' is not a JSON object");
  expectRejected(fileBytes("{\"a\":"), "not valid JSON");
  expectRejected(fileBytes(""), "not valid JSON");
  expectRejected(fileBytes("{\"__metadata__\":{\"k\":1}}"), "__metadata__ value of 'k' is not a string");
}

TEST(SafeTensorsHostile, BadUtf8) {
  expectRejected(fileBytes("{\"\xff\":{}}"), "not valid UTF-8");
  expectRejected(fileBytes("{\"\xc0\xaf\":{}}"), "not valid UTF-8");      // overlong '/'
  expectRejected(fileBytes("{\"\xed\xa0\x80\":{}}"), "not valid UTF-8");  // a surrogate
  expectRejected(fileBytes("{\"\xe2\x82\":{}}"), "not valid UTF-8");      // cut short
}

TEST(SafeTensorsHostile, TooDeep) {
  expectRejected(fileBytes("{" + entry("a", "F32", "[[1]]", "[0,4]") + "}", kFour), "nests deeper than 3");
  expectRejected(fileBytes(std::string(100000, '[') + std::string(100000, ']')), "nests deeper than 3");
}

TEST(SafeTensorsHostile, DuplicateNames) {
  expectRejected(fileBytes("{" + kGood + "," + entry("a", "F32", "[1]", "[4,8]") + "}", Bytes(8)),
                 "duplicate tensor name 'a'");
  expectRejected(fileBytes("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,4]}}", kFour),
                 "duplicate key 'dtype'");
}

TEST(SafeTensorsHostile, UnknownDTypeOrField) {
  expectRejected(fileBytes("{" + entry("a", "I32", "[1]", "[0,4]") + "}", kFour), "unknown dtype \"I32\"");
  expectRejected(fileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", kFour), "tensor 'a' has no 'data_offsets'");
  expectRejected(fileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", kFour),
                 "unknown field 'x'");
}

TEST(SafeTensorsHostile, ShapeNotUnsignedInteger) {
  expectRejected(fileBytes("{" + entry("a", "F32", "[-1]", "[0,4]") + "}", kFour), "shape entry 0 is negative");
  expectRejected(fileBytes("{" + entry("a", "F32", "[1.0]", "[0,4]") + "}", kFour),
                 "shape entry 0 is not an unsigned 64-bit integer");
  expectRejected(fileBytes("{" + entry("a", "F32", "[18446744073709551616]", "[0,4]") + "}", kFour),
                 "shape entry 0 is not an unsigned 64-bit integer");
  expectRejected(fileBytes("{" + entry("a", "F32", "[\"1\"]", "[0,4]") + "}", kFour), "is not a number");
}

TEST(SafeTensorsHostile, OffsetsNotUnsignedIntegers) {
  expectRejected(fileBytes("{" + entry("a", "F32", "[1]", "[-4,0]") + "}", kFour), "data_offsets begin is negative");
  expectRejected(fileBytes("{" + entry("a", "F32", "[1]", "[0,4.0]") + "}", kFour),
                 "data_offsets end is not an unsigned 64-bit integer");
  expectRejected(fileBytes("{" + entry("a", "F32", "[1]", "[0,18446744073709551620]") + "}", kFour),
                 "data_offsets end is not an unsigned 64-bit integer");
  expectRejected(fileBytes("{" + entry("a", "F32", "[1]", "[0]") + "}", kFour), "not an array of two numbers");
  expectRejected(fileBytes("{" + entry("a", "F32", "[0]", "[4,0]") + "}", kFour), "end before they begin");
}

TEST(SafeTensorsHostile, ShapeProductOverflow) {
  // 2^32 * 2^32 wraps to 0; the later 0 must not turn it into an empty tensor.
  expectRejected(fileBytes("{" + entry("a", "F32", "[4294967296,4294967296,0]", "[0,0]") + "}"),
                 "element count overflows 64 bits");
  expectRejected(fileBytes("{" + entry("a", "F32", "[0,9223372036854775808]", "[0,0]") + "}"),
                 "shape entry 1 is 9223372036854775808, more than the largest int64");
  expectRejected(fileBytes("{" + entry("a", "F64", "[2305843009213693952]", "[0,0]") + "}"),
                 "byte count overflows 64 bits");
}

TEST(SafeTensorsHostile, ByteCountMismatch) {
  expectRejected(fileBytes("{" + entry("a", "F32", "[2]", "[0,4]") + "}", kFour), "span 4 bytes but dtype F32");
}

TEST(SafeTensorsHostile, GapBetweenTensors) {
  expectRejected(fileBytes("{" + kGood + "," + entry("b", "F32", "[1]", "[8,12]") + "}", Bytes(12)),
                 "gap of 4 bytes in the data before tensor 'b'");
  expectRejected(fileBytes("{" + entry("a", "F32", "[1]", "[4,8]") + "}", Bytes(8)), "gap of 4 bytes");
}

TEST(SafeTensorsHostile, OverlappingTensors) {
  expectRejected(fileBytes("{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("b", "F32", "[1]", "[4,8]") + "}",
                           Bytes(8)),
                 "tensor 'b' at [4, 8) overlaps data that ends at 8");
}

TEST(SafeTensorsHostile, TrailingBytes) {
  expectRejected(fileBytes("{" + kGood + "}", Bytes(8)), "4 trailing bytes after the last tensor's data");
  expectRejected(fileBytes("{}", Bytes(1)), "1 trailing bytes");
}

TEST(SafeTensorsHostile, DataNotEndingAtFileEnd) {
  expectRejected(fileBytes("{" + entry("a", "F32", "[2]", "[0,8]") + "}", kFour), "past the end of the file");
}

TEST(SafeTensorsHostile, BoolBytesOtherThanZeroOrOne) {
  expectRejected(fileBytes("{" + entry("a", "BOOL", "[2]", "[0,2]") + "}", {1, 2}),
                 "BOOL tensor 'a' holds byte 2 at element 1");
}

TEST(SafeTensorsHostile, MissingFileAndDirectory) {
  EXPECT_THROW(td::io::loadSafeTensors(tempPath("does-not-exist.safetensors")), td::Error);
  EXPECT_THROW(td::io::loadSafeTensors(::testing::TempDir()), td::Error);
}

}  // namespace
