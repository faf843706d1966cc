// Converts docs/api/openapi.yaml to JSON and to a C++ file that embeds it.
// Usage: node scripts/openapi-json.mjs IN.yaml OUT.json OUT.cc
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parse } from 'yaml';

const [input, outJson, outCc] = process.argv.slice(2);
const doc = parse(readFileSync(input, 'utf8'));
if (!doc || typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.1')) {
  console.error(`${input}: not an OpenAPI 3.1 document`);
  process.exit(1);
}
const json = JSON.stringify(doc);
if (json.includes(')SLJSON"')) {
  console.error('the document contains the raw-string delimiter');
  process.exit(1);
}
const cc = `// Generated from docs/api/openapi.yaml by scripts/openapi-json.mjs. Do not edit.
namespace sl::app {
const char* openapi_json() {
  return R"SLJSON(${json})SLJSON";
}
}  // namespace sl::app
`;
// Write only when changed, so builds stay incremental.
const write = (path, text) => {
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileSync(path, text);
};
write(outJson, json);
write(outCc, cc);
