// `shangliang admin …`: the same use cases as the administration API, run as the platform
// (superadmin) from a shell on the server.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "app/application.h"

namespace sl::app {

class AdminCli {
 public:
  void attach(CLI::App& admin);
  Status run(Application& app);

 private:
  CLI::App* org_add_ = nullptr;
  CLI::App* org_list_ = nullptr;
  CLI::App* person_add_ = nullptr;
  CLI::App* person_password_ = nullptr;
  CLI::App* role_grant_ = nullptr;
  CLI::App* role_revoke_ = nullptr;
  CLI::App* superadmin_ = nullptr;
  CLI::App* roster_import_ = nullptr;
  CLI::App* roster_export_ = nullptr;

  std::string name_, level_, kind_, login_, mobile_, password_, person_, role_, sector_, file_;
  int64_t parent_ = 0, org_ = 0;
  bool password_stdin_ = false, revoke_ = false;
};

}  // namespace sl::app
