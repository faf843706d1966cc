#include "core/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace sl {
namespace {

TEST(Config, DefaultsAndOverrides) {
  Config c;
  EXPECT_EQ(c.server.port, 8080);
  ASSERT_TRUE(apply_setting(c, "server.port", "9000").ok());
  EXPECT_EQ(c.server.port, 9000);
  EXPECT_FALSE(apply_setting(c, "server.port", "abc").ok());
  EXPECT_FALSE(apply_setting(c, "server.nope", "1").ok());
  EXPECT_FALSE(apply_setting(c, "database.durability", "sometimes").ok());
  Config m;
  EXPECT_EQ(m.moderation.sensitive_action, "reject");
  EXPECT_TRUE(apply_setting(m, "moderation.sensitive_action", "hold").ok());
  EXPECT_EQ(m.moderation.sensitive_action, "hold");
  EXPECT_FALSE(apply_setting(m, "moderation.sensitive_action", "delete").ok());
}

TEST(Config, EnvironmentMapsSections) {
  Config c;
  std::string a = "SHANGLIANG_SERVER_READ_TIMEOUT_MS=1234", b = "PORT=18080", d = "SHANGLIANG_DATA_DIR=/tmp/x",
              e = "SHANGLIANG_BIN=/ignored", m = "SHANGLIANG_MODERATION_SENSITIVE_WORDS_PATH=/etc/words.txt";
  char* env[] = {a.data(), b.data(), d.data(), e.data(), m.data(), nullptr};
  ASSERT_TRUE(apply_environment(c, env).ok());
  EXPECT_EQ(c.server.read_timeout_ms, 1234);
  EXPECT_EQ(c.server.port, 18080);
  EXPECT_EQ(c.data_dir, "/tmp/x");
  EXPECT_EQ(c.moderation.sensitive_words_path, "/etc/words.txt");
}

TEST(Config, TomlFile) {
  std::string path = testing::TempDir() + "/sl_config_test.toml";
  {
    std::ofstream f(path);
    f << "data_dir = \"d\"\n[server]\nport = 7000\n[log]\naccess_log = false\n[database]\nurl = \"sqlite:x.db\"\n";
  }
  Config c;
  ASSERT_TRUE(load_config_file(c, path).ok());
  EXPECT_EQ(c.server.port, 7000);
  EXPECT_FALSE(c.log.access_log);
  EXPECT_EQ(c.database.url, "sqlite:x.db");
  EXPECT_EQ(c.data_dir, "d");
  {
    std::ofstream f(path);
    f << "[server]\nunknown = 1\n";
  }
  EXPECT_FALSE(load_config_file(c, path).ok());
  std::remove(path.c_str());
}

TEST(Config, WitnessListFromTomlFlagsAndEnvironment) {
  std::string path = testing::TempDir() + "/sl_config_list_test.toml";
  {
    std::ofstream f(path);
    f << "[ledger]\nwitnesses = [\"a.example+01020304+AQID\", \"b.example+0a0b0c0d+BAUG\"]\n";
  }
  Config c;
  EXPECT_TRUE(c.ledger.witnesses.empty());
  ASSERT_TRUE(load_config_file(c, path).ok());
  EXPECT_EQ(c.ledger.witnesses, (std::vector<std::string>{"a.example+01020304+AQID", "b.example+0a0b0c0d+BAUG"}));
  {
    std::ofstream f(path);
    f << "[ledger]\nwitnesses = [1, 2]\n";
  }
  EXPECT_FALSE(load_config_file(c, path).ok());
  std::remove(path.c_str());

  ASSERT_TRUE(apply_setting(c, "ledger.witnesses", "x+1+A=, y+2+B/ ").ok());
  EXPECT_EQ(c.ledger.witnesses, (std::vector<std::string>{"x+1+A=", "y+2+B/"}));
  ASSERT_TRUE(apply_setting(c, "ledger.witnesses", "").ok());
  EXPECT_TRUE(c.ledger.witnesses.empty());
  std::string e = "SHANGLIANG_LEDGER_WITNESSES=w+3+C,v+4+D";
  char* env[] = {e.data(), nullptr};
  ASSERT_TRUE(apply_environment(c, env).ok());
  EXPECT_EQ(c.ledger.witnesses.size(), 2u);
}

}  // namespace
}  // namespace sl
