#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace bulwark::rules {

// SHA-256 over a sequence of fields, for the rule set's content hash and the compiled-database
// cache key. Each field is length-prefixed, so ("ab", "c") and ("a", "bc") hash apart.
class ContentHash {
public:
  ContentHash();
  ~ContentHash();
  ContentHash(const ContentHash&) = delete;
  ContentHash& operator=(const ContentHash&) = delete;

  void add(std::string_view field);
  // The digest in lower-case hex; call once, after the last add().
  std::string hex();

private:
  evp_md_ctx_st* context_;
};

} // namespace bulwark::rules
