#pragma once
// The oneDNN engine and stream of the calling thread. Primitives are not shared across threads
// (oneDNN's rule); each worker builds its own on first use, kept on the layer that needs them.
#include <dnnl.hpp>
#include <string>

namespace aelab {

[[nodiscard]] dnnl::engine& cpu_engine();
[[nodiscard]] dnnl::stream& cpu_stream();

// OpenMP threads oneDNN (and our loops) use on the calling thread. n <= 0 means all cores.
void set_num_threads(int n);
[[nodiscard]] int num_threads();

// A dnnl::error as a message that says what was being built ("building Linear(784->512): ...").
[[noreturn]] void rethrow_dnnl(const dnnl::error& e, const std::string& what);

}  // namespace aelab
