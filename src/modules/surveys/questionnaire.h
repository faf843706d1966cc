// Questionnaires, without storage: the questions of a survey as JSON (parsed and checked
// whole), a respondent's answers checked against them along the path skip logic takes, the
// running-count buckets an answer adds, and results built from those counts. Pure functions,
// so the rules are tested without a database (questionnaire_test.cc).
//
// A question (JSON):
//   {"id":"q1", "type":"single|multiple|rating|ranking|short_text|long_text",
//    "title":"...", "description":"", "required":true,
//    "options":[{"id":"a","label":"..."}],          choice and ranking questions, 2..50
//    "min_choices":1, "max_choices":3,              multiple: limits (max 0: up to all options)
//    "scale":{"min":1,"max":5,"min_label":"","max_label":""},   rating: min 0 or 1, max 2..10
//    "max_length":200,                              text: at most this many characters
//    "skip":[{"option":"b","goto":"q5"}]}           single: after option b go to q5 ("end": finish)
// Skip rules only jump forward, so every path ends. Answers (JSON object, question id → answer):
// an option id (single), option ids (multiple), an integer (rating), every option id in the
// respondent's order (ranking), text (short/long). Answers to questions the path passes over
// are dropped; a required question on the path must be answered.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sl::surveys {

namespace bj = boost::json;

enum class QType { kSingle, kMultiple, kRating, kRanking, kShortText, kLongText };
std::string_view type_name(QType t);
bool is_text(QType t);

struct Option {
  std::string id, label;
};
struct SkipRule {
  std::string option;  // when this option is chosen...
  std::string go_to;   // ...continue at this question ("end": the questionnaire ends)
};
struct Question {
  std::string id;
  QType type = QType::kSingle;
  std::string title, description;
  bool required = true;
  std::vector<Option> options;
  int min_choices = 0, max_choices = 0;  // multiple; max_choices 0: no upper limit
  int scale_min = 1, scale_max = 5;      // rating
  std::string min_label, max_label;
  int max_length = 0;                    // text; set to the type's default when absent
  std::vector<SkipRule> skip;
};
using Questionnaire = std::vector<Question>;

inline constexpr size_t kMaxQuestions = 100;
inline constexpr size_t kMaxOptions = 50;
inline constexpr int kMaxTextLength = 5000;

// Parses and checks a questionnaire (400 invalid_questions naming the question). A poll has
// exactly one question, of type single, multiple or rating.
Result<Questionnaire> parse_questionnaire(const bj::value& v, bool poll);
bj::array questionnaire_json(const Questionnaire& q);

// Checks a respondent's answers (422 invalid_answer with {"question_id"} in the details) and
// returns them normalised: only questions on the path, text trimmed, in question order.
Result<bj::object> check_answers(const Questionnaire& q, const bj::value& answers);

// The ids of the questions a (checked) response reached, in order (skip logic applied).
std::vector<std::string> path_of(const Questionnaire& q, const bj::object& answers);

// The running-count buckets one checked response adds: (question id, bucket).
std::vector<std::pair<std::string, std::string>> tally_buckets(const Questionnaire& q, const bj::object& answers);

using Tallies = std::map<std::pair<std::string, std::string>, int64_t>;
// Per-question results from the counts; with `only`, just those questions.
bj::array results_json(const Questionnaire& q, const Tallies& t, const std::set<std::string>* only = nullptr);

// The free text of a response ("title: answer" lines), for search; "" when it has none.
std::string free_text(const Questionnaire& q, const bj::object& answers);
// An answer as a reader sees it in a table cell: option labels, "1. A 2. B" for rankings.
std::string answer_text(const Question& q, const bj::value& a);

}  // namespace sl::surveys
