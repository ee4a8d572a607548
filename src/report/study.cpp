#include "report/study.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "report/build_info.hpp"
#include "report/study_sections.hpp"
#include "runs/tensor_blob.hpp"

namespace aelab::report {

// [SECTION] SectionResult

void SectionResult::heading(std::string text) {
  blocks.push_back({Block::Kind::heading, std::move(text), {}, 0});
}
void SectionResult::paragraph(std::string text) {
  blocks.push_back({Block::Kind::paragraph, std::move(text), {}, 0});
}
void SectionResult::code(std::string text) {
  blocks.push_back({Block::Kind::code, std::move(text), {}, 0});
}
void SectionResult::table(Table t) {
  blocks.push_back({Block::Kind::table, "", std::move(t), 0});
}
void SectionResult::figure(Figure f) {
  figures.push_back(std::move(f));
  blocks.push_back({Block::Kind::figure, "", {}, figures.size() - 1});
}
bool SectionResult::claim(std::string text, nlohmann::json numbers, bool passed) {
  claims.push_back({std::move(text), std::move(numbers), passed});
  return passed;
}
int SectionResult::failed_claims() const {
  return int(std::count_if(claims.begin(), claims.end(), [](const Claim& c) { return !c.passed; }));
}

int StudyReport::failed_claims() const {
  int n = 0;
  for (const SectionResult& s : sections) n += s.failed_claims();
  return n;
}
int StudyReport::claim_count() const {
  int n = 0;
  for (const SectionResult& s : sections) n += int(s.claims.size());
  return n;
}

// [SECTION] Options

void validate(const StudyOptions& o) {
  if (o.seeds < 1 || o.seeds > 10)
    throw InputError("--seeds must be between 1 and 10, got " + std::to_string(o.seeds));
  if (o.limit < 0) throw InputError("--limit must be >= 0");
  if (o.limit > 0 && o.limit < 100)
    throw InputError("--limit must be 0 (all) or at least 100 samples per split");
  if (o.threads < 0) throw InputError("--threads must be >= 0 (0 = all cores)");
  if (o.runs_db.empty()) throw InputError("no run store given");
  (void)selected_sections(o);
}

std::vector<std::string> selected_sections(const StudyOptions& o) {
  std::vector<std::string> known;
  for (const SectionSpec& s : study_sections()) known.emplace_back(s.id);
  std::vector<std::string> out;
  if (o.sections.empty()) {
    for (const SectionSpec& s : study_sections())
      if (s.by_default) out.emplace_back(s.id);
    return out;
  }
  for (const std::string& id : o.sections) {
    if (!find_section(id)) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InputError("unknown report section '" + id + "' (known: " + list + ")");
    }
  }
  for (const std::string& id : known)  // table order, each once
    if (std::find(o.sections.begin(), o.sections.end(), id) != o.sections.end()) out.push_back(id);
  return out;
}

// [SECTION] StudyContext

void StudyContext::check_cancel() const {
  if (cancel_requested()) throw StudyCancelled();
}
void StudyContext::progress(double fraction, const std::string& line) const {
  if (progress_) progress_(std::clamp(fraction, 0.0, 1.0), line);
}
bool StudyContext::selected(const std::string& section_id) const {
  const std::vector<std::string> s = selected_sections(options_);
  return std::find(s.begin(), s.end(), section_id) != s.end();
}

// [SECTION] Provenance

std::string dataset_hash(const data::Dataset& ds) {
  uint64_t h = runs::kFnv1aOffset;
  auto add = [&h](const void* p, size_t n) {
    h = runs::fnv1a64(std::span(static_cast<const std::byte*>(p), n), h);
  };
  add(ds.train_images.data(), size_t(ds.train_images.numel()) * sizeof(float));
  add(ds.train_labels.data(), ds.train_labels.size());
  add(ds.test_images.data(), size_t(ds.test_images.numel()) * sizeof(float));
  add(ds.test_labels.data(), ds.test_labels.size());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string m = line.substr(colon + 1);
        m.erase(0, m.find_first_not_of(' '));
        return m;
      }
    }
  return "unknown";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

double cost_of(const SectionSpec& s, const StudyOptions& o) {
  return o.quick ? s.quick_cost : s.full_cost * (s.id == std::string("q1") ? 1 : o.seeds);
}

}  // namespace

// [SECTION] run_study

StudyReport run_study(const StudyOptions& options, const ProgressFn& progress,
                      std::atomic<bool>* cancel) {
  validate(options);
  const std::vector<std::string> ids = selected_sections(options);
  set_num_threads(options.threads);
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };

  data::Dataset ds =
      data::load_dataset(options.dataset, options.data_dir, options.source_dir, options.limit);
  const std::string hash = dataset_hash(ds);

  StudyReport report;
  report.options = options;
  nlohmann::json& p = report.provenance;
  p["aelab_version"] = aelab_version();
  p["git_commit"] = git_commit();
  p["date"] = utc_now();
  p["dataset"] = {{"name", ds.name},
                  {"source_dir", options.source_dir.string()},
                  {"content_hash", hash},
                  {"train", ds.train_images.dim(0)},
                  {"test", ds.test_images.dim(0)},
                  {"limit", options.limit}};
  p["machine"] = {{"cpu", cpu_model()},
                  {"cores", std::thread::hardware_concurrency()},
                  {"threads", num_threads()}};
  p["options"] = {{"seeds", options.seeds},
                  {"quick", options.quick},
                  {"fresh", options.fresh},
                  {"sections", ids},
                  {"runs_db", options.runs_db.string()}};

  double total_cost = 0;
  for (const std::string& id : ids) total_cost += cost_of(*find_section(id), options);
  double done_cost = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const SectionSpec& spec = *find_section(ids[i]);
    const double cost = cost_of(spec, options);
    auto on_progress = [&, i](double f, const std::string& line) {
      if (!progress) return;
      StudyProgress sp;
      sp.section = spec.id;
      sp.index = int(i);
      sp.count = int(ids.size());
      sp.section_fraction = f;
      sp.overall_fraction = total_cost > 0 ? (done_cost + f * cost) / total_cost : 0;
      const double elapsed = seconds_since(t0);
      if (sp.overall_fraction > 0.02)
        sp.eta_seconds = elapsed * (1 - sp.overall_fraction) / sp.overall_fraction;
      sp.line = line;
      progress(sp);
    };
    StudyContext ctx(options, ds, hash, cancel, on_progress);
    ctx.check_cancel();
    SectionResult out;
    out.id = spec.id;
    out.title = spec.title;
    const auto ts = std::chrono::steady_clock::now();
    ctx.progress(0, "starting");
    spec.run(ctx, out);
    out.seconds = seconds_since(ts);
    ctx.progress(1, "done in " + std::to_string(int(out.seconds + 0.5)) + " s");
    report.sections.push_back(std::move(out));
    done_cost += cost;
  }

  nlohmann::json runs = nlohmann::json::array(), wall = nlohmann::json::object();
  for (const SectionResult& s : report.sections) {
    wall[s.id] = s.seconds;
    for (const RunUse& r : s.runs)
      runs.push_back({{"section", s.id},
                      {"id", r.id},
                      {"name", r.name},
                      {"kind", r.kind},
                      {"config_hash", r.config_hash},
                      {"reused", r.reused}});
  }
  p["runs"] = std::move(runs);
  p["wall_seconds"] = wall;
  p["wall_seconds_total"] = seconds_since(t0);
  return report;
}

}  // namespace aelab::report
