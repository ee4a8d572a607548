#include "core/dnnl_context.hpp"

#include <omp.h>

#include <stdexcept>

namespace aelab {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);  // engines are thread-safe
  return engine;
}

dnnl::stream& cpu_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

void set_num_threads(int n) {
  omp_set_num_threads(n > 0 ? n : omp_get_num_procs());
}

int num_threads() {
  return omp_get_max_threads();
}

void rethrow_dnnl(const dnnl::error& e, const std::string& what) {
  throw std::runtime_error(what + ": oneDNN error " + std::to_string(static_cast<int>(e.status)) +
                           " (" + e.what() + ")");
}

}  // namespace aelab
