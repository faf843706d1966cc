#include "modules/ledger/note.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/encoding.h"

namespace sl::ledger {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path testdata() { return fs::path(SL_SOURCE_DIR) / "src/modules/ledger/testdata"; }

json::value read_json(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << p;
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

std::vector<uint8_t> unhex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(uint8_t(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

const json::object& vector_by_id(const json::value& all, std::string_view id) {
  for (const auto& v : all.at("vectors").as_array())
    if (v.at("id").as_string() == id) return v.as_object();
  ADD_FAILURE() << "no vector " << id;
  static json::object empty;
  return empty;
}

// Go's test key (golang.org/x/mod/sumdb/note note_test.go): "PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>".
NoteSigner signer_from_skey(std::string_view skey) {
  std::string s(skey);
  EXPECT_EQ(s.rfind("PRIVATE+KEY+", 0), 0u);
  s = s.substr(12);
  size_t p1 = s.find('+'), p2 = s.find('+', p1 + 1);
  auto key = base64_decode(s.substr(p2 + 1));
  EXPECT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 33u);
  EXPECT_EQ((*key)[0], kSigEd25519);
  NoteSigner signer{s.substr(0, p1), {}};
  std::copy(key->begin() + 1, key->end(), signer.seed.begin());
  return signer;
}

const std::string kPeterSkey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const std::string kPeterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const std::string kEnochVkey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const std::string kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kPeterSig =
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const std::string kEnochSig =
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

Verifier must_vkey(std::string_view v) {
  auto r = parse_vkey(v);
  EXPECT_TRUE(r.ok()) << v << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Verifier{};
}

std::string slug_of(const Result<OpenedNote>& r) { return r.ok() ? "ok" : r.error().slug; }

// Every Ed25519 vector that must verify does; any changed byte in text or signature fails.
TEST(Note, Ed25519VectorsVerifyAndTamperingFails) {
  auto all = read_json(testdata() / "signed-note-vectors.json");
  int valid = 0;
  for (const auto& jv : all.at("vectors").as_array()) {
    const auto& v = jv.as_object();
    if (v.at("alg").as_string().find("Ed25519 (type 0x01)") == json::string::npos) continue;
    ASSERT_TRUE(v.at("expect").as_string().starts_with("valid")) << v.at("id");
    std::vector<Verifier> verifiers;
    for (const auto& k : v.at("vkeys").as_array()) verifiers.push_back(must_vkey(k.as_string()));
    std::string note(v.at("note").as_string());
    auto opened = open_note(note, verifiers);
    ASSERT_TRUE(opened.ok()) << v.at("id") << ": " << opened.error().message;
    EXPECT_EQ(opened->signatures.size(), verifiers.size()) << v.at("id");
    for (const auto& s : opened->signatures) EXPECT_TRUE(s.verified) << v.at("id") << " " << s.name;
    EXPECT_EQ(opened->text + "\n", note.substr(0, opened->text.size() + 1));
    ++valid;

    // Tampering: flip one bit of the text (kept printable) or of the first signature.
    for (size_t i = 0; i < opened->text.size(); i += 7) {
      std::string bad = note;
      if (bad[i] == '\n' || uint8_t(bad[i]) >= 0x80) continue;
      bad[i] = bad[i] == 'a' ? 'b' : 'a';
      EXPECT_EQ(slug_of(open_note(bad, verifiers)), "note_bad_signature") << v.at("id") << " text@" << i;
    }
    std::string raw = opened->signatures[0].raw;
    for (size_t i = 4; i < raw.size(); i += 9) {
      std::string bad_raw = raw;
      bad_raw[i] ^= 0x01;
      std::string line = "— " + opened->signatures[0].name + " " + base64_encode(bad_raw) + "\n";
      std::string bad = opened->text + "\n" + line;
      EXPECT_EQ(slug_of(open_note(bad, verifiers)), "note_bad_signature") << v.at("id") << " sig@" << i;
    }
    // The same note is unverified for an unrelated key.
    EXPECT_EQ(slug_of(open_note(note, {must_vkey(kEnochVkey)})), v.at("id") == "golang-mod-note-sign-PeterNeumann" ? "ok" : "note_unverified");
  }
  EXPECT_EQ(valid, 9);  // C2SP example, Go's PeterNeumann/EnochRoot, 7 real sum.golang.org heads
}

// Notes signed with algorithms we do not verify (ECDSA 0x02, RFC 6962 0x05) or with no
// published key still parse; without a usable key they are rejected as unverified. Their key
// IDs follow the rules the vectors state, computed with our key_id.
TEST(Note, OtherVectorsParseButAreUnverified) {
  auto all = read_json(testdata() / "signed-note-vectors.json");
  int checked = 0;
  for (const auto& jv : all.at("vectors").as_array()) {
    const auto& v = jv.as_object();
    if (v.at("alg").as_string().find("Ed25519 (type 0x01)") != json::string::npos) continue;
    std::string note(v.at("note").as_string());
    for (const auto& k : v.at("vkeys").as_array()) {
      std::string vk(k.as_string());
      EXPECT_FALSE(parse_vkey(vk).ok()) << vk;  // type 0x02 / 0x05: unsupported
      size_t p1 = vk.find('+'), p2 = vk.find('+', p1 + 1);
      std::string name = vk.substr(0, p1);
      uint32_t want = uint32_t(std::stoul(vk.substr(p1 + 1, 8), nullptr, 16));
      auto key = base64_decode(vk.substr(p2 + 1));
      ASSERT_TRUE(key.ok());
      std::string spki((*key).begin() + 1, (*key).end());
      std::string digest = sl::sha256(spki);
      if ((*key)[0] == 0x05) {  // key ID over the RFC 6962 LogID = SHA-256(SPKI)
        EXPECT_EQ(key_id(name, 0x05, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(digest.data()), 32)), want);
      } else {  // 0x02: SHA-256(SPKI)[:4]
        EXPECT_EQ(uint32_t(uint8_t(digest[0])) << 24 | uint32_t(uint8_t(digest[1])) << 16 | uint32_t(uint8_t(digest[2])) << 8 |
                      uint8_t(digest[3]),
                  want);
      }
    }
    auto r = open_note(note, {});
    EXPECT_EQ(slug_of(r), "note_unverified") << v.at("id");
    if (v.contains("expect_text")) {
      // A verifier with a matching name but another key ID is ignored, not used.
      auto fake = must_vkey(kPeterVkey);
      fake.name = "quasimodo.example/salvatore";
      EXPECT_EQ(slug_of(open_note(note, {fake})), "note_unverified");
      size_t split = note.rfind("\n\n");
      EXPECT_EQ(note.substr(0, split + 1), v.at("expect_text").as_string());
    }
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

TEST(Note, SigningWithGoTestKeyReproducesThePublishedSignature) {
  auto all = read_json(testdata() / "signed-note-vectors.json");
  const auto& v = vector_by_id(all, "golang-mod-note-sign-PeterNeumann");
  NoteSigner peter = signer_from_skey(v.at("skey").as_string());
  EXPECT_EQ(peter.name, "PeterNeumann");
  auto pub = public_key_of(peter);
  EXPECT_EQ(vkey(peter.name, pub), kPeterVkey);
  EXPECT_EQ(key_id(peter.name, kSigEd25519, pub), 0xc74f20a3u);
  std::string note(v.at("note").as_string());
  std::string signed_note = sign_note(kGoText, peter);
  EXPECT_EQ(signed_note, kGoText + "\n" + kPeterSig);
  EXPECT_EQ(note.substr(0, signed_note.size()), signed_note);  // the vector lists Enoch's line after Peter's
  // The C2SP spec's vkey example parses and round-trips.
  auto c2sp = must_vkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  EXPECT_EQ(c2sp.id, 0x530d903au);
  EXPECT_EQ(vkey(c2sp.name, c2sp.public_key), "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  // Invalid inputs give "" rather than a note.
  EXPECT_EQ(sign_note("no final newline", peter), "");
  EXPECT_EQ(sign_note("bell\a\n", peter), "");
  EXPECT_EQ(sign_note("bad \xff utf-8\n", peter), "");
  EXPECT_EQ(sign_note("ok\n", NoteSigner{"bad name", peter.seed}), "");
  EXPECT_EQ(sign_note("ok\n", NoteSigner{"a+b", peter.seed}), "");
  EXPECT_EQ(sign_note("ok\n", NoteSigner{"", peter.seed}), "");
}

// golang.org/x/mod/sumdb/note TestOpen.
TEST(Note, OpenFollowsGoSemantics) {
  auto peter = must_vkey(kPeterVkey), enoch = must_vkey(kEnochVkey);
  auto one = open_note(kGoText + "\n" + kPeterSig + kEnochSig, {peter});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->text, kGoText);
  ASSERT_EQ(one->signatures.size(), 2u);
  EXPECT_TRUE(one->signatures[0].verified);
  EXPECT_EQ(one->signatures[0].id, 0xc74f20a3u);
  EXPECT_FALSE(one->signatures[1].verified);
  EXPECT_EQ(one->signatures[1].name, "EnochRoot");
  EXPECT_EQ(one->signatures[1].id, 0xaf0cfe78u);
  EXPECT_EQ(one->signatures[1].raw.size(), 68u);

  auto both = open_note(kGoText + "\n" + kPeterSig + kEnochSig, {peter, enoch});
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(both->signatures[0].verified && both->signatures[1].verified);
  EXPECT_EQ(slug_of(open_note(kGoText + "\n" + kPeterSig + kEnochSig, {})), "note_unverified");
  EXPECT_EQ(slug_of(open_note(kGoText + "\n" + kEnochSig, {enoch, peter, enoch})), "note_ambiguous_key");
  EXPECT_EQ(slug_of(open_note(kGoText + "\n" + kPeterSig, {enoch, peter, enoch})), "ok");

  std::string many;
  for (int i = 0; i < 101; ++i) many += kPeterSig;
  EXPECT_EQ(slug_of(open_note(kGoText + "\n" + many, {peter})), "note_malformed");
  EXPECT_EQ(slug_of(open_note(kGoText + "\n" + many, {})), "note_malformed");
  auto hundred = open_note(kGoText + "\n" + many.substr(kPeterSig.size()), {peter});
  ASSERT_TRUE(hundred.ok());
  EXPECT_EQ(hundred->signatures.size(), 1u);  // repeated signatures by one key are dropped

  std::string corrupted = kPeterSig.substr(0, 60) + "ABCD" + kPeterSig.substr(60);
  EXPECT_EQ(slug_of(open_note(kGoText + "\n" + corrupted, {peter})), "note_bad_signature");

  std::string enoch_abcd = kEnochSig.substr(0, 60) + "ABCD" + kEnochSig.substr(60);
  auto dup = open_note(kGoText + "\n" + kPeterSig + kPeterSig + kEnochSig + kEnochSig + enoch_abcd, {peter});
  ASSERT_TRUE(dup.ok());
  ASSERT_EQ(dup->signatures.size(), 3u);  // peter (verified), enoch, enoch-ABCD (unknown)
  EXPECT_TRUE(dup->signatures[0].verified);
  EXPECT_FALSE(dup->signatures[1].verified || dup->signatures[2].verified);

  const std::vector<std::string> bad_msgs = {
      kGoText,
      kGoText + "\n",
      kGoText + "\n" + kPeterSig.substr(0, kPeterSig.size() - 1),
      "\x01" + kGoText + "\n" + kPeterSig,
      "\xff" + kGoText + "\n" + kPeterSig,
      kGoText + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
      kGoText + "\n" + kPeterSig + "Unexpected line.\n",
      // ours: ASCII hyphen instead of the em dash, CR, overlong UTF-8, missing key ID bytes
      kGoText + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
      kGoText + "\n" + kPeterSig.substr(0, kPeterSig.size() - 1) + "\r\n",
      "\xC0\xAF" + kGoText + "\n" + kPeterSig,
      kGoText + "\n" + "— PeterNeumann AAAA\n",
      kGoText + "\n" + "— PeterNeumann \n",
      kGoText + "\n" + "— Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
      kGoText + "\n" + "— Peter\xE3\x80\x80Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
  };
  for (const auto& m : bad_msgs) EXPECT_EQ(slug_of(open_note(m, {peter})), "note_malformed") << m;
}

// golang.org/x/mod/sumdb/note TestNewVerifier: every substring and every one-byte change of a
// valid key is rejected.
TEST(Note, VerifierKeyManglingsAreRejected) {
  auto v = must_vkey(kPeterVkey);
  EXPECT_EQ(v.name, "PeterNeumann");
  EXPECT_EQ(v.type, kSigEd25519);
  for (size_t i = 0; i <= kPeterVkey.size(); ++i)
    for (size_t j = i + 1; j <= kPeterVkey.size(); ++j)
      if (i != 0 || j != kPeterVkey.size()) {
        EXPECT_FALSE(parse_vkey(kPeterVkey.substr(i, j - i)).ok()) << i << "," << j;
      }
  for (size_t i = 0; i < kPeterVkey.size(); ++i) {
    std::string b = kPeterVkey;
    b[i]++;
    EXPECT_FALSE(parse_vkey(b).ok()) << b;
  }
  EXPECT_FALSE(parse_vkey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==").ok());
  EXPECT_FALSE(parse_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
}

TEST(Note, CheckpointRoundTripAndStrictParsing) {
  Hash root = leaf_hash("root");
  std::string body = checkpoint_body("example.com/log42", 20852163, root);
  EXPECT_EQ(body, "example.com/log42\n20852163\n" + to_base64(root) + "\n");
  auto cp = parse_checkpoint(body);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->origin, "example.com/log42");
  EXPECT_EQ(cp->size, 20852163u);
  EXPECT_EQ(cp->root, root);
  EXPECT_TRUE(cp->extensions.empty());
  EXPECT_EQ(checkpoint_body(cp->origin, cp->size, cp->root), body);

  auto ext = parse_checkpoint(body + "ext one\next two\n");
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(ext->extensions, (std::vector<std::string>{"ext one", "ext two"}));
  auto zero = parse_checkpoint("商量/ledger\n0\n" + to_base64(empty_root()) + "\n");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->size, 0u);
  auto max = parse_checkpoint("o\n18446744073709551615\n" + to_base64(root) + "\n");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->size, UINT64_MAX);

  std::string r = to_base64(root);
  for (const std::string& bad : std::vector<std::string>{"o\n5\n" + r, "o\n5\n", "\n5\n" + r + "\n", "o\n05\n" + r + "\n", "o\n+5\n" + r + "\n",
                          "o\n-1\n" + r + "\n", "o\n 5\n" + r + "\n", "o\n\n" + r + "\n", "o\n5x\n" + r + "\n",
                          "o\n18446744073709551616\n" + r + "\n", "o\n5\nAAAA\n", "o\n5\n" + r.substr(0, 43) + "\n",
                          "o\n5\n" + r + "\n\n", "o\n5\n" + r + "\next\n\n", "o\t\n5\n" + r + "\n", std::string("")}) {
    EXPECT_FALSE(parse_checkpoint(bad).ok()) << bad;
  }
  EXPECT_EQ(checkpoint_body("", 1, root), "");
  EXPECT_EQ(checkpoint_body("two\nlines", 1, root), "");

  // The C2SP example checkpoint (with its cosignature line) parses.
  auto all = read_json(testdata() / "signed-note-vectors.json");
  std::string note(vector_by_id(all, "c2sp-tlog-checkpoint-example").at("note").as_string());
  auto c2sp = parse_checkpoint(note.substr(0, note.rfind("\n\n") + 1));
  ASSERT_TRUE(c2sp.ok());
  EXPECT_EQ(c2sp->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(c2sp->size, 20852163u);
  EXPECT_EQ(to_base64(c2sp->root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  // Its witness line is keyid4 || timestamp_be8 || sig64, timestamp 1679315147.
  size_t w = note.find("— witness.example.com/w1 ");
  ASSERT_NE(w, std::string::npos);
  std::string b64 = note.substr(w + std::string("— witness.example.com/w1 ").size());
  b64.pop_back();
  auto raw = base64_decode(b64);
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->size(), 4u + 8u + 64u);
  uint64_t ts = 0;
  for (int i = 4; i < 12; ++i) ts = ts << 8 | (*raw)[i];
  EXPECT_EQ(ts, 1679315147u);
}

TEST(Note, CosignatureRoundTrip) {
  NoteSigner log{"example.com/ledger", {}};
  NoteSigner witness{"witness.example/w1", {}};
  for (int i = 0; i < 32; ++i) log.seed[i] = uint8_t(i), witness.seed[i] = uint8_t(200 - i);
  auto log_pub = public_key_of(log), w_pub = public_key_of(witness);
  std::string body = checkpoint_body("example.com/ledger", 1234, leaf_hash("x"));
  std::string signed_cp = sign_note(body, log);
  const uint64_t ts = 1679315147;
  std::string line = cosign_line(body, witness, ts);
  ASSERT_TRUE(line.starts_with("— witness.example/w1 "));
  ASSERT_TRUE(line.ends_with("\n"));
  std::string note = signed_cp + line;

  auto wv = must_vkey(cosignature_vkey(witness.name, w_pub));
  EXPECT_EQ(wv.type, kSigCosignature);
  EXPECT_EQ(wv.id, key_id(witness.name, kSigCosignature, w_pub));
  EXPECT_NE(wv.id, key_id(witness.name, kSigEd25519, w_pub));
  auto lv = must_vkey(vkey(log.name, log_pub));

  auto both = open_note(note, {lv, wv});
  ASSERT_TRUE(both.ok()) << both.error().message;
  ASSERT_EQ(both->signatures.size(), 2u);
  EXPECT_TRUE(both->signatures[0].verified && both->signatures[1].verified);
  EXPECT_EQ(both->signatures[1].timestamp, ts);
  EXPECT_EQ(both->signatures[0].timestamp, 0u);
  EXPECT_EQ(both->text, body);
  auto witness_only = open_note(note, {wv});
  ASSERT_TRUE(witness_only.ok());
  EXPECT_FALSE(witness_only->signatures[0].verified);
  EXPECT_TRUE(witness_only->signatures[1].verified);

  // The message is exactly "cosignature/v1\ntime <t>\n" + body, per the spec.
  auto raw = base64_decode(line.substr(line.rfind(' ') + 1, line.size() - line.rfind(' ') - 2));
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->size(), 76u);
  std::string msg = "cosignature/v1\ntime 1679315147\n" + body;
  EXPECT_EQ(crypto_sign_ed25519_verify_detached(raw->data() + 12, reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                                                w_pub.data()),
            0);

  // A changed timestamp or body fails; a cosignature is not a plain Ed25519 note signature.
  std::vector<uint8_t> later = *raw;
  later[11] ^= 1;
  std::string bad_line = "— witness.example/w1 " + base64_encode(std::span<const uint8_t>(later)) + "\n";
  EXPECT_EQ(slug_of(open_note(signed_cp + bad_line, {lv, wv})), "note_bad_signature");
  std::string other_body = checkpoint_body("example.com/ledger", 1235, leaf_hash("x"));
  EXPECT_EQ(slug_of(open_note(sign_note(other_body, log) + line, {lv, wv})), "note_bad_signature");
  Verifier as_plain = wv;
  as_plain.type = kSigEd25519;
  EXPECT_EQ(slug_of(open_note(note, {as_plain})), "note_bad_signature");
  // Invalid inputs.
  EXPECT_EQ(cosign_line(body, witness, uint64_t{1} << 63), "");
  EXPECT_EQ(cosign_line("not a checkpoint\n", witness, ts), "");
  EXPECT_EQ(cosign_line(body, NoteSigner{"bad name", witness.seed}, ts), "");
  EXPECT_FALSE(cosign_line(body, witness, (uint64_t{1} << 63) - 1).empty());
}

// Wycheproof Ed25519 (EddsaVerify) through libsodium, which our verifier uses.
TEST(Note, WycheproofEd25519) {
  auto all = read_json(testdata() / "wycheproof-ed25519_test.json");
  int valid = 0, invalid = 0, acceptable = 0;
  ASSERT_EQ(sodium_init() >= 0, true);
  for (const auto& g : all.at("testGroups").as_array()) {
    auto pk = unhex(g.at("publicKey").at("pk").as_string());
    ASSERT_EQ(pk.size(), 32u);
    for (const auto& t : g.at("tests").as_array()) {
      auto msg = unhex(t.at("msg").as_string());
      auto sig = unhex(t.at("sig").as_string());
      bool ok = sig.size() == crypto_sign_ed25519_BYTES &&
                crypto_sign_ed25519_verify_detached(sig.data(), msg.data(), msg.size(), pk.data()) == 0;
      std::string result(t.at("result").as_string());
      if (result == "valid") {
        EXPECT_TRUE(ok) << "tcId " << t.at("tcId");
        ++valid;
      } else if (result == "invalid") {
        EXPECT_FALSE(ok) << "tcId " << t.at("tcId") << " " << t.at("comment");
        ++invalid;
      } else {
        ++acceptable;  // libsodium may reject these (non-canonical encodings); either is fine
      }
    }
  }
  EXPECT_EQ(valid + invalid + acceptable, int(all.at("numberOfTests").to_number<int64_t>()));
  EXPECT_EQ(valid, 88);
  EXPECT_EQ(invalid, 63);
}

}  // namespace
}  // namespace sl::ledger
