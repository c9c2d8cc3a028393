// RESP encoding and parsing over hiredis's reader. Depends on core and hiredis.
#include "net/resp.h"

#include <hiredis/hiredis.h>

#include <cstdlib>

namespace tandem::net {
namespace {

Reply convert(const redisReply& r) {
  Reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING: out.type = Reply::Type::kString; break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::kStatus; break;
    case REDIS_REPLY_ERROR: out.type = Reply::Type::kError; break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r.integer;
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i)
        out.elements.push_back(convert(*r.element[i]));
      return out;
    default: out.type = Reply::Type::kNil; return out;
  }
  out.text.assign(r.str, r.len);
  return out;
}

}  // namespace

std::string Reply::describe() const {
  switch (type) {
    case Type::kString: return "a string";
    case Type::kStatus: return "status " + text;
    case Type::kError: return text;
    case Type::kInteger: return "an integer";
    case Type::kNil: return "nil";
    case Type::kArray: return "an array";
  }
  return "a reply";
}

void encode(const Command& command, std::string& out) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(command.size());
  lengths.reserve(command.size());
  for (const auto& a : command) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* encoded = nullptr;
  int n =
      redisFormatCommandArgv(&encoded, static_cast<int>(argv.size()), argv.data(), lengths.data());
  if (n > 0) out.append(encoded, static_cast<std::size_t>(n));
  redisFreeCommand(encoded);
}

// hiredis's reader with its array constructor bounded: hiredis allocates an array's element
// table as soon as it reads the header, so "*1000000000" alone would take gigabytes. Every
// element needs at least 4 bytes on the wire, which bounds the count by the reply's size.
struct ReplyParser::Reader {
  explicit Reader(std::size_t bound) : max_elements(bound) {
    if (r == nullptr) return;
    functions = *r->fn;
    hiredis_array = functions.createArray;
    functions.createArray = &bounded_array;
    r->fn = &functions;
    r->privdata = this;  // handed to every read task
  }
  ~Reader() { redisReaderFree(r); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  static void* bounded_array(const redisReadTask* task, int elements) {
    auto* self = static_cast<Reader*>(task->privdata);
    if (self == nullptr || elements < 0 || static_cast<std::size_t>(elements) > self->max_elements)
      return nullptr;  // hiredis stops with an out-of-memory error
    return self->hiredis_array(task, elements);
  }

  redisReader* r = redisReaderCreate();
  redisReplyObjectFunctions functions{};                        // hiredis's, but createArray
  void* (*hiredis_array)(const redisReadTask*, int) = nullptr;  // hiredis's createArray
  std::size_t max_elements;
};

ReplyParser::ReplyParser(std::size_t max_reply_bytes)
    : reader_(std::make_unique<Reader>(max_reply_bytes / 4)), max_reply_bytes_(max_reply_bytes) {}

ReplyParser::~ReplyParser() = default;

core::Status ReplyParser::feed(std::string_view bytes) {
  pending_ += bytes.size();
  if (pending_ > max_reply_bytes_) {
    return core::unavailable("redis reply larger than " + std::to_string(max_reply_bytes_) +
                             " bytes");
  }
  if (reader_->r == nullptr || redisReaderFeed(reader_->r, bytes.data(), bytes.size()) != REDIS_OK)
    return core::unavailable("redis reply parser failed");
  return {};
}

core::Result<std::optional<Reply>> ReplyParser::next() {
  if (reader_->r == nullptr) return core::fail(core::unavailable("redis reply parser failed"));
  void* raw = nullptr;
  if (redisReaderGetReply(reader_->r, &raw) != REDIS_OK) {
    if (reader_->r->err == REDIS_ERR_OOM) {
      return core::fail(core::unavailable("redis reply larger than " +
                                          std::to_string(max_reply_bytes_) +
                                          " bytes (an array of too many elements)"));
    }
    return core::fail(
        core::unavailable(std::string("redis protocol error: ") + reader_->r->errstr));
  }
  if (raw == nullptr) return std::optional<Reply>();
  auto* reply = static_cast<redisReply*>(raw);
  Reply out = convert(*reply);
  freeReplyObject(reply);
  pending_ = reader_->r->len - reader_->r->pos;  // what is left belongs to the next replies
  return std::optional<Reply>(std::move(out));
}

}  // namespace tandem::net
