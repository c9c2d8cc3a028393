// JSON output: a small streaming writer that appends to a std::string.
// Depends on core only. Numbers use std::to_chars (shortest round-trip: 19.99 stays "19.99").
// Strings are escaped per RFC 8259; invalid UTF-8 bytes become U+FFFD so output is always valid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::json {

// Appends `s` to `out` as a quoted, escaped JSON string.
void append_string(std::string& out, std::string_view s);

// Appends a JSON number; NaN and infinities, which JSON cannot express, become null.
void append_number(std::string& out, double v);

// Builds one JSON value. The caller keeps structure balanced; commas and colons are placed here.
// Not thread-safe; cheap to construct.
class Writer {
 public:
  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);

  Writer& value(std::string_view v);
  Writer& value(const char* v) { return value(std::string_view(v)); }
  Writer& value(std::int64_t v);
  Writer& value(std::uint64_t v);
  Writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  Writer& value(double v);
  Writer& value(bool v);
  Writer& null();
  // Inserts already-serialised JSON (a stored record body) without re-encoding it.
  Writer& raw(std::string_view json_text);

  // Shorthand for key(k).value(v).
  template <class T>
  Writer& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();  // writes a comma when the current container already has an element
  void open(char c);
  void close(char c);

  std::string out_;              // the text so far
  std::vector<bool> has_items_;  // per open container: whether an element was written
  bool after_key_ = false;       // the next value completes a key/value pair
};

}  // namespace tandem::json
