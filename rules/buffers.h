#pragma once

// The inspection buffers of one request, built lazily from a RequestView into reused storage.

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "rules/request.h"
#include "rules/signature.h"

namespace bulwark::rules {

// Builds each request buffer the first time a rule asks for it and keeps it until reset().
// One per worker (not thread-safe); the strings keep their capacity, so after warm-up building
// a buffer allocates nothing.
//
// What each buffer holds, as Suricata defines it for requests:
//   http.uri         normalised path, then '?' and the percent-decoded query when the target
//                    has a '?' ("/a?" gives "/a?")
//   http.uri.raw     the target as sent
//   http.header      "Name: value\r\n" for every header but Cookie, names as sent
//   http.header.raw  the same with Cookie (the proxy keeps parsed fields, not the raw bytes)
//   http.header_names "\r\nName\r\n...\r\n\r\n"
//   http.start       request line, "\r\n", header.raw, "\r\n"
//   payload          (content with no buffer in an http rule) the same as http.start
// TODO(rules): Suricata's raw stream also holds the request body; payload content that only
// occurs in a body is missed. Rules meant for bodies should name http.request_body.
//   single headers   the value; a repeated header's values joined with ", "
// A header buffer whose header is absent is absent: a rule that inspects it does not match.
class BufferSet {
 public:
  // Starts a request. `body` is the part of the request body kept for inspection (it is not
  // part of the RequestView); http.request_body is present once it holds a byte. Both must
  // outlive every get() until the next reset.
  void reset(const RequestView& request, std::string_view body = {}) noexcept;

  // The buffer, or std::nullopt when the request does not have it. The view stays valid until
  // the next reset.
  std::optional<std::string_view> get(Buffer buffer);

 private:
  void build(Buffer buffer);
  bool hasCookie() const noexcept;
  bool appendHeaderValues(std::string_view name, std::string& out) const;

  const RequestView* request_ = nullptr;
  std::string_view body_;
  std::array<std::string, kBufferCount> storage_;
  std::array<uint8_t, kBufferCount> state_{};  // 0 unbuilt, 1 present, 2 absent
};

// Applies `transforms` in order to `input`, writing into `out` (cleared first).
void applyTransforms(std::span<const Transform> transforms, std::string_view input,
                     std::string& out);

}  // namespace bulwark::rules
