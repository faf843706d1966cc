// For module tests only: a real SQLite database in a temp dir, migrated, with a fake clock,
// a capturing SMS sender and cheap argon2 settings.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/random.h"
#include "modules/ledger/ledger.h"
#include "modules/notifications/sms.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace sl::testing {

class CapturingSms final : public notifications::SmsSender {
 public:
  Status send(const notifications::SmsMessage& m) override {
    std::lock_guard lk(mu_);
    sent.push_back(m);
    return Ok();
  }
  std::string last_code() {
    std::lock_guard lk(mu_);
    return sent.empty() ? "" : sent.back().code;
  }
  std::mutex mu_;
  std::vector<notifications::SmsMessage> sent;
};

class ModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sl-mod-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    storage::DatabaseOptions o;
    o.url = "sqlite:" + (dir_ / "m.db").string();
    auto r = storage::open_database(o);
    ASSERT_TRUE(r.ok());
    db_ = std::move(r).value();
    ASSERT_TRUE(storage::migrate(*db_).ok());
    auth_.argon2_opslimit = 1;
    auth_.argon2_memlimit_kib = 8;
    ledger::Keys keys;
    random_.fill(keys.signing_seed.data(), keys.signing_seed.size());
    keys.actor_key = random_.token(32);
    ledger_ = std::make_unique<ledger::Ledger>(*db_, clock_, random_, std::move(keys), "test.local/ledger");
  }
  void TearDown() override {
    ledger_.reset();
    if (db_) db_->close();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Database> db_;
  FakeClock clock_;
  SecureRandom random_;
  CapturingSms sms_;
  AuthConfig auth_;
  std::unique_ptr<ledger::Ledger> ledger_;
};

}  // namespace sl::testing
