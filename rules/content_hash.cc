#include "rules/content_hash.h"

#include <fmt/format.h>
#include <openssl/evp.h>

namespace bulwark::rules {

ContentHash::ContentHash() : context_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(context_, EVP_sha256(), nullptr);
}

ContentHash::~ContentHash() {
  EVP_MD_CTX_free(context_);
}

void ContentHash::add(std::string_view field) {
  const auto size = fmt::format("{}:", field.size());
  EVP_DigestUpdate(context_, size.data(), size.size());
  EVP_DigestUpdate(context_, field.data(), field.size());
}

std::string ContentHash::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_, digest, &size);
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += fmt::format("{:02x}", digest[i]);
  }
  return out;
}

} // namespace bulwark::rules
