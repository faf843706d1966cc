#include "modules/ledger/note.h"

#include <sodium.h>

#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "core/encoding.h"

namespace sl::ledger {

namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr size_t kMaxSignatures = 100;                    // as golang.org/x/mod/sumdb/note
constexpr uint64_t kMaxTimestamp = uint64_t{1} << 63;     // exclusive: must not exceed 2^63 - 1

void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();
}

Error malformed(std::string msg) { return Error::Invalid("note_malformed", std::move(msg)); }

// Decodes one UTF-8 code point at s[i] strictly (no overlongs, surrogates or > U+10FFFF).
// Returns the code point and advances i, or returns -1.
int32_t decode_utf8(std::string_view s, size_t& i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int len;
  int32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + len > s.size()) return -1;
  for (int k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += len;
  return cp;
}

// Valid UTF-8 without ASCII control characters other than newline.
bool valid_note_chars(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    int32_t cp = decode_utf8(s, i);
    if (cp < 0 || (cp < 0x20 && cp != '\n')) return false;
  }
  return true;
}

bool valid_note_text(std::string_view text) {
  return !text.empty() && text.back() == '\n' && valid_note_chars(text);
}

// Unicode White_Space, as Go's unicode.IsSpace.
bool is_unicode_space(int32_t cp) {
  switch (cp) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// Key names: non-empty, valid UTF-8, no Unicode spaces, no '+'. (Also no control characters,
// which cannot appear on a note line anyway.)
bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    int32_t cp = decode_utf8(name, i);
    if (cp < 0 || cp < 0x20 || cp == '+' || is_unicode_space(cp)) return false;
  }
  return true;
}

void put_be32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}
void put_be64(std::string& out, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}
uint64_t get_be(std::string_view b, size_t off, int n) {
  uint64_t v = 0;
  for (int k = 0; k < n; ++k) v = (v << 8) | static_cast<uint8_t>(b[off + k]);
  return v;
}

std::string hex8(uint32_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int k = 7; k >= 0; --k, v >>= 4) out[k] = kHex[v & 15];
  return out;
}

std::string encode_vkey(std::string_view name, uint8_t type, std::span<const uint8_t, 32> pub) {
  std::string key(1, static_cast<char>(type));
  key.append(reinterpret_cast<const char*>(pub.data()), pub.size());
  return std::string(name) + "+" + hex8(key_id(name, type, pub)) + "+" + base64_encode(std::string_view(key));
}

struct Keypair {
  std::array<uint8_t, 32> pk;
  std::array<uint8_t, 64> sk;
};

Keypair keypair_of(const NoteSigner& s) {
  ensure_sodium();
  Keypair kp;
  crypto_sign_ed25519_seed_keypair(kp.pk.data(), kp.sk.data(), s.seed.data());
  return kp;
}

std::string ed25519_sign(const Keypair& kp, std::string_view msg) {
  std::array<uint8_t, crypto_sign_ed25519_BYTES> sig;
  crypto_sign_ed25519_detached(sig.data(), nullptr, reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                               kp.sk.data());
  return std::string(reinterpret_cast<const char*>(sig.data()), sig.size());
}

bool ed25519_verify(const std::array<uint8_t, 32>& pk, std::string_view msg, std::string_view sig) {
  if (sig.size() != crypto_sign_ed25519_BYTES) return false;
  ensure_sodium();
  return crypto_sign_ed25519_verify_detached(reinterpret_cast<const uint8_t*>(sig.data()),
                                             reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                                             pk.data()) == 0;
}

std::string cosigned_message(std::string_view body, uint64_t timestamp) {
  std::string msg = "cosignature/v1\ntime " + std::to_string(timestamp) + "\n";
  msg.append(body);
  return msg;
}

std::string signature_line(std::string_view name, std::string_view raw) {
  std::string line(kSigPrefix);
  line.append(name);
  line.push_back(' ');
  line.append(base64_encode(raw));
  line.push_back('\n');
  return line;
}

}  // namespace

uint32_t key_id(std::string_view name, uint8_t sig_type, std::span<const uint8_t> public_key) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(static_cast<char>(sig_type));
  input.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  return static_cast<uint32_t>(get_be(sl::sha256(input), 0, 4));
}

std::string vkey(std::string_view name, std::span<const uint8_t, 32> ed25519_public) {
  return encode_vkey(name, kSigEd25519, ed25519_public);
}

std::string cosignature_vkey(std::string_view name, std::span<const uint8_t, 32> pub) {
  return encode_vkey(name, kSigCosignature, pub);
}

Result<Verifier> parse_vkey(std::string_view text) {
  auto bad = [](std::string msg) { return Error::Invalid("bad_vkey", std::move(msg)); };
  size_t p1 = text.find('+');
  if (p1 == std::string_view::npos) return bad("verifier key has no '+'");
  size_t p2 = text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return bad("verifier key has no key ID");
  std::string_view name = text.substr(0, p1), id_hex = text.substr(p1 + 1, p2 - p1 - 1), key64 = text.substr(p2 + 1);
  if (!valid_name(name)) return bad("invalid key name");
  if (id_hex.size() != 8) return bad("key ID must be 8 hex digits");
  uint32_t id = 0;
  for (char c : id_hex) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (v < 0) return bad("key ID must be 8 hex digits");
    id = (id << 4) | uint32_t(v);
  }
  auto key = base64_decode(key64);
  if (!key.ok() || key->empty()) return bad("key is not base64");
  uint8_t type = (*key)[0];
  if (type != kSigEd25519 && type != kSigCosignature) return bad("unsupported key type (only Ed25519 0x01 and cosignature 0x04)");
  if (key->size() != 33) return bad("Ed25519 key must be 32 bytes");
  Verifier v{std::string(name), id, type, {}};
  std::copy(key->begin() + 1, key->end(), v.public_key.begin());
  if (key_id(name, type, v.public_key) != id) return bad("key ID does not match the key");
  return v;
}

std::array<uint8_t, 32> public_key_of(const NoteSigner& s) {
  Keypair kp = keypair_of(s);
  sodium_memzero(kp.sk.data(), kp.sk.size());
  return kp.pk;
}

std::string sign_note(std::string_view text, const NoteSigner& signer) {
  if (!valid_note_text(text) || !valid_name(signer.name)) return {};
  Keypair kp = keypair_of(signer);
  std::string raw;
  put_be32(raw, key_id(signer.name, kSigEd25519, kp.pk));
  raw += ed25519_sign(kp, text);
  sodium_memzero(kp.sk.data(), kp.sk.size());
  std::string out(text);
  out.push_back('\n');
  out += signature_line(signer.name, raw);
  return out;
}

Result<OpenedNote> open_note(std::string_view note, const std::vector<Verifier>& verifiers) {
  if (!valid_note_chars(note)) return malformed("note is not valid UTF-8 or contains control characters");
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return malformed("note has no signature block");
  std::string_view text = note.substr(0, split + 1), sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return malformed("signature block must end with a newline");

  OpenedNote out;
  out.text = std::string(text);
  std::set<std::pair<std::string, uint32_t>> seen_known;
  std::set<std::string_view> seen_unknown;
  size_t count = 0;
  bool any_verified = false;
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) return malformed("signature line must start with an em dash");
    std::string_view rest = line.substr(kSigPrefix.size());
    size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) return malformed("signature line has no signature");
    std::string_view name = rest.substr(0, sp), b64 = rest.substr(sp + 1);
    auto raw = base64_decode(b64);
    if (!valid_name(name) || b64.empty() || !raw.ok() || raw->size() < 5) return malformed("bad signature line");
    if (++count > kMaxSignatures) return malformed("too many signatures");
    std::string raw_bytes(raw->begin(), raw->end());
    uint32_t id = static_cast<uint32_t>(get_be(raw_bytes, 0, 4));

    const Verifier* match = nullptr;
    for (const auto& v : verifiers) {
      if (v.name != name || v.id != id) continue;
      if (match != nullptr) return Error::Invalid("note_ambiguous_key", "two verifiers share key " + std::string(name) + "+" + hex8(id));
      match = &v;
    }
    if (match == nullptr) {
      if (!seen_unknown.insert(line).second) continue;  // repeated identical unknown line
      out.signatures.push_back({std::string(name), id, std::move(raw_bytes), false, 0});
      continue;
    }
    if (!seen_known.insert({std::string(name), id}).second) continue;  // one signature per key

    std::string_view sig = std::string_view(raw_bytes).substr(4);
    bool ok = false;
    uint64_t timestamp = 0;
    if (match->type == kSigEd25519) {
      ok = ed25519_verify(match->public_key, text, sig);
    } else if (match->type == kSigCosignature) {
      if (sig.size() == 8 + crypto_sign_ed25519_BYTES) {
        timestamp = get_be(sig, 0, 8);
        ok = timestamp < kMaxTimestamp && ed25519_verify(match->public_key, cosigned_message(text, timestamp), sig.substr(8));
      }
    }
    if (!ok) return Error::Invalid("note_bad_signature", "invalid signature for key " + std::string(name) + "+" + hex8(id));
    out.signatures.push_back({std::string(name), id, std::move(raw_bytes), true, timestamp});
    any_verified = true;
  }
  if (!any_verified) return Error::Invalid("note_unverified", "note has no signature from a known key");
  return out;
}

std::string checkpoint_body(std::string_view origin, uint64_t size, const Hash& root) {
  if (origin.empty() || origin.find('\n') != std::string_view::npos || !valid_note_chars(origin)) return {};
  std::string out(origin);
  out += "\n" + std::to_string(size) + "\n" + to_base64(root) + "\n";
  return out;
}

Result<Checkpoint> parse_checkpoint(std::string_view body) {
  auto bad = [](std::string msg) { return Error::Invalid("bad_checkpoint", std::move(msg)); };
  if (!valid_note_text(body)) return bad("checkpoint must be valid note text ending in a newline");
  std::vector<std::string_view> lines;
  for (std::string_view rest = body; !rest.empty();) {
    size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) return bad("checkpoint needs origin, size and root lines");
  Checkpoint cp;
  if (lines[0].empty()) return bad("empty origin");
  cp.origin = std::string(lines[0]);
  std::string_view size = lines[1];
  if (size.empty() || size.size() > 20 || (size.size() > 1 && size[0] == '0')) return bad("bad tree size");
  uint64_t n = 0;
  for (char c : size) {
    if (c < '0' || c > '9') return bad("bad tree size");
    uint64_t d = uint64_t(c - '0');
    if (n > (UINT64_MAX - d) / 10) return bad("tree size overflows");
    n = n * 10 + d;
  }
  cp.size = n;
  auto root = hash_from_base64(lines[2]);
  if (!root.ok()) return bad("bad root hash");
  cp.root = *root;
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return bad("empty extension line");
    cp.extensions.emplace_back(lines[i]);
  }
  return cp;
}

std::string cosign_line(std::string_view body, const NoteSigner& witness, uint64_t timestamp) {
  if (timestamp >= kMaxTimestamp || !valid_name(witness.name) || !parse_checkpoint(body).ok()) return {};
  Keypair kp = keypair_of(witness);
  std::string raw;
  put_be32(raw, key_id(witness.name, kSigCosignature, kp.pk));
  put_be64(raw, timestamp);
  raw += ed25519_sign(kp, cosigned_message(body, timestamp));
  sodium_memzero(kp.sk.data(), kp.sk.size());
  return signature_line(witness.name, raw);
}

}  // namespace sl::ledger
