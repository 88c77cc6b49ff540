// The engine's datasets and readers for tapedeck.datasets: synthetic teaching sets, IDX
// (Fashion-MNIST) and CSV. Each returns (inputs, targets) tensors; the Python side wraps
// them in a TensorDataset.
#include "Bindings.h"
#include "tapedeck/data/Synthetic.h"
#include "tapedeck/io/Csv.h"
#include "tapedeck/io/Idx.h"

namespace td::python {
namespace {

py::tuple pairOf(const data::TensorDataset& d) { return py::make_tuple(d.inputs(), d.targets()); }

}  // namespace

void bindData(py::module_& m) {
  py::module_ data = m.def_submodule("_data", "Datasets and readers behind tapedeck.datasets");
  namespace syn = data::synthetic;
  data.def("xor", [](int64_t n, double noise, uint64_t seed) { return pairOf(syn::xorDataset(n, noise, seed)); },
           py::arg("n"), py::arg("noise") = 0.1, py::arg("seed") = 0);
  data.def("two_moons", [](int64_t n, double noise, uint64_t seed) { return pairOf(syn::twoMoons(n, noise, seed)); },
           py::arg("n"), py::arg("noise") = 0.1, py::arg("seed") = 0);
  data.def("circles", [](int64_t n, double noise, uint64_t seed, double factor) {
    return pairOf(syn::circles(n, noise, seed, factor));
  }, py::arg("n"), py::arg("noise") = 0.05, py::arg("seed") = 0, py::arg("factor") = 0.5);
  data.def("spirals", [](int64_t n, double noise, uint64_t seed, int64_t classes) {
    return pairOf(syn::spirals(n, noise, seed, classes));
  }, py::arg("n"), py::arg("noise") = 0.2, py::arg("seed") = 0, py::arg("classes") = 3);
  data.def("blobs", [](int64_t n, double noise, uint64_t seed, int64_t centers, int64_t dims) {
    return pairOf(syn::blobs(n, noise, seed, centers, dims));
  }, py::arg("n"), py::arg("noise") = 1.0, py::arg("seed") = 0, py::arg("centers") = 3, py::arg("dims") = 2);
  data.def("sine", [](int64_t n, double noise, uint64_t seed) { return pairOf(syn::sine(n, noise, seed)); },
           py::arg("n"), py::arg("noise") = 0.1, py::arg("seed") = 0);
  data.def("polynomial", [](int64_t n, double noise, uint64_t seed, const std::vector<double>& coefficients) {
    return pairOf(syn::polynomial(n, noise, seed, coefficients));
  }, py::arg("n"), py::arg("noise") = 0.1, py::arg("seed") = 0,
     py::arg("coefficients") = std::vector<double>{0.0, -1.0, 0.0, 0.5});
  data.def("bars", [](int64_t n, double noise, uint64_t seed, int64_t size) {
    return pairOf(syn::bars(n, noise, seed, size));
  }, py::arg("n"), py::arg("noise") = 0.1, py::arg("seed") = 0, py::arg("size") = 8);
  data.def("shapes", [](int64_t n, double noise, uint64_t seed, int64_t size) {
    return pairOf(syn::shapes(n, noise, seed, size));
  }, py::arg("n"), py::arg("noise") = 0.1, py::arg("seed") = 0, py::arg("size") = 12);
  data.def("fashion_mnist", [](const std::string& split, const std::string& root) {
    return pairOf(io::fashionMnist(split, root));
  }, py::arg("split") = "train", py::arg("root") = "/usr/share/datasets/fashion-mnist");
  data.def("read_idx", [](const std::string& path) { return io::readIdx(path); }, py::arg("path"));
  data.def("read_csv", [](const std::string& path, py::object target, py::object header, py::object dtype,
                          const std::string& delimiter) {
    io::CsvOptions options;
    if (target.is_none()) options.hasTarget = false;
    else if (py::isinstance<py::str>(target)) options.targetName = py::cast<std::string>(target);
    else options.targetIndex = py::cast<int64_t>(target);
    if (!header.is_none()) options.header = py::cast<bool>(header) ? io::CsvOptions::Header::Present
                                                                   : io::CsvOptions::Header::Absent;
    if (!dtype.is_none()) options.targetDType = py::cast<DType>(dtype);
    if (delimiter.size() != 1) throw py::value_error("delimiter must be one character");
    options.delimiter = delimiter[0];
    io::CsvTable table = io::readCsv(path, options);
    py::object targets = table.targets.defined() ? py::cast(table.targets) : py::none();
    return py::make_tuple(table.inputs, targets, table.inputNames, table.targetName);
  }, py::arg("path"), py::arg("target") = -1, py::arg("header") = py::none(), py::arg("target_dtype") = py::none(),
     py::arg("delimiter") = ",");
}

}  // namespace td::python
