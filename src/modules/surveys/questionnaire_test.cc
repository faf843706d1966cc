#include "modules/surveys/questionnaire.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sl::surveys {
namespace {

bj::value parse(const char* s) { return bj::parse(s); }

// q1 single (b → q4, c → end), q2 multiple 1..2, q3 rating 1..5, q4 ranking, q5 optional text.
const char* kSurvey = R"([
  {"id":"q1","type":"single","title":"常坐公交吗","options":[{"id":"a","label":"经常"},{"id":"b","label":"偶尔"},{"id":"c","label":"从不"}],
   "skip":[{"option":"b","goto":"q4"},{"option":"c","goto":"end"}]},
  {"id":"q2","type":"multiple","title":"要改进什么","options":[{"id":"x","label":"班次"},{"id":"y","label":"线路"},{"id":"z","label":"站点"}],
   "min_choices":1,"max_choices":2},
  {"id":"q3","type":"rating","title":"满意度","scale":{"min":1,"max":5}},
  {"id":"q4","type":"ranking","title":"排序","options":[{"id":"p","label":"公交"},{"id":"q","label":"步行"},{"id":"r","label":"停车"}]},
  {"id":"q5","type":"short_text","title":"建议","required":false,"max_length":10}
])";

Questionnaire survey() {
  auto q = parse_questionnaire(parse(kSurvey), false);
  EXPECT_TRUE(q.ok()) << (q.ok() ? "" : q.error().message);
  return q.ok() ? *q : Questionnaire{};
}

std::string answer_error(const char* answers) {
  auto r = check_answers(survey(), parse(answers));
  return r.ok() ? "" : r.error().slug + ": " + r.error().message;
}

TEST(QuestionnaireTest, ParsesEveryTypeAndRoundTrips) {
  Questionnaire q = survey();
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0].skip.size(), 2u);
  EXPECT_EQ(q[1].max_choices, 2);
  EXPECT_EQ(q[4].max_length, 10);
  EXPECT_FALSE(q[4].required);
  auto again = parse_questionnaire(questionnaire_json(q), false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(bj::serialize(questionnaire_json(*again)), bj::serialize(questionnaire_json(q)));
}

TEST(QuestionnaireTest, RefusesBadDefinitions) {
  auto bad = [](const char* s, bool poll = false) {
    auto r = parse_questionnaire(parse(s), poll);
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_NE(bad("[]"), "");
  EXPECT_NE(bad(R"([{"id":"q1","type":"single","title":"t","options":[{"id":"a","label":"A"}]}])"), "");  // one option
  EXPECT_NE(bad(R"([{"id":"q1","type":"essay","title":"t"}])"), "");
  EXPECT_NE(bad(R"([{"id":"q1","type":"short_text","title":"t"},{"id":"q1","type":"short_text","title":"u"}])"), "");
  EXPECT_NE(bad(R"([{"id":"q1","type":"short_text","title":"  "}])"), "");
  EXPECT_NE(bad(R"([{"id":"q1","type":"rating","title":"t","scale":{"min":1,"max":11}}])"), "");
  EXPECT_NE(bad(R"([{"id":"q1","type":"multiple","title":"t","options":[{"id":"a","label":"A"},{"id":"b","label":"B"}],"min_choices":2,"max_choices":1}])"), "");
  // Skip rules: only single choice, an existing option, forward only.
  EXPECT_NE(bad(R"([{"id":"q1","type":"short_text","title":"t"},
                    {"id":"q2","type":"single","title":"u","options":[{"id":"a","label":"A"},{"id":"b","label":"B"}],"skip":[{"option":"a","goto":"q1"}]}])"), "");
  EXPECT_NE(bad(R"([{"id":"q1","type":"single","title":"u","options":[{"id":"a","label":"A"},{"id":"b","label":"B"}],"skip":[{"option":"z","goto":"end"}]}])"), "");
  EXPECT_NE(bad(R"([{"id":"q1","type":"single","title":"u","options":[{"id":"a","label":"A"},{"id":"b","label":"B"}],"skip":[{"option":"a","goto":"q9"}]}])"), "");
  EXPECT_NE(bad(R"([{"id":"q1","type":"multiple","title":"u","options":[{"id":"a","label":"A"},{"id":"b","label":"B"}],"skip":[{"option":"a","goto":"end"}]}])"), "");
  // A poll: one question, choice or rating.
  EXPECT_NE(bad(R"([{"id":"q1","type":"short_text","title":"t"}])", true), "");
  EXPECT_NE(bad(R"([{"id":"q1","type":"rating","title":"t"},{"id":"q2","type":"rating","title":"u"}])", true), "");
  EXPECT_EQ(bad(R"([{"id":"q1","type":"rating","title":"t"}])", true), "");
}

TEST(QuestionnaireTest, ChecksEachTypeOfAnswer) {
  EXPECT_EQ(answer_error(R"({"q1":"a","q2":["x"],"q3":4,"q4":["r","p","q"],"q5":"多开车"})"), "");
  EXPECT_NE(answer_error(R"({"q1":"d","q2":["x"],"q3":4,"q4":["r","p","q"]})"), "");          // no such option
  EXPECT_NE(answer_error(R"({"q1":"a","q2":["x","y","z"],"q3":4,"q4":["r","p","q"]})"), "");  // more than max
  EXPECT_NE(answer_error(R"({"q1":"a","q2":["x","x"],"q3":4,"q4":["r","p","q"]})"), "");      // repeated
  EXPECT_NE(answer_error(R"({"q1":"a","q2":["x"],"q3":6,"q4":["r","p","q"]})"), "");          // off the scale
  EXPECT_NE(answer_error(R"({"q1":"a","q2":["x"],"q3":"4","q4":["r","p","q"]})"), "");        // not a number
  EXPECT_NE(answer_error(R"({"q1":"a","q2":["x"],"q3":4,"q4":["r","p"]})"), "");              // ranking incomplete
  EXPECT_NE(answer_error(R"({"q1":"a","q2":["x"],"q3":4,"q4":["r","p","q"],"q5":"一二三四五六七八九十十一"})"), "");  // too long
  EXPECT_NE(answer_error(R"({"q1":"a","q2":["x"],"q3":4,"q4":["r","p","q"],"q9":"?"})"), "");  // unknown question
  EXPECT_NE(answer_error(R"(["a"])"), "");
}

TEST(QuestionnaireTest, RequiredQuestionsOnThePathMustBeAnswered) {
  auto r = check_answers(survey(), parse(R"({"q1":"a","q3":4,"q4":["r","p","q"]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "invalid_answer");
  EXPECT_NE(r.error().details_json.find("\"q2\""), std::string::npos) << r.error().details_json;
  // Blank text and an empty list are no answer: fine for the optional text.
  EXPECT_EQ(answer_error(R"({"q1":"a","q2":["x"],"q3":4,"q4":["r","p","q"],"q5":"   "})"), "");
}

TEST(QuestionnaireTest, SkipLogicJumpsAndDropsSkippedAnswers) {
  // b → q4: q2 and q3 are not asked, so they are not required, and answers to them are dropped.
  auto r = check_answers(survey(), parse(R"({"q1":"b","q2":["x"],"q4":["q","p","r"]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->contains("q2"));
  EXPECT_FALSE(r->contains("q3"));
  EXPECT_TRUE(r->contains("q4"));
  EXPECT_EQ(path_of(survey(), *r), (std::vector<std::string>{"q1", "q4", "q5"}));
  // c → end: nothing after q1 is asked.
  auto end = check_answers(survey(), parse(R"({"q1":"c","q4":["q","p","r"]})"));
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->size(), 1u);
  EXPECT_EQ(path_of(survey(), *end), (std::vector<std::string>{"q1"}));
  // a: the full path, so q4 is required again.
  EXPECT_NE(answer_error(R"({"q1":"a","q2":["x"],"q3":3})"), "");
}

TEST(QuestionnaireTest, NormalisesAndTallies) {
  auto r = check_answers(survey(), parse(R"({"q1":"a","q2":["y","x"],"q3":5,"q4":["r","p","q"],"q5":"  多开车 "})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(bj::serialize(r->at("q2")), R"(["x","y"])");  // in the options' order
  EXPECT_EQ(r->at("q5").as_string(), "多开车");
  auto buckets = tally_buckets(survey(), *r);
  Tallies t;
  for (auto& b : buckets) t[b]++;
  EXPECT_EQ((t[{"q2", "o:x"}]), 1);
  EXPECT_EQ((t[{"q4", "r:r:1"}]), 1);
  EXPECT_EQ((t[{"q5", "_answered"}]), 1);
  t[{"q3", "_answered"}] = 2;
  t[{"q3", "v:2"}] = 1;  // another respondent gave 2: average (5 + 2) / 2
  bj::array res = results_json(survey(), t);
  EXPECT_EQ(res[2].as_object().at("average").as_double(), 3.5);
  EXPECT_EQ(res[1].as_object().at("options").as_array()[1].as_object().at("count").as_int64(), 1);
  EXPECT_EQ(free_text(survey(), *r), "建议：多开车");
  EXPECT_EQ(answer_text(survey()[3], r->at("q4")), "1.停车 2.公交 3.步行");
}

}  // namespace
}  // namespace sl::surveys
