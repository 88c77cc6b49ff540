// safetensors_tool: the engine's side of the cross-check with the reference `safetensors`
// package (tests/python/test_safetensors_interop.py).
//   safetensors_tool write PATH   writes the fixed state dict below, with metadata
//   safetensors_tool dump PATH    loads PATH and prints it as JSON: {"tensors": {name:
//                                 {"dtype", "shape", "values"}}, "metadata": {...}}
// The fixed dict: "f32" [2, 3] float32 = k / 4 - 1, "f64" [4] float64 = k / 3,
// "i64" [3, 1] int64 = k * k - 5, "flag" [5] bool = k % 2 == 0, "scalar" [] float32 = 3.5,
// "empty" [0, 2] float32; metadata {"format": "pt", "tool": "tapedeck"}. Exit 1 with the
// error on stderr when loading fails.
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/io/SafeTensors.h"

namespace {

td::StateDict fixedDict() {
  return {{"f32", td::arange(6.0).reshape({2, 3}) / 4.0 - 1.0},
          {"f64", td::arange(4.0, td::DType::Float64) / 3.0},
          {"i64", td::fromVector(std::vector<int64_t>{-5, -4, -1}, {3, 1})},
          {"flag", td::fromVector(std::vector<double>{1, 0, 1, 0, 1}, {5}).to(td::DType::Bool)},
          {"scalar", td::full({}, 3.5)},
          {"empty", td::zeros({0, 2})}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "write" && std::string(argv[1]) != "dump")) {
    std::cerr << "usage: safetensors_tool write|dump PATH\n";
    return 2;
  }
  try {
    if (std::string(argv[1]) == "write") {
      td::io::saveSafeTensors(argv[2], fixedDict(), {{"format", "pt"}, {"tool", "tapedeck"}});
      return 0;
    }
    td::io::SafeTensorsMetadata metadata;
    const td::StateDict tensors = td::io::loadSafeTensors(argv[2], &metadata);
    nlohmann::json out = {{"tensors", nlohmann::json::object()}, {"metadata", metadata}};
    for (const auto& [name, tensor] : tensors) {
      std::vector<int64_t> shape(tensor.shape().begin(), tensor.shape().end());
      out["tensors"][name] = nlohmann::json{
          {"dtype", td::dtypeName(tensor.dtype())}, {"shape", shape}, {"values", tensor.toVector()}};
    }
    std::cout << out.dump() << "\n";
    return 0;
  } catch (const td::Error& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
}
