// safetensors for tapedeck.save/load: named tensors plus the string metadata map.
#include "Bindings.h"
#include "tapedeck/io/SafeTensors.h"

namespace td::python {

void bindIo(py::module_& m) {
  py::module_ io = m.def_submodule("_io", "File formats behind tapedeck.save/load");
  io.def("save_safetensors", [](const std::string& path, const StateDict& tensors,
                                const io::SafeTensorsMetadata& metadata) {
    io::saveSafeTensors(path, tensors, metadata);
  }, py::arg("path"), py::arg("tensors"), py::arg("metadata"));
  io.def("load_safetensors", [](const std::string& path) {
    io::SafeTensorsMetadata metadata;
    StateDict tensors = io::loadSafeTensors(path, &metadata);
    return py::make_tuple(tensors, metadata);
  }, py::arg("path"), "([(name, tensor)], {metadata}); tensors sorted by name");
}

}  // namespace td::python
