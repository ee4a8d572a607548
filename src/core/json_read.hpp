#pragma once
// The one checked reader for numbers (and other members) of JSON that comes from outside: preset
// files, rows of the run store, checkpoint states. nlohmann's get<int>() of 1e300 or of 7.7e103 is
// a float-to-integer cast out of range (undefined behaviour), and get<uint64_t>() of -1 wraps;
// these read the value only when it fits the target type exactly, and say which member did not:
//
//   c.batch = json_value(j, "batch", c.batch, "training config");  // absent: keeps c.batch
//   spec.latent = json_read<int64_t>(j.at("latent"), "autoencoder spec \"latent\"");
//
// Header-only; used by folders that link nlohmann_json (core itself does not need it).
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/error.hpp"

namespace aelab {

// j as T: a number of T's range (integral T: a whole number; floating T: finite), a string or a
// boolean. InputError naming `what` otherwise.
template <class T>
[[nodiscard]] T json_read(const nlohmann::json& j, std::string_view what) {
  const auto refuse = [&](const std::string& why) -> T {
    throw InputError(std::string(what) + " " + why);
  };
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) return refuse(std::string("must be true or false, got ") + j.type_name());
    return j.get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return refuse(std::string("must be a string, got ") + j.type_name());
    return j.get<std::string>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_number()) return refuse(std::string("must be a whole number, got ") + j.type_name());
    if (j.is_number_unsigned()) {
      const auto v = j.get<uint64_t>();
      if (v > static_cast<uint64_t>(std::numeric_limits<T>::max()))
        return refuse("is out of range (" + std::to_string(v) + ")");
      return static_cast<T>(v);
    }
    if (j.is_number_integer()) {
      const auto v = j.get<int64_t>();
      const bool fits = std::is_signed_v<T>
                            ? v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                  v <= static_cast<int64_t>(std::numeric_limits<T>::max())
                            : v >= 0 && static_cast<uint64_t>(v) <=
                                            static_cast<uint64_t>(std::numeric_limits<T>::max());
      if (!fits) return refuse("is out of range (" + std::to_string(v) + ")");
      return static_cast<T>(v);
    }
    // A float: only a whole value inside T's range (compared as doubles before any cast).
    const double d = j.get<double>();
    if (!std::isfinite(d) || d != std::floor(d))
      return refuse("must be a whole number, got " + j.dump());
    if (d < static_cast<double>(std::numeric_limits<T>::min()) ||
        d >= std::ldexp(1.0, std::numeric_limits<T>::digits))
      return refuse("is out of range (" + j.dump() + ")");
    return static_cast<T>(d);
  } else {
    static_assert(std::is_floating_point_v<T>, "json_read: a number, bool or string type");
    if (!j.is_number()) return refuse(std::string("must be a number, got ") + j.type_name());
    const double d = j.get<double>();
    if (!std::isfinite(d) || std::abs(d) > static_cast<double>(std::numeric_limits<T>::max()))
      return refuse("is out of range (" + j.dump() + ")");
    return static_cast<T>(d);
  }
}

// obj[key] read by json_read when present, else `fallback`. `where` names the object in the
// message: "<where>: \"key\" is out of range (1e300)".
template <class T>
[[nodiscard]] T json_value(const nlohmann::json& obj, const char* key, const T& fallback,
                           std::string_view where) {
  if (!obj.is_object()) throw InputError(std::string(where) + " must be a JSON object");
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  return json_read<T>(*it, std::string(where) + ": \"" + key + "\"");
}

}  // namespace aelab
