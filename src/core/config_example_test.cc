// The example configuration documents every key with its default: loading it must change
// nothing, and it must mention every key the code knows.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/config.h"

namespace sl {
namespace {

TEST(ConfigExample, LoadsToTheDefaults) {
  std::string path = std::string(SL_SOURCE_DIR) + "/config/shangliang.example.toml";
  Config c;
  ASSERT_TRUE(load_config_file(c, path).ok());
  Config d;
  EXPECT_EQ(c.server.port, d.server.port);
  EXPECT_EQ(c.server.max_body_bytes, d.server.max_body_bytes);
  EXPECT_EQ(c.database.url, d.database.url);
  EXPECT_EQ(c.auth.session_ttl_hours, d.auth.session_ttl_hours);
  EXPECT_EQ(c.auth.argon2_memlimit_kib, d.auth.argon2_memlimit_kib);
  EXPECT_EQ(c.log.access_log, d.log.access_log);
  EXPECT_EQ(c.data_dir, d.data_dir);
  EXPECT_EQ(c.ledger.witnesses, d.ledger.witnesses);
  EXPECT_EQ(c.moderation.sensitive_words_path, d.moderation.sensitive_words_path);
  EXPECT_EQ(c.moderation.sensitive_action, d.moderation.sensitive_action);
}

TEST(ConfigExample, MentionsEveryKey) {
  std::ifstream f(std::string(SL_SOURCE_DIR) + "/config/shangliang.example.toml");
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  for (const std::string& key : config_keys()) {
    std::string leaf = key.substr(key.find('.') == std::string::npos ? 0 : key.find('.') + 1);
    EXPECT_NE(text.find("\n" + leaf + " = "), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace sl
