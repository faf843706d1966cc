#include "modules/accounts/accounts.h"

#include <gtest/gtest.h>

#include "modules/common/test_fixture.h"

namespace sl::accounts {
namespace {

class AccountsTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    auth_.login_max_failures_account = 3;
    svc_ = std::make_unique<AccountsService>(*db_, clock_, random_, sms_, *ledger_, auth_);
    auto hash = svc_->hasher().hash("correct horse");
    ASSERT_TRUE(hash.ok());
    NewPerson p{"张三", "zhangsan", "13900000001", *hash};
    auto id = db_->write_value<int64_t>([&](storage::Conn& c) { return insert_person(c, p, clock_.now_ms()); });
    ASSERT_TRUE(id.ok());
    person_ = *id;
  }
  net::HttpRequest with_cookie(const std::string& token) {
    net::HttpRequest r;
    r.headers.emplace_back("cookie", std::string(kSessionCookie) + "=" + token);
    return r;
  }
  std::unique_ptr<AccountsService> svc_;
  int64_t person_ = 0;
};

TEST_F(AccountsTest, LoginByNameOrMobileAndAuthenticate) {
  auto s = svc_->login("zhangsan", "correct horse", "10.0.0.1");
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto caller = svc_->authenticate(with_cookie(s->token));
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->person_id, person_);
  EXPECT_TRUE(svc_->login("13900000001", "correct horse", "10.0.0.1").ok());
  net::HttpRequest bearer;
  bearer.headers.emplace_back("authorization", "Bearer " + s->token);
  EXPECT_TRUE(svc_->authenticate(bearer).ok());
}

TEST_F(AccountsTest, WrongPasswordThenThrottled) {
  for (int i = 0; i < 3; ++i) {
    auto s = svc_->login("zhangsan", "wrong", "10.0.0.2");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().slug, "invalid_credentials");
  }
  auto s = svc_->login("zhangsan", "correct horse", "10.0.0.2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().slug, "login_throttled");
  clock_.advance_ms(int64_t{auth_.login_window_seconds} * 1000 + 1);
  EXPECT_TRUE(svc_->login("zhangsan", "correct horse", "10.0.0.2").ok());
}

TEST_F(AccountsTest, SessionsExpireAndLogoutEnds) {
  auto s = svc_->login("zhangsan", "correct horse", "10.0.0.3");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(svc_->logout(s->token).ok());
  EXPECT_FALSE(svc_->authenticate(with_cookie(s->token)).ok());
  auto s2 = svc_->login("zhangsan", "correct horse", "10.0.0.3");
  ASSERT_TRUE(s2.ok());
  clock_.advance_ms(int64_t{auth_.session_ttl_hours} * 3600 * 1000 + 1);
  auto c = svc_->authenticate(with_cookie(s2->token));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Code::kUnauthenticated);
}

TEST_F(AccountsTest, RegisterWithSmsCode) {
  auto wait = svc_->send_sms_code("13700000009", "register", "10.0.0.4");
  ASSERT_TRUE(wait.ok()) << wait.error().message;
  std::string code = sms_.last_code();
  ASSERT_EQ(code.size(), 6u);
  auto again = svc_->send_sms_code("13700000009", "register", "10.0.0.4");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().slug, "sms_too_frequent");
  std::string wrong = code == "000000" ? "111111" : "000000";
  auto bad = svc_->register_public("13700000009", wrong, "password123", "李四");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().slug, "invalid_code");
  auto ok = svc_->register_public("13700000009", code, "password123", "李四");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  auto me = svc_->me(ok->person_id);
  ASSERT_TRUE(me.ok());
  EXPECT_TRUE(me->at("is_public").as_bool());
  // The code is spent.
  EXPECT_FALSE(svc_->register_public("13700000009", code, "password123", "李四").ok());
  // A registered number cannot register again.
  clock_.advance_ms(61'000);
  auto taken = svc_->send_sms_code("13700000009", "register", "10.0.0.4");
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().slug, "mobile_taken");
}

TEST_F(AccountsTest, ResetPasswordEndsSessionsAndDoesNotRevealUnknownNumbers) {
  auto s = svc_->login("zhangsan", "correct horse", "10.0.0.5");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(svc_->send_sms_code("13900000001", "reset", "10.0.0.5").ok());
  std::string code = sms_.last_code();
  size_t before = sms_.sent.size();
  ASSERT_TRUE(svc_->send_sms_code("13600000000", "reset", "10.0.0.5").ok());  // unknown: same answer
  EXPECT_EQ(sms_.sent.size(), before);                                         // but nothing sent
  ASSERT_TRUE(svc_->reset_password("13900000001", code, "new password!").ok());
  EXPECT_FALSE(svc_->authenticate(with_cookie(s->token)).ok());
  EXPECT_FALSE(svc_->login("zhangsan", "correct horse", "10.0.0.6").ok());
  EXPECT_TRUE(svc_->login("zhangsan", "new password!", "10.0.0.6").ok());
}

TEST_F(AccountsTest, InputChecks) {
  EXPECT_TRUE(valid_mobile("13812345678"));
  EXPECT_FALSE(valid_mobile("12812345678"));
  EXPECT_FALSE(valid_mobile("1381234567"));
  EXPECT_TRUE(valid_login("zhang.san_1"));
  EXPECT_FALSE(valid_login("1zhang"));
  EXPECT_FALSE(valid_login("zh"));
  EXPECT_FALSE(check_password_policy("short").ok());
  EXPECT_TRUE(check_password_policy("长密码长密码长密码").ok());
  EXPECT_FALSE(check_display_name("  ").ok());
  auto h = svc_->hasher().hash("x-password");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
}

TEST_F(AccountsTest, SelfErasureNeedsThePasswordThenLoginIsRefused) {
  auto s = svc_->login("zhangsan", "correct horse", "10.0.0.7");
  ASSERT_TRUE(s.ok());
  auto caller = svc_->authenticate(with_cookie(s->token));
  ASSERT_TRUE(caller.ok());
  ASSERT_TRUE(svc_->send_sms_code("13900000001", "reset", "10.0.0.7").ok());
  std::vector<int64_t> steps_ran;
  svc_->add_erasure_step([&](storage::Conn&, const access::Caller& actor, int64_t pid, std::string_view reason) -> Status {
    EXPECT_EQ(actor.person_id, person_);
    EXPECT_EQ(reason, "right_to_deletion");
    steps_ran.push_back(pid);
    return Ok();
  });

  auto wrong = svc_->erase_me(*caller, "not my password");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().slug, "wrong_password");
  EXPECT_TRUE(steps_ran.empty());
  EXPECT_TRUE(svc_->authenticate(with_cookie(s->token)).ok());

  auto e = svc_->erase_me(*caller, "correct horse");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(steps_ran, std::vector<int64_t>{person_});
  // The session is gone, and neither login name nor mobile logs in any more.
  EXPECT_FALSE(svc_->authenticate(with_cookie(s->token)).ok());
  auto by_login = svc_->login("zhangsan", "correct horse", "10.0.0.8");
  ASSERT_FALSE(by_login.ok());
  EXPECT_EQ(by_login.error().slug, "invalid_credentials");
  EXPECT_FALSE(svc_->login("13900000001", "correct horse", "10.0.0.8").ok());
  EXPECT_EQ(svc_->me(person_).error().code, Code::kNotFound);
  // Nothing personal is left: the row, the SMS codes sent to the mobile, the sessions.
  auto left = db_->read_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto a, c.query_one("SELECT COUNT(*) FROM people WHERE id = ? AND (display_name <> '' OR login IS NOT NULL OR "
                                  "mobile IS NOT NULL OR password_hash IS NOT NULL)", {person_}));
    SL_ASSIGN(auto b, c.query_one("SELECT COUNT(*) FROM sms_codes WHERE mobile = '13900000001'"));
    SL_ASSIGN(auto d, c.query_one("SELECT COUNT(*) FROM sessions WHERE person_id = ?", {person_}));
    return a->i64(0) + b->i64(0) + d->i64(0);
  });
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 0);
  // The ledger holds the erasure.
  auto page = ledger_->object_entries("person", person_);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->at("erased").at("seq").as_int64(), e->seq);
  // The mobile can be registered anew.
  clock_.advance_ms(61'000);
  EXPECT_TRUE(svc_->send_sms_code("13900000001", "register", "10.0.0.9").ok());
}

}  // namespace
}  // namespace sl::accounts
