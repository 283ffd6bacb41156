#include "tls/openssl_util.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace bulwark::tls {
namespace {

// Opens `path` for reading, telling a missing file apart from an unreadable one: the first is
// the usual config mistake and deserves the plainest message.
BioPtr openFile(const std::string& path, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    error = "no such file";
    return nullptr;
  }
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    const int saved_errno = errno;
    ERR_clear_error();
    error = "cannot read: " + std::string(std::strerror(saved_errno));
  }
  return bio;
}

void freeSharedExData(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/,
                      long /*argl*/, void* /*argp*/) {
  delete static_cast<std::shared_ptr<void>*>(ptr);
}

} // namespace

int newSharedExDataIndex() {
  return SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, freeSharedExData);
}

std::string takeOpenSslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    if (!out.empty()) {
      out += "; ";
    }
    out += reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(code));
  }
  return out.empty() ? "unknown error" : out;
}

std::string sha256Fingerprint(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest.data(), &length) != 1) {
    ERR_clear_error();
    return {};
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(length * 3);
  for (unsigned int i = 0; i < length; ++i) {
    if (i != 0) {
      out += ':';
    }
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

int declinePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return 0;
}

X509Ptr readCertificateFile(const std::string& path, std::string& error) {
  BioPtr bio = openFile(path, error);
  if (!bio) {
    return nullptr;
  }
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, declinePassphrase, nullptr));
  if (!cert) {
    ERR_clear_error();
    error = "cannot parse PEM";
  }
  return cert;
}

EvpPkeyPtr readPrivateKeyFile(const std::string& path, std::string& error) {
  BioPtr bio = openFile(path, error);
  if (!bio) {
    return nullptr;
  }
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, declinePassphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    error = "cannot parse PEM (an encrypted key is not supported)";
  }
  return key;
}

bool isIpLiteral(std::string_view host) noexcept {
  // inet_pton wants a terminated string; the longest textual IPv6 address is 45 characters.
  std::array<char, 64> buf{};
  if (host.empty() || host.size() >= buf.size()) {
    return false;
  }
  std::memcpy(buf.data(), host.data(), host.size());
  std::array<unsigned char, sizeof(in6_addr)> addr{};
  return inet_pton(AF_INET, buf.data(), addr.data()) == 1 ||
         inet_pton(AF_INET6, buf.data(), addr.data()) == 1;
}

} // namespace bulwark::tls
