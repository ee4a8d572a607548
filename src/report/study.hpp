#pragma once
// The study report (`aelab report`, File -> "Study report..."): the whole study answered in one
// job, headless, with every finding stated as a claim checked against this report's own runs.
//
// A report is a list of sections (study_sections(), study_sections.cpp). Each section is a
// function that gets a StudyContext (the store, the dataset, the seeds, quick or full, progress
// and cancel) and fills a SectionResult: Markdown-like blocks (headings, paragraphs, tables,
// figures), figures (PNG bytes + caption), metrics (JSON) and claims {text, numbers, passed}.
// The writers (study_writer.hpp) turn a StudyReport into report.md, report.html (one file,
// figures inline), metrics.json and figures/*.png.
//
// Adding a section: write `void my_section(StudyContext&, SectionResult&)` (study_sections.hpp)
// and add ONE row to the table in study_sections.cpp: {id, title, function, cost estimates}.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "report/table_export.hpp"

namespace aelab::report {

// [SECTION] What a section produces

struct Figure {
  std::string file;  // "q1-phase-map.png" (written under figures/)
  std::string caption;
  std::vector<unsigned char> png;
};

// A finding with the numbers it rests on and whether they support it.
struct Claim {
  std::string text;
  nlohmann::json numbers = nlohmann::json::object();
  bool passed = false;
};

struct Block {
  enum class Kind { heading, paragraph, table, figure, code };
  Kind kind = Kind::paragraph;
  std::string text;   // heading, paragraph (Markdown inline: **bold**, `code`), code
  Table table;        // table
  size_t figure = 0;  // figure: index into SectionResult::figures
};

// A run a section used, for the provenance block.
struct RunUse {
  int64_t id = 0;
  std::string name;
  std::string kind;
  std::string config_hash;  // 16 hex digits (study_runs.hpp)
  bool reused = false;      // found finished in the store (not trained by this report)
};

struct SectionResult {
  std::string id, title;
  std::vector<Block> blocks;
  std::vector<Figure> figures;
  std::vector<Claim> claims;
  nlohmann::json metrics = nlohmann::json::object();
  std::vector<RunUse> runs;
  double seconds = 0;

  void heading(std::string text);
  void paragraph(std::string text);
  void code(std::string text);
  void table(Table t);
  void figure(Figure f);  // also adds a block showing it
  // Records the claim and returns `passed`.
  bool claim(std::string text, nlohmann::json numbers, bool passed);
  [[nodiscard]] int failed_claims() const;
};

// [SECTION] Options and context

struct StudyOptions {
  std::string dataset = data::kDefaultDataset;
  std::filesystem::path data_dir;    // where datasets live (the default data dir)
  std::filesystem::path source_dir;  // --data DIR: the dataset's four IDX files
  std::filesystem::path runs_db;
  int seeds = 1;                      // seeds 0 .. seeds-1 for the (a) and (b) runs
  bool quick = false;                 // few epochs: the same sections and claims in about a minute
  bool fresh = false;                 // retrain even when a matching finished run is in the store
  int64_t limit = 0;                  // > 0: at most this many samples per split
  int threads = 0;                    // oneDNN/OpenMP threads (0: all cores)
  std::vector<std::string> sections;  // ids; empty: every section that is on by default
};

// Throws InputError naming the problem: an unknown section id, seeds outside 1..10, ...
void validate(const StudyOptions& options);
// The section ids to run, in table order (the options' own list checked, or the defaults).
[[nodiscard]] std::vector<std::string> selected_sections(const StudyOptions& options);

class StudyCancelled : public std::exception {
 public:
  [[nodiscard]] const char* what() const noexcept override { return "report cancelled"; }
};

struct StudyProgress {
  std::string section;       // id
  int index = 0, count = 0;  // this section is index + 1 of count
  double section_fraction = 0;
  double overall_fraction = 0;
  double eta_seconds = -1;  // < 0: unknown yet
  std::string line;
};
using ProgressFn = std::function<void(const StudyProgress&)>;

class StudyContext {
 public:
  StudyContext(const StudyOptions& options, const data::Dataset& dataset, std::string data_hash,
               std::atomic<bool>* cancel, std::function<void(double, const std::string&)> progress)
      : options_(options),
        dataset_(dataset),
        data_hash_(std::move(data_hash)),
        cancel_(cancel),
        progress_(std::move(progress)) {}
  [[nodiscard]] const StudyOptions& options() const { return options_; }
  [[nodiscard]] const data::Dataset& dataset() const { return dataset_; }
  [[nodiscard]] const std::string& data_hash() const { return data_hash_; }
  [[nodiscard]] bool quick() const { return options_.quick; }
  [[nodiscard]] int seeds() const { return options_.seeds; }
  [[nodiscard]] bool cancel_requested() const { return cancel_ && cancel_->load(); }
  [[nodiscard]] std::atomic<bool>* cancel_flag() const { return cancel_; }
  // Throws StudyCancelled once cancel was asked for.
  void check_cancel() const;
  // fraction of this section in [0, 1] (never throws; check_cancel does).
  void progress(double fraction, const std::string& line) const;
  [[nodiscard]] bool selected(const std::string& section_id) const;

 private:
  const StudyOptions& options_;
  const data::Dataset& dataset_;
  std::string data_hash_;
  std::atomic<bool>* cancel_;
  std::function<void(double, const std::string&)> progress_;
};

// [SECTION] The report

struct StudyReport {
  StudyOptions options;
  nlohmann::json provenance = nlohmann::json::object();
  std::vector<SectionResult> sections;
  [[nodiscard]] int failed_claims() const;
  [[nodiscard]] int claim_count() const;
};

// The dataset's content hash (FNV-1a over images and labels of both splits, 16 hex digits).
[[nodiscard]] std::string dataset_hash(const data::Dataset& ds);

// Loads the dataset and runs the selected sections in order. InputError before any work for bad
// options or a dataset that is not there; StudyCancelled when *cancel turns true (the runs
// trained so far stay finished in the store; a run cut short stays resumable).
[[nodiscard]] StudyReport run_study(const StudyOptions& options, const ProgressFn& progress = {},
                                    std::atomic<bool>* cancel = nullptr);

}  // namespace aelab::report
