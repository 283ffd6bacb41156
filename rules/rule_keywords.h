#pragma once

// What each Suricata rule keyword means to the gateway. Internal to the rule parser.

#include <cstdint>
#include <string_view>

#include "rules/signature.h"

namespace bulwark::rules::detail {

enum class KeywordKind : uint8_t {
  Meta,            // msg, sid, rev, gid, classtype, reference, priority, metadata, target
  Content,         // content
  UriContent,      // uricontent: content already on http.uri
  ContentModifier, // nocase, depth, offset, distance, within, startswith, endswith, ...
  Sticky,          // a request buffer: what follows inspects `buffer`
  LegacyModifier,  // http_uri and friends: moves the previous content to `buffer`
  FileData,        // file.data / file_data: the request body only on to_server rules
  PktData,         // pkt_data: back to the raw payload
  Transform,       // dotprefix, to_lowercase, ...: `transform`
  Pcre,
  Bsize,
  IsDataAt,
  Urilen,
  Flow,
  Flowbits,
  NoAlert,
  Threshold,
  DetectionFilter,
  ResponseSticky,    // a response buffer: response_side, and what follows goes nowhere
  ResponseModifier,  // http_stat_code and friends: response_side
  ResponseOther,     // any other response-only keyword
  UnsupportedSticky, // a known buffer the gateway does not fill (dns.query, ja3.hash, ...)
  Unsupported,       // a known keyword the gateway cannot honour: unsupported_keyword
  Packet,            // a packet or stream level keyword: packet_keyword
};

struct Keyword {
  KeywordKind kind = KeywordKind::Unsupported;
  Buffer buffer = Buffer::Uri;
  Transform transform = Transform::DotPrefix;
};

// The keyword's meaning, or nullptr for a name Suricata does not know. Keywords are
// case-sensitive, as in Suricata. Thread-safe (the table is built once, then only read).
const Keyword* findKeyword(std::string_view name);

// Protocol names in a rule header.
enum class ProtocolClass : uint8_t {
  Http,      // http, http1: the gateway's own
  Tls,       // tls, ssl
  Transport, // tcp, ip, tcp-pkt, tcp-stream, ...: fine when the rule uses HTTP/TLS buffers
  Other,     // a protocol Suricata knows and the gateway does not terminate
  Unknown,
};
ProtocolClass classifyProtocol(std::string_view name);

} // namespace bulwark::rules::detail
