#include "train/presets.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "train/embedded_presets.hpp"

namespace aelab::train {

namespace {

// Every key of `config` must be a key of `shape` (to_json of a default config), objects
// recursively; "where" + the key path in the message.
void check_keys(const nlohmann::json& config, const nlohmann::json& shape, const std::string& path,
                const std::string& where) {
  if (!config.is_object())
    throw InputError(where + ": \"" + path + "\" must be an object, got " + config.type_name());
  for (const auto& [key, value] : config.items()) {
    const std::string at = path + "." + key;
    if (!shape.contains(key)) {
      std::string known;
      for (const auto& [k, v] : shape.items()) known += (known.empty() ? "" : ", ") + k;
      throw InputError(where + ": unknown key \"" + at + "\" (known: " + known + ")");
    }
    const nlohmann::json& want = shape.at(key);
    if (want.is_object()) {
      check_keys(value, want, at, where);
    } else if ((want.is_number() && !value.is_number()) ||
               (want.is_string() && !value.is_string()) ||
               (want.is_boolean() && !value.is_boolean())) {
      throw InputError(where + ": \"" + at + "\" must be a " +
                       (want.is_number()   ? "number"
                        : want.is_string() ? "string"
                                           : "boolean") +
                       ", got " + value.type_name());
    } else if (want.is_number_integer() && !value.is_number_integer()) {
      throw InputError(where + ": \"" + at + "\" must be a whole number, got " + value.dump());
    }
  }
}

std::string string_member(const nlohmann::json& j, const char* key, bool required,
                          const std::string& where) {
  if (!j.contains(key)) {
    if (required) throw InputError(where + ": missing \"" + key + "\"");
    return "";
  }
  if (!j.at(key).is_string())
    throw InputError(where + ": \"" + key + "\" must be a string, got " + j.at(key).type_name());
  return j.at(key).get<std::string>();
}

std::vector<Preset> parse_embedded() {
  std::vector<Preset> out;
  for (const embedded::PresetFile& f : embedded::preset_files()) {
    const std::string where = std::string("assets/presets/") + f.file_name;
    try {
      Preset p = parse_preset(nlohmann::json::parse(f.text), where);
      const std::string stem = std::filesystem::path(f.file_name).stem().string();
      if (p.name != stem)
        throw InputError(where + ": name \"" + p.name + "\" is not the file's name \"" + stem +
                         "\"");
      out.push_back(std::move(p));
    } catch (const std::exception& e) {
      throw std::logic_error(std::string("embedded preset: ") + e.what());
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Preset& a, const Preset& b) { return a.name < b.name; });
  return out;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = parse_embedded();
  return all;
}

const Preset& preset(std::string_view name) {
  std::string known;
  for (const Preset& p : presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw InputError("no preset '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<Preset> preset_group(std::string_view group) {
  std::vector<Preset> out;
  for (const Preset& p : presets())
    if (p.group == group) out.push_back(p);
  return out;
}

Preset parse_preset(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where + ": a preset is a JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "name" && key != "title" && key != "group" && key != "config")
      throw InputError(where + ": unknown key \"" + key + "\" (known: name, title, group, config)");
  Preset p;
  p.name = string_member(j, "name", true, where);
  p.title = string_member(j, "title", true, where);
  p.group = string_member(j, "group", false, where);
  if (p.name.empty()) throw InputError(where + ": \"name\" is empty");
  if (!j.contains("config")) throw InputError(where + ": missing \"config\"");
  p.config = j.at("config");
  check_keys(p.config, to_json(AeTrainConfig{}), "config", where);
  try {
    (void)apply_preset(p);
  } catch (const InputError& e) {
    throw InputError(where + ": " + e.what());
  }
  return p;
}

Preset read_preset_file(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path.string() + ": cannot open the preset file");
  std::stringstream text;
  text << f.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message without its "[json.exception.parse_error.101] " prefix.
    std::string what = e.what();
    if (const size_t at = what.find("] "); at != std::string::npos) what = what.substr(at + 2);
    throw InputError(path.string() + ": not valid JSON: " + what);
  }
  return parse_preset(j, path.string());
}

AeTrainConfig apply_preset(const Preset& p, const AeTrainConfig& base) {
  nlohmann::json j = to_json(base);
  j.merge_patch(p.config);
  return ae_config_from_json(j);  // validates
}

}  // namespace aelab::train
