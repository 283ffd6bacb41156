#include "rules/rule_keywords.h"

#include <string_view>
#include <unordered_map>

namespace bulwark::rules::detail {

namespace {

using Table = std::unordered_map<std::string_view, Keyword>;

void addAll(Table& table, KeywordKind kind, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    table[name] = Keyword{kind};
  }
}

void addBuffer(Table& table, KeywordKind kind, Buffer buffer,
               std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    table[name] = Keyword{kind, buffer};
  }
}

void addRequestBuffers(Table& t) {
  // Suricata 5 made the dotted names sticky buffers; of the old underscore spellings, some were
  // content modifiers (http_uri: looks back at the previous content) and some were already
  // sticky (http_request_line, http_accept, ...). Both meanings stay valid.
  using K = KeywordKind;
  addBuffer(t, K::Sticky, Buffer::Uri, {"http.uri"});
  addBuffer(t, K::Sticky, Buffer::UriRaw, {"http.uri.raw"});
  addBuffer(t, K::Sticky, Buffer::Method, {"http.method"});
  addBuffer(t, K::Sticky, Buffer::RequestLine, {"http.request_line", "http_request_line"});
  addBuffer(t, K::Sticky, Buffer::Protocol, {"http.protocol", "http_protocol"});
  addBuffer(t, K::Sticky, Buffer::Host, {"http.host"});
  addBuffer(t, K::Sticky, Buffer::HostRaw, {"http.host.raw"});
  addBuffer(t, K::Sticky, Buffer::Header, {"http.header"});
  addBuffer(t, K::Sticky, Buffer::HeaderRaw, {"http.header.raw"});
  addBuffer(t, K::Sticky, Buffer::HeaderNames, {"http.header_names", "http_header_names"});
  addBuffer(t, K::Sticky, Buffer::Cookie, {"http.cookie"});
  addBuffer(t, K::Sticky, Buffer::UserAgent, {"http.user_agent"});
  addBuffer(t, K::Sticky, Buffer::Referer, {"http.referer", "http_referer"});
  addBuffer(t, K::Sticky, Buffer::Accept, {"http.accept", "http_accept"});
  addBuffer(t, K::Sticky, Buffer::AcceptLanguage, {"http.accept_lang", "http_accept_lang"});
  addBuffer(t, K::Sticky, Buffer::AcceptEncoding, {"http.accept_enc", "http_accept_enc"});
  addBuffer(t, K::Sticky, Buffer::ContentType, {"http.content_type", "http_content_type"});
  addBuffer(t, K::Sticky, Buffer::ContentLength, {"http.content_len", "http_content_len"});
  addBuffer(t, K::Sticky, Buffer::Connection, {"http.connection", "http_connection"});
  addBuffer(t, K::Sticky, Buffer::Start, {"http.start", "http_start"});
  addBuffer(t, K::Sticky, Buffer::RequestBody, {"http.request_body"});
  addBuffer(t, K::Sticky, Buffer::TlsSni, {"tls.sni", "tls_sni"});

  addBuffer(t, K::LegacyModifier, Buffer::Uri, {"http_uri"});
  addBuffer(t, K::LegacyModifier, Buffer::UriRaw, {"http_raw_uri"});
  addBuffer(t, K::LegacyModifier, Buffer::Method, {"http_method"});
  addBuffer(t, K::LegacyModifier, Buffer::Host, {"http_host"});
  addBuffer(t, K::LegacyModifier, Buffer::HostRaw, {"http_raw_host"});
  addBuffer(t, K::LegacyModifier, Buffer::Header, {"http_header"});
  addBuffer(t, K::LegacyModifier, Buffer::HeaderRaw, {"http_raw_header"});
  addBuffer(t, K::LegacyModifier, Buffer::Cookie, {"http_cookie"});
  addBuffer(t, K::LegacyModifier, Buffer::UserAgent, {"http_user_agent"});
  addBuffer(t, K::LegacyModifier, Buffer::RequestBody, {"http_client_body"});
  addBuffer(t, K::FileData, Buffer::RequestBody, {"file.data", "file_data"});
}

void addTransforms(Table& t) {
  auto add = [&t](std::string_view name, Transform transform) {
    t[name] = Keyword{KeywordKind::Transform, Buffer::Uri, transform};
  };
  add("dotprefix", Transform::DotPrefix);
  add("to_lowercase", Transform::ToLowercase);
  add("url_decode", Transform::UrlDecode);
  add("strip_whitespace", Transform::StripWhitespace);
  add("compress_whitespace", Transform::CompressWhitespace);
  // Transforms the gateway does not implement: the rule is unsupported as a whole.
  addAll(t, KeywordKind::Unsupported,
         {"to_md5", "to_sha1", "to_sha256", "pcrexform", "xor", "header_lowercase",
          "strip_pseudo_headers", "from_base64", "to_uppercase", "luaxform"});
}

void addResponseSide(Table& t) {
  using K = KeywordKind;
  addAll(t, K::ResponseSticky, {"http.stat_code",       "http.stat_msg",
                                "http.response_body",   "http.server",
                                "http.location",        "http.response_line",
                                "http_response_line",   "http.server_body",
                                "http.response_header", "tls.cert_subject",
                                "tls.cert_issuer",      "tls.cert_serial",
                                "tls.cert_fingerprint", "tls.certs",
                                "tls_cert_subject",     "tls_cert_issuer",
                                "tls_cert_serial",      "tls_cert_fingerprint",
                                "tls.subjectaltname",   "ja3s.hash",
                                "ja3s.string",          "ja3s_hash",
                                "ja3s_string"});
  addAll(t, K::ResponseModifier, {"http_stat_code", "http_stat_msg", "http_server_body"});
  addAll(t, K::ResponseOther, {"tls.subject",      "tls.issuerdn",       "tls.fingerprint",
                               "tls.serial",       "tls_cert_notbefore", "tls_cert_notafter",
                               "tls_cert_expired", "tls_cert_valid",     "tls.cert_chain_len",
                               "tls.store",        "filestore",          "filemagic",
                               "filemd5",          "filesha1",           "filesha256",
                               "filesize",         "filename",           "fileext",
                               "file.name",        "file.magic"});
}

void addUnsupported(Table& t) {
  using K = KeywordKind;
  addAll(t, K::Packet,
         {"dsize",        "ttl",          "tos",          "id",         "ipopts",     "fragbits",
          "fragoffset",   "flags",        "seq",          "ack",        "window",     "itype",
          "icode",        "icmp_id",      "icmp_seq",     "ip_proto",   "sameip",     "stream_size",
          "decode-event", "stream-event", "engine-event", "l3_proto",   "rpc",        "ftpbounce",
          "ipv4-csum",    "tcpv4-csum",   "tcpv6-csum",   "udpv4-csum", "udpv6-csum", "icmpv4-csum",
          "icmpv6-csum",  "icmpv6.mtu",   "tcp.mss",      "tcp.hdr",    "udp.hdr",    "ipv4.hdr",
          "ipv6.hdr",     "icmpv4.hdr",   "icmpv6.hdr",   "flow.age",   "flow.pkts",  "flow.bytes",
          "geoip",        "iprep",        "asn1"});
  addAll(t, K::Unsupported,
         {"byte_test",
          "byte_jump",
          "byte_extract",
          "byte_math",
          "base64_decode",
          "app-layer-event",
          "app-layer-protocol",
          "app-layer-state",
          "lua",
          "luajit",
          "dataset",
          "datarep",
          "xbits",
          "hostbits",
          "flowint",
          "flowvar",
          "pktvar",
          "tag",
          "replace",
          "prefilter",
          "bypass",
          "config",
          "requires",
          "frame",
          "entropy",
          "tls.version",
          "tls.random",
          "tls.random_time",
          "tls.random_bytes",
          "ssl_version",
          "ssl_state",
          "tls.alpn",
          "dce_iface",
          "dce_opnum",
          "ssh_proto",
          "ssh_software",
          "ssh_protoversion",
          "ssh_softwareversion",
          "smb_named_pipe",
          "smb_share",
          "krb5_msg_type",
          "krb5_err_code",
          "nfs_procedure",
          "ftpdata_command",
          "modbus",
          "cip_service",
          "enip_command",
          "dnp3_func",
          "dnp3_ind",
          "dnp3_obj",
          "template",
          "template2",
          "http2.frametype",
          "http2.errorcode"});
  // Known buffers the gateway does not fill; what follows them inspects nothing of ours.
  addAll(t, K::UnsupportedSticky,
         {"dns_query", "base64_data", "ja3.hash", "ja3.string", "ja3_hash", "ja3_string",
          "ja4.hash", "dce_stub_data", "dnp3_data", "http.request_header"});
}

const Table& table() {
  static const Table kTable = [] {
    Table t;
    using K = KeywordKind;
    addAll(
        t, K::Meta,
        {"msg", "sid", "rev", "gid", "classtype", "reference", "priority", "metadata", "target"});
    t["content"] = Keyword{K::Content};
    t["uricontent"] = Keyword{K::UriContent, Buffer::Uri};
    addAll(t, K::ContentModifier,
           {"nocase", "depth", "offset", "distance", "within", "startswith", "endswith",
            "fast_pattern", "rawbytes"});
    t["pkt_data"] = Keyword{K::PktData};
    t["pcre"] = Keyword{K::Pcre};
    t["bsize"] = Keyword{K::Bsize};
    t["isdataat"] = Keyword{K::IsDataAt};
    t["urilen"] = Keyword{K::Urilen};
    t["flow"] = Keyword{K::Flow};
    t["flowbits"] = Keyword{K::Flowbits};
    t["noalert"] = Keyword{K::NoAlert};
    t["threshold"] = Keyword{K::Threshold};
    t["detection_filter"] = Keyword{K::DetectionFilter};
    addRequestBuffers(t);
    addTransforms(t);
    addResponseSide(t);
    addUnsupported(t);
    return t;
  }();
  return kTable;
}

// Keyword families of protocols the gateway does not terminate; every member is a buffer or a
// check Suricata knows, so a name under one of them is "unsupported", never "unknown".
constexpr std::string_view kUnsupportedFamilies[] = {
    "dns.",    "http2.", "smb.",  "ssh.",   "krb5.",   "sip.",  "snmp.",      "mqtt.",
    "rfb.",    "quic.",  "ike.",  "pgsql.", "dhcp.",   "ldap.", "websocket.", "smtp.",
    "ftp.",    "email.", "sdp.",  "dnp3.",  "modbus.", "enip.", "cip.",       "nfs.",
    "dcerpc.", "rdp.",   "tftp.", "ntp.",   "ja4.",    "file."};
constexpr std::string_view kPacketFamilies[] = {"tcp.",    "udp.",    "ipv4.", "ipv6.",
                                                "icmpv4.", "icmpv6.", "ip."};

} // namespace

const Keyword* findKeyword(std::string_view name) {
  const Table& t = table();
  if (auto it = t.find(name); it != t.end()) {
    return &it->second;
  }
  static const Keyword kUnsupportedSticky{KeywordKind::UnsupportedSticky};
  static const Keyword kPacket{KeywordKind::Packet};
  for (std::string_view family : kUnsupportedFamilies) {
    if (name.starts_with(family)) {
      return &kUnsupportedSticky;
    }
  }
  for (std::string_view family : kPacketFamilies) {
    if (name.starts_with(family)) {
      return &kPacket;
    }
  }
  return nullptr;
}

ProtocolClass classifyProtocol(std::string_view name) {
  if (name == "http" || name == "http1") {
    return ProtocolClass::Http;
  }
  if (name == "tls" || name == "ssl") {
    return ProtocolClass::Tls;
  }
  if (name == "tcp" || name == "ip" || name == "tcp-pkt" || name == "tcp-stream" ||
      name == "ipv4" || name == "ipv6" || name == "pkthdr") {
    return ProtocolClass::Transport;
  }
  static constexpr std::string_view kOther[] = {
      "udp",       "icmp",   "icmpv4", "icmpv6",   "sctp",  "http2",  "ftp",
      "ftp-data",  "smb",    "dcerpc", "dns",      "smtp",  "imap",   "pop3",
      "ssh",       "modbus", "dnp3",   "enip",     "cip",   "nfs",    "ntp",
      "tftp",      "ike",    "ikev2",  "krb5",     "dhcp",  "snmp",   "sip",
      "rfb",       "mqtt",   "rdp",    "quic",     "pgsql", "telnet", "bittorrent-dht",
      "websocket", "ldap",   "doh2",   "template", "nbss",  "msn",    "irc",
      "jabber",    "udp-pkt"};
  for (std::string_view other : kOther) {
    if (name == other) {
      return ProtocolClass::Other;
    }
  }
  return ProtocolClass::Unknown;
}

} // namespace bulwark::rules::detail
