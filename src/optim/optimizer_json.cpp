#include "optim/optimizer_json.hpp"

#include <array>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace aelab::optim {

namespace {

// Every numeric setting with its member: to_json and the parser walk the same table.
struct NumberKey {
  const char* key;
  double OptimizerConfig::*member;
};
constexpr std::array<NumberKey, 7> kNumbers = {{{"lr", &OptimizerConfig::lr},
                                                {"momentum", &OptimizerConfig::momentum},
                                                {"beta1", &OptimizerConfig::beta1},
                                                {"beta2", &OptimizerConfig::beta2},
                                                {"rho", &OptimizerConfig::rho},
                                                {"eps", &OptimizerConfig::eps},
                                                {"weight_decay", &OptimizerConfig::weight_decay}}};

}  // namespace

nlohmann::json to_json(const OptimizerConfig& c) {
  nlohmann::json j = {{"name", c.name}};
  for (const NumberKey& k : kNumbers) j[k.key] = c.*k.member;
  return j;
}

OptimizerConfig optimizer_config_from_json(const nlohmann::json& j) {
  if (!j.is_object())
    throw InputError("optimizer: expected a JSON object, got " + std::string(j.type_name()));
  OptimizerConfig c;
  for (const auto& [key, value] : j.items()) {
    if (key == "name") {
      if (!value.is_string())
        throw InputError("optimizer: \"name\" must be a string, got " +
                         std::string(value.type_name()));
      c.name = value.get<std::string>();
      continue;
    }
    const NumberKey* found = nullptr;
    for (const NumberKey& k : kNumbers)
      if (key == k.key) found = &k;
    if (!found) {
      std::string known = "name";
      for (const NumberKey& k : kNumbers) known += std::string(", ") + k.key;
      throw InputError("optimizer: unknown key \"" + key + "\" (known: " + known + ")");
    }
    if (!value.is_number())
      throw InputError("optimizer: \"" + key + "\" must be a number, got " +
                       std::string(value.type_name()));
    c.*found->member = value.get<double>();
  }
  try {
    validate(c);
  } catch (const InputError& e) {
    throw InputError(std::string("optimizer: ") + e.what());
  }
  return c;
}

}  // namespace aelab::optim
