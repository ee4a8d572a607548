#include "runs/run_summary.hpp"

#include <cmath>
#include <cstdio>

#include "runs/run_text.hpp"

namespace aelab::runs {

namespace {

// j[a][b]... as T when present and of that type.
template <class T>
std::optional<T> field(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return std::nullopt;
    auto it = at->find(key);
    if (it == at->end()) return std::nullopt;
    at = &*it;
  }
  if constexpr (std::is_same_v<T, std::string>) {
    if (at->is_string()) return printable(at->get<std::string>());  // only ever shown
  } else if constexpr (std::is_same_v<T, double>) {
    if (at->is_number()) return at->get<double>();
  } else {
    if (at->is_number_integer() || at->is_number_unsigned()) {
      const double v = at->get<double>();
      if (v >= -1e15 && v <= 1e15) return static_cast<T>(at->get<int64_t>());
    }
  }
  return std::nullopt;
}

// 1e-3 and 3e-4 rather than 0.001 and 0.0003: how learning rates are written in the study.
std::string short_number(double v) {
  char buf[48];
  if (v != 0 && std::abs(v) < 0.01 && std::isfinite(v)) {
    std::snprintf(buf, sizeof buf, "%.3e", v);  // "1.000e-03"
    std::string s = buf;
    const auto e = s.find('e');
    std::string mantissa = s.substr(0, e);
    while (mantissa.back() == '0') mantissa.pop_back();
    if (mantissa.back() == '.') mantissa.pop_back();
    return mantissa + "e" + std::to_string(std::stoi(s.substr(e + 1)));
  }
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

bool is_stopped_early(RunStatus s) {
  return s == RunStatus::cancelled || s == RunStatus::interrupted || s == RunStatus::failed;
}

}  // namespace

std::string_view status_label(RunStatus status) {
  return to_string(status);
}

int epochs_total(const RunSummary& r) {
  int total = static_cast<int>(field<int64_t>(r.config, {"epochs"}).value_or(0));
  if (is_autoencoder(r.kind))
    total += static_cast<int>(field<int64_t>(r.config, {"cluster_epochs"}).value_or(0));
  return total;
}

std::string status_text(const RunSummary& r) {
  const std::string label(status_label(r.status));
  std::string message = printable(r.message);
  // A message that already says "interrupted: ..." (an older aelab wrote some) is not prefixed
  // again, however many times it says it.
  while (message.rfind(label + ": ", 0) == 0) message.erase(0, label.size() + 2);
  if (message.empty() || (r.status == RunStatus::running && message.rfind("epoch ", 0) == 0))
    return label;
  if (message.rfind(label, 0) == 0) return message;  // "interrupted at epoch 3 ..."
  return label + ": " + message;
}

nlohmann::json summary_fields(const RunSummary& r) {
  nlohmann::json j = {{"id", r.id},
                      {"kind", std::string(to_string(r.kind))},
                      {"name", printable(r.name)},
                      {"status", std::string(status_label(r.status))},
                      {"status_text", status_text(r)},
                      {"epochs_done", r.epochs_done},
                      {"epochs_total", epochs_total(r)},
                      {"has_final_weights", r.has_final_weights},
                      {"resumable", is_resumable(r)}};
  if (r.last_checkpoint_epoch >= 0) j["last_checkpoint_epoch"] = r.last_checkpoint_epoch;
  nlohmann::json tags = nlohmann::json::array();
  for (const auto& t : r.tags) tags.push_back(printable(t));
  j["tags"] = tags;
  j["note"] = valid_utf8(r.note);
  if (is_autoencoder(r.kind)) {
    if (auto p = field<std::string>(r.config, {"model", "preset"})) j["preset"] = *p;
    if (auto l = field<int64_t>(r.config, {"model", "latent"})) j["latent"] = *l;
    if (auto l = field<std::string>(r.config, {"loss"})) j["loss"] = *l;
    if (r.kind == RunKind::adv_ae) {
      if (auto a = field<std::string>(r.config, {"adversarial"})) j["adversarial"] = *a;
      if (auto l = field<double>(r.config, {"lambda"})) j["lambda"] = *l;
    }
  }
  if (auto d = field<std::string>(r.config, {"dataset"})) j["dataset"] = printable(*d);
  if (auto lr = field<double>(r.config, {"optimizer", "lr"})) j["lr"] = *lr;
  if (auto seed = field<int64_t>(r.config, {"seed"})) j["seed"] = *seed;
  // A run that has not finished an epoch has no metric yet (its result's fields are
  // placeholders): no headline rather than a "test_l1 0.0000" that reads as a result.
  const bool measured = r.epochs_done > 0 || r.status == RunStatus::finished;
  if (auto h = headline_result(r.result); measured && h && std::isfinite(h->second))
    j["headline"] = {{"name", h->first}, {"value", h->second}};
  return j;
}

std::string summary_line(const RunSummary& r) {
  const nlohmann::json f = summary_fields(r);
  std::string line = "#" + std::to_string(r.id) + " " + f["name"].get<std::string>() + "  " +
                     std::string(to_string(r.kind));
  if (f.contains("preset")) line += " " + f["preset"].get<std::string>();
  if (f.contains("latent")) line += " L" + std::to_string(f["latent"].get<int64_t>());
  if (f.contains("loss")) line += " " + f["loss"].get<std::string>();
  if (f.contains("adversarial"))
    line += " " + f["adversarial"].get<std::string>() +
            (f.contains("lambda") ? " lambda " + short_number(f["lambda"].get<double>()) : "");
  // Runs of two datasets read alike otherwise (runs recorded before configs named it: none).
  if (f.contains("dataset")) line += " " + f["dataset"].get<std::string>();
  const int total = epochs_total(r);
  if (total > 0) {
    line += "  ";
    if (r.epochs_done < total) line += std::to_string(r.epochs_done) + "/";
    line += std::to_string(total) + " ep";
  }
  if (f.contains("lr")) line += "  lr " + short_number(f["lr"].get<double>());
  if (f.contains("seed")) line += "  seed " + std::to_string(f["seed"].get<int64_t>());
  // A finished run's message is a remark (e.g. collapsed reconstructions): `runs show` has it.
  if (r.status == RunStatus::finished)
    line += r.result.is_object() && r.result.value("collapsed", false) ? "  finished (collapsed)"
                                                                       : "  finished";
  else
    line += "  " + status_text(r);
  if (f.contains("headline")) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", f["headline"]["value"].get<double>());
    line += "  " + f["headline"]["name"].get<std::string>() + " " + buf;
  }
  if (!r.tags.empty()) line += "  [" + tags_text(r) + "]";
  return line;
}

std::string tags_text(const RunSummary& r) {
  std::string out;
  for (const auto& t : r.tags) out += (out.empty() ? "" : ", ") + printable(t);
  return out;
}

std::string note_preview(const RunSummary& r, size_t max_chars) {
  const std::string line = r.note.substr(0, r.note.find('\n'));
  std::string out;
  size_t chars = 0, i = 0;
  // Count code points (continuation bytes are 10xxxxxx), cut before the one that would exceed.
  for (; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xc0) != 0x80 && chars++ == max_chars) break;
  }
  out = printable(line.substr(0, i));
  if (i < r.note.size()) out += "...";
  return out;
}

bool has_final_weights(const RunSummary& r) {
  return r.has_final_weights;
}

bool is_autoencoder_with_codes(const RunSummary& r) {
  return is_autoencoder(r.kind) && r.status == RunStatus::finished && r.has_final_weights &&
         r.has_test_codes;
}

bool is_finished_disnet(const RunSummary& r) {
  return r.kind == RunKind::disnet && r.status == RunStatus::finished && r.has_final_weights;
}

bool is_finished_classifier(const RunSummary& r) {
  return r.kind == RunKind::classifier && r.status == RunStatus::finished && r.has_final_weights;
}

bool is_resumable(const RunSummary& r) {
  const bool trained =
      is_autoencoder(r.kind) || r.kind == RunKind::disnet || r.kind == RunKind::classifier;
  // Without a checkpoint it starts again from the beginning (train::reopen_for_resume).
  return trained && is_stopped_early(r.status);
}

}  // namespace aelab::runs
