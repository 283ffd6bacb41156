#pragma once

// The state of one rule's option list while it is read. Internal to the rule parser; split over
// rule_options.cc (lists and checks), rule_payload.cc (content, pcre, sizes) and rule_meta.cc
// (msg, sid, flow, flowbits, thresholds).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_keywords.h"
#include "rules/rule_parser.h"
#include "rules/rule_parser_internal.h"
#include "rules/signature.h"

namespace bulwark::rules::detail {

// Bytes as a rule would write them: printable ASCII as is, the rest as |XX XX|.
std::string printable(std::string_view bytes);

class OptionParser {
public:
  OptionParser(const ParseOptions& options, Signature& signature, RuleIssues& issues);

  // Reads every option of `body` and completes the signature (buffers, priority) unless an
  // issue was found.
  void parse(std::string_view body);

private:
  enum class ListKind : uint8_t {
    Payload, // the raw stream: nothing the gateway inspects
    Request, // a request buffer: becomes a BufferMatch
    Discard, // a buffer the gateway does not have; the rule is unsupported anyway
  };
  enum class Direction : uint8_t { Unknown, ToServer, ToClient };

  struct MatchList {
    ListKind kind = ListKind::Payload;
    Buffer buffer = Buffer::Uri;
    std::vector<Transform> transforms;
    bool from_file_data = false; // file.data and http.request_body are separate lists
    std::vector<MatchItem> items;
  };

  // Where the next payload keyword goes. Pending: a sticky buffer was named and transforms may
  // still follow; the list is created with the first item.
  struct Cursor {
    enum class State : uint8_t { Payload, Pending, Resolved };
    State state = State::Payload;
    ListKind kind = ListKind::Payload;
    Buffer buffer = Buffer::Uri;
    std::vector<Transform> transforms;
    bool from_file_data = false;
    std::string name; // the sticky keyword, for messages
    size_t list = 0;
  };

  struct ItemRef {
    size_t list = 0;
    size_t index = 0;
  };

  void option(std::string_view name, std::optional<std::string_view> value);
  void stateOrUnsupported(const Keyword& keyword, const std::string& name,
                          std::optional<std::string_view> value);

  // rule_meta.cc
  void meta(std::string_view name, std::optional<std::string_view> value);
  void classtype(std::string_view value);
  void flow(std::optional<std::string_view> value);
  void flowbits(std::optional<std::string_view> value);
  void threshold(std::optional<std::string_view> value);
  void detectionFilter(std::optional<std::string_view> value);
  std::optional<uint32_t> number(std::string_view keyword, std::optional<std::string_view> value,
                                 uint64_t max);

  // rule_payload.cc
  void content(const std::string& name, std::optional<std::string_view> value, bool uri);
  void contentModifier(const std::string& name, std::optional<std::string_view> value);
  void fastPattern(Content& c, std::optional<std::string_view> value);
  bool position(const std::string& name, std::optional<std::string_view> value, Content& c);
  void pcre(std::optional<std::string_view> value);
  bool pcreFlag(char flag, Pcre& p, std::optional<Buffer>& buffer);
  void bsize(std::optional<std::string_view> value);
  void urilen(std::optional<std::string_view> value);
  void isDataAt(std::optional<std::string_view> value);
  std::optional<SizeCheck> sizeCheck(std::string_view keyword, std::string_view text);
  size_t relativeList(bool relative);

  // rule_options.cc
  void sticky(const std::string& name, ListKind kind, Buffer buffer, bool file_data);
  void transform(const std::string& name, Transform transform);
  void legacyModifier(const std::string& name, Buffer buffer);
  size_t currentList();
  size_t findOrAddList(ListKind kind, Buffer buffer, const std::vector<Transform>& transforms,
                       bool file_data);
  void addItem(size_t list, MatchItem item);
  void finish();
  void checkDirection();
  void checkPayload();
  void checkProtocol();

  const ParseOptions& options_;
  Signature& sig_;
  RuleIssues& issues_;

  std::vector<MatchList> lists_; // [0] is the raw payload
  Cursor cursor_;
  std::optional<ItemRef> last_content_; // what content modifiers apply to
  size_t last_match_list_ = 0;          // where a relative pcre or isdataat without a buffer goes
  bool fast_pattern_seen_ = false;

  Direction direction_ = Direction::Unknown;
  std::string direction_token_;
  bool uses_file_data_ = false;
  bool has_byte_variables_ = false; // byte_extract: positions may name a variable
  bool sid_seen_ = false;
  bool explicit_priority_ = false;
  std::optional<uint32_t> class_priority_;
};

} // namespace bulwark::rules::detail
