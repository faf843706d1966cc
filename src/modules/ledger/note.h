// C2SP signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and
// Ed25519 witness cosignatures (c2sp.org/tlog-cosignature, cosignature/v1).
//
// A signed note is a text (valid UTF-8, no ASCII control characters other than newline,
// ending in a newline), a blank line, and one or more signature lines
// "— <key name> <base64(key ID (4 bytes, big-endian) || signature)>\n" (U+2014, space).
// Key names are non-empty and contain neither Unicode spaces nor '+'.
// Ed25519 comes from libsodium (RFC 8032, deterministic: the same key and text always give
// the same signature, byte for byte the one Go's golang.org/x/mod/sumdb/note produces).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "modules/ledger/merkle.h"

namespace sl::ledger {

inline constexpr uint8_t kSigEd25519 = 0x01;      // signed-note Ed25519
inline constexpr uint8_t kSigCosignature = 0x04;  // tlog-cosignature/v1 (timestamped Ed25519)

struct NoteSigner {
  std::string name;
  std::array<uint8_t, 32> seed;  // Ed25519 seed (RFC 8032 private key)
};

// First 4 bytes (big-endian) of SHA-256(name || "\n" || sig_type || public_key).
uint32_t key_id(std::string_view name, uint8_t sig_type, std::span<const uint8_t> public_key);

// Verifier key "<name>+<8 hex keyid>+<base64(0x01 || pub)>" (type 0x01, Ed25519).
std::string vkey(std::string_view name, std::span<const uint8_t, 32> ed25519_public);
// The same for a tlog-cosignature/v1 witness key (type 0x04).
std::string cosignature_vkey(std::string_view name, std::span<const uint8_t, 32> pub);

struct Verifier {
  std::string name;
  uint32_t id;
  uint8_t type;  // kSigEd25519 or kSigCosignature
  std::array<uint8_t, 32> public_key;
};

// Parses a verifier key of type 0x01 or 0x04 (32-byte Ed25519 key). Rejects a malformed
// key, another type, or a key ID that does not match the name and key.
Result<Verifier> parse_vkey(std::string_view vkey);

std::array<uint8_t, 32> public_key_of(const NoteSigner&);

// Signs `text`: returns text + "\n" + "— <name> <base64(keyid4 || sig64)>\n".
// `text` must be valid note text (UTF-8, no control characters but '\n', ends with '\n') and
// the signer's name a valid key name; otherwise returns "" (never a valid note).
std::string sign_note(std::string_view text, const NoteSigner& signer);

struct SignatureLine {
  std::string name;
  uint32_t id;
  std::string raw;        // decoded bytes of the line's base64: key ID (4) || signature
  bool verified;          // signed by a known Verifier and checked; false: unknown key
  uint64_t timestamp = 0; // cosignature (type 0x04) lines that verified: the signed time
};

struct OpenedNote {
  std::string text;                        // including its final newline
  std::vector<SignatureLine> signatures;   // in note order; duplicates dropped (as Go does)
};

// Parses a note and verifies every signature whose (name, id) matches a known Verifier
// (type 0x01 over the text; type 0x04 over "cosignature/v1\ntime <t>\n" + text). Signatures
// from unknown keys are kept with verified = false. Errors (Code::kInvalidArgument):
//   "note_malformed"      bad syntax, bad UTF-8/control characters, more than 100 signatures
//   "note_bad_signature"  a known key's signature does not verify (the whole note is rejected)
//   "note_ambiguous_key"  two verifiers share the signature's name and key ID
//   "note_unverified"     well-formed, but no known key signed it
Result<OpenedNote> open_note(std::string_view note, const std::vector<Verifier>& verifiers);

// tlog-checkpoint body: "<origin>\n<size>\n<base64 root>\n". Returns "" if the origin is
// empty or not valid on a note line (newline, control characters, invalid UTF-8).
std::string checkpoint_body(std::string_view origin, uint64_t size, const Hash& root);

struct Checkpoint {
  std::string origin;
  uint64_t size;
  Hash root;
  std::vector<std::string> extensions;  // extension lines (without newlines), usually none
};

// Parses a checkpoint note text: non-empty origin, decimal size without leading zeros,
// base64 32-byte root, then optional non-empty extension lines; must end with a newline.
Result<Checkpoint> parse_checkpoint(std::string_view body);

// tlog-cosignature/v1: a witness cosigns a checkpoint body at `timestamp` (POSIX seconds).
// Returns the signature line "— <name> <base64(keyid4 || timestamp_be8 || sig64)>\n" (with its
// newline, so it can be appended to the signed checkpoint), key type 0x04, signature over
// "cosignature/v1\ntime <timestamp>\n" + body. Returns "" if the body is not a valid
// checkpoint, the name is invalid, or timestamp > 2^63 - 1.
std::string cosign_line(std::string_view checkpoint_body, const NoteSigner& witness, uint64_t timestamp);

}  // namespace sl::ledger
