#include "modules/notifications/mentions.h"

#include <gtest/gtest.h>

#include "modules/common/test_fixture.h"

namespace sl::notifications::mentions {
namespace {

Candidate P(int64_t id, const char* name) { return Candidate{Kind::kPerson, id, name}; }
Candidate D(int64_t id, const char* name) { return Candidate{Kind::kDepartment, id, name}; }

// "name#id" for persons, "dept:name#id" for departments, in order.
std::vector<std::string> names(const Found& f) {
  std::vector<std::string> out;
  for (const auto& m : f.mentions)
    out.push_back((m.kind == Kind::kDepartment ? "dept:" : "") + m.name + "#" + std::to_string(m.id));
  return out;
}

const std::vector<Candidate> kScope = {
    P(1, "王伟"), P(2, "王伟民"), P(3, "李娜"), P(4, "欧阳娜娜"), P(5, "张三"), P(6, "Li"), P(7, "Lisa Wang"),
    D(40, "江南省民政厅"), D(41, "江南省教育厅"),
};

TEST(MentionsTest, LongestNameWins) {
  EXPECT_EQ(names(find("@王伟民 请看一下", kScope)), (std::vector<std::string>{"王伟民#2"}));
  EXPECT_EQ(names(find("@王伟 请看一下", kScope)), (std::vector<std::string>{"王伟#1"}));
  // No spaces in Chinese: the name runs straight into the sentence.
  EXPECT_EQ(names(find("请@王伟民看一下，也请@王伟看看", kScope)), (std::vector<std::string>{"王伟民#2", "王伟#1"}));
  EXPECT_EQ(names(find("@王伟你好", kScope)), (std::vector<std::string>{"王伟#1"}));
  EXPECT_EQ(names(find("@欧阳娜娜、@李娜：", kScope)), (std::vector<std::string>{"欧阳娜娜#4", "李娜#3"}));
}

TEST(MentionsTest, FullWidthAtAndPunctuation) {
  EXPECT_EQ(names(find("＠李娜，请答复。", kScope)), (std::vector<std::string>{"李娜#3"}));
  EXPECT_EQ(names(find("（@张三）", kScope)), (std::vector<std::string>{"张三#5"}));
}

TEST(MentionsTest, DepartmentsByName) {
  EXPECT_EQ(names(find("请@江南省民政厅 答复", kScope)), (std::vector<std::string>{"dept:江南省民政厅#40"}));
}

TEST(MentionsTest, LatinNamesEndAtAWordBoundary) {
  EXPECT_EQ(names(find("@Li 你好", kScope)), (std::vector<std::string>{"Li#6"}));
  EXPECT_EQ(names(find("@Lisa Wang 你好", kScope)), (std::vector<std::string>{"Lisa Wang#7"}));
  EXPECT_TRUE(find("@Lisa 你好", kScope).mentions.empty());
  EXPECT_EQ(names(find("@Li，你好", kScope)), (std::vector<std::string>{"Li#6"}));
}

TEST(MentionsTest, EmailAddressesAreNotMentions) {
  EXPECT_TRUE(find("写信到 zhang@王伟.cn 或 a.b@李娜", kScope).mentions.empty());
}

TEST(MentionsTest, UnknownNamesAreIgnored) {
  EXPECT_TRUE(find("@赵六 @ @@ @", kScope).mentions.empty());
  EXPECT_TRUE(find("", kScope).mentions.empty());
  EXPECT_TRUE(find("@王伟", {}).mentions.empty());
}

TEST(MentionsTest, PickedLinksUseTheIdInScope) {
  EXPECT_EQ(names(find("@[王伟](person:1) 和 @[王伟](person:2)", kScope)), (std::vector<std::string>{"王伟#1", "王伟民#2"}));
  EXPECT_EQ(names(find("@[民政厅](org:40)", kScope)), (std::vector<std::string>{"dept:江南省民政厅#40"}));
  // Outside the scope, or not a department: nobody.
  EXPECT_TRUE(find("@[某人](person:999) @[某厅](org:999) @[王伟](org:1) @[x](person:0) @[x](person:1x)", kScope)
                  .mentions.empty());
}

TEST(MentionsTest, CodeAndLinkTextDoNotCount) {
  EXPECT_TRUE(find("`@王伟`\n\n```\n@李娜\n```\n\n[@张三](https://example.com)", kScope).mentions.empty());
  EXPECT_EQ(names(find("**@王伟** 请看", kScope)), (std::vector<std::string>{"王伟#1"}));
}

TEST(MentionsTest, DedupedInOrder) {
  EXPECT_EQ(names(find("@李娜 @王伟 @李娜 @[李娜](person:3)", kScope)), (std::vector<std::string>{"李娜#3", "王伟#1"}));
}

TEST(MentionsTest, SharedNamesAreAmbiguous) {
  std::vector<Candidate> scope = {P(1, "王伟"), P(9, "王伟"), P(3, "李娜")};
  Found f = find("@王伟 @李娜 @王伟", scope);
  EXPECT_EQ(names(f), (std::vector<std::string>{"李娜#3"}));
  EXPECT_EQ(f.ambiguous, (std::vector<std::string>{"王伟"}));
  // The picker disambiguates.
  EXPECT_EQ(names(find("@[王伟](person:9)", scope)), (std::vector<std::string>{"王伟#9"}));
}

TEST(MentionsTest, CappedPerText) {
  std::vector<Candidate> scope;
  std::string text;
  for (int i = 1; i <= 30; ++i) {
    scope.push_back(P(i, ("委员" + std::to_string(i) + "号").c_str()));
    text += "@委员" + std::to_string(i) + "号 ";
  }
  Found f = find(text, scope);
  ASSERT_EQ(f.mentions.size(), kMaxMentions);
  EXPECT_EQ(f.mentions.front().id, 1);
  EXPECT_EQ(f.mentions.back().id, 20);
  EXPECT_TRUE(f.truncated);
  EXPECT_FALSE(find("@委员1号 @委员1号", scope).truncated);
}

TEST(MentionsTest, MayMention) {
  EXPECT_FALSE(may_mention("关于养老服务的建议"));
  EXPECT_TRUE(may_mention("请@王伟"));
  EXPECT_TRUE(may_mention("请＠王伟"));
}

// Storage: candidates come from the memberships of the organisations in scope.
class MentionsStoreTest : public testing::ModuleTest {
 protected:
  int64_t insert(const std::string& sql, const storage::Params& p) {
    return db_->write_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
      SL_ASSIGN(auto rows, c.query(sql + " RETURNING id", p));
      return rows.front().i64(0);
    }).value();
  }
  int64_t org(const char* name, const char* kind) {
    return insert("INSERT INTO orgs (name, level, kind, created_at, updated_at) VALUES (?, 'province', ?, 0, 0)",
                  {std::string(name), std::string(kind)});
  }
  int64_t person(const char* name, const char* status = "active") {
    return insert("INSERT INTO people (display_name, status, created_at, updated_at) VALUES (?, ?, 0, 0)",
                  {std::string(name), std::string(status)});
  }
  void member(int64_t p, int64_t o, const char* role) {
    insert("INSERT INTO memberships (person_id, org_id, role, created_at) VALUES (?, ?, ?, 0)", {p, o, std::string(role)});
  }
  Resolved resolve_in(const std::string& md, const std::vector<int64_t>& scope, int64_t author) {
    return db_->read_value<Resolved>([&](storage::Conn& c) { return resolve(c, md, scope, author); }).value();
  }
};

TEST_F(MentionsStoreTest, ResolvesPeopleAndDepartmentResponders) {
  int64_t cppcc = org("江南省政协", "cppcc");
  int64_t other = org("青山市政协", "cppcc");
  int64_t dept = org("江南省民政厅", "department");
  int64_t wangwei = person("王伟"), wangweimin = person("王伟民"), lina = person("李娜");
  int64_t outsider = person("赵六"), gone = person("钱七", "disabled");
  int64_t r1 = person("民政厅联络员"), r2 = person("民政厅联络员二");
  member(wangwei, cppcc, "member");
  member(wangweimin, cppcc, "member");
  member(lina, cppcc, "member");
  member(lina, cppcc, "staff");
  member(outsider, other, "member");
  member(gone, cppcc, "member");
  member(r1, dept, "responder");
  member(r2, dept, "responder");
  member(wangwei, dept, "member");  // a member of the department, not a responder

  auto r = resolve_in("@王伟民 @赵六 @钱七 请 @江南省民政厅 答复，@李娜 说明", {cppcc, dept}, lina);
  EXPECT_EQ(names(r.found), (std::vector<std::string>{"王伟民#" + std::to_string(wangweimin),
                                                      "dept:江南省民政厅#" + std::to_string(dept),
                                                      "李娜#" + std::to_string(lina)}));
  // The author (李娜) is not told of her own mention; the department's responders are.
  EXPECT_EQ(r.person_ids, (std::vector<int64_t>{wangweimin, r1, r2}));

  // Picked links outside the scope tell nobody.
  auto p = resolve_in("@[赵六](person:" + std::to_string(outsider) + ") @[青山](org:" + std::to_string(other) + ")",
                      {cppcc, dept}, 0);
  EXPECT_TRUE(p.person_ids.empty());
  // A department out of scope is only a name.
  EXPECT_TRUE(resolve_in("@江南省民政厅", {cppcc}, 0).person_ids.empty());
  // Nothing to look up.
  EXPECT_TRUE(resolve_in("没有提及任何人", {cppcc}, 0).person_ids.empty());
  EXPECT_TRUE(resolve_in("@王伟", {}, 0).person_ids.empty());
}

}  // namespace
}  // namespace sl::notifications::mentions
