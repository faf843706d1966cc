// A small RFC 4180 CSV reader: quoted fields, doubled quotes, CRLF or LF, UTF-8 BOM.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sl::csv {

struct Record {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

// Fails (with the line number) on an unterminated quote or a character after a closing quote.
Result<std::vector<Record>> parse(std::string_view text);

}  // namespace sl::csv
