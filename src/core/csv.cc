#include "core/csv.h"

namespace sl::csv {

Result<std::vector<Record>> parse(std::string_view t) {
  if (t.substr(0, 3) == "\xEF\xBB\xBF") t.remove_prefix(3);
  std::vector<Record> out;
  Record rec;
  std::string field;
  int line = 1;
  rec.line = 1;
  bool in_quotes = false, after_quote = false, any = false;
  auto end_field = [&] {
    rec.fields.push_back(std::move(field));
    field.clear();
    after_quote = false;
  };
  auto end_record = [&] {
    end_field();
    bool blank = rec.fields.size() == 1 && rec.fields[0].empty();
    if (!blank) out.push_back(std::move(rec));
    rec = Record{};
    rec.line = line;
    any = false;
  };
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < t.size() && t[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == ',') {
      end_field();
      any = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < t.size() && t[i + 1] == '\n') ++i;
      ++line;
      end_record();
    } else if (c == '"' && field.empty() && !after_quote) {
      in_quotes = true;
      any = true;
    } else if (after_quote) {
      return Error::Unprocessable("csv_malformed", "CSV 第 " + std::to_string(line) + " 行：引号后有多余字符");
    } else {
      field.push_back(c);
      any = true;
    }
  }
  if (in_quotes) return Error::Unprocessable("csv_malformed", "CSV 第 " + std::to_string(rec.line) + " 行：引号未闭合");
  if (any || !field.empty()) end_record();
  return out;
}

}  // namespace sl::csv
