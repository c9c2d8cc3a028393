// RESP, Redis's wire protocol (version 2): commands encoded and replies parsed with hiredis's
// reader, into our own Reply. hiredis does no I/O here: the connections are ours (redis_client).
// A reply the reader refuses (protocol garbage, nesting deeper than hiredis allows) or one larger
// than the parser's bound is an error, after which the connection must be closed. Depends on
// core and hiredis.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tandem::net {

// One reply. Redis's error replies ("-ERR ...", "-NOSCRIPT ...") are replies, not failures: the
// caller decides what they mean.
struct Reply {
  enum class Type { kString, kStatus, kError, kInteger, kNil, kArray };
  Type type = Type::kNil;
  std::string text;             // kString, kStatus, kError
  std::int64_t integer = 0;     // kInteger
  std::vector<Reply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
  // A short description for messages: the error text, or the type name.
  std::string describe() const;
};

// One command as its arguments: {"HMGET", "tandem:products/p1", "v", "d"}.
using Command = std::vector<std::string>;

// Appends the RESP encoding of `command` (an array of bulk strings) to `out`.
void encode(const Command& command, std::string& out);

class ReplyParser {
 public:
  // Replies (with any bytes received and not yet parsed) larger than `max_reply_bytes` fail.
  explicit ReplyParser(std::size_t max_reply_bytes = 512u << 20);
  ~ReplyParser();
  ReplyParser(const ReplyParser&) = delete;
  ReplyParser& operator=(const ReplyParser&) = delete;

  // Adds bytes received from the server. kUnavailable when the bound is passed (the reply is
  // too large to take) or the reader failed before.
  core::Status feed(std::string_view bytes);

  // The next complete reply, or nullopt when more bytes are needed. kUnavailable for a reply that
  // is not RESP; the parser is unusable afterwards.
  core::Result<std::optional<Reply>> next();

 private:
  struct Reader;
  std::unique_ptr<Reader> reader_;
  std::size_t max_reply_bytes_;
  std::size_t pending_ = 0;  // bytes fed since the last complete reply
};

}  // namespace tandem::net
