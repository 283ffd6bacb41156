#pragma once

// Small RAII and error helpers around the OpenSSL C API, shared by the files of tls/. Not part of
// the room's interface: other rooms use server_context.h, client_context.h and self_signed.h.

#include <memory>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace bulwark::tls {

template <auto Free> struct OpenSslDeleter {
  template <typename T> void operator()(T* p) const noexcept { Free(p); }
};

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpenSslDeleter<SSL_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;

// Drains the calling thread's OpenSSL error queue into one line ("reason; reason"), or
// "unknown error" when it is empty. Call right after the failing OpenSSL call.
std::string takeOpenSslErrors();

// SHA-256 of the DER certificate as colon-separated upper-case hex ("AB:CD:..."); empty if
// OpenSSL fails.
std::string sha256Fingerprint(X509* cert);

// Passphrase callback that always declines. Installed wherever OpenSSL may meet an encrypted
// PEM key: its default callback would otherwise block reading a passphrase from the terminal.
int declinePassphrase(char* buf, int size, int rwflag, void* userdata);

// Reads the first certificate (the leaf) of a PEM file. On failure returns nullptr and sets
// `error` to "no such file", "cannot read: <reason>" or "cannot parse PEM".
X509Ptr readCertificateFile(const std::string& path, std::string& error);

// Reads a PEM private key (unencrypted). Failures as for readCertificateFile.
EvpPkeyPtr readPrivateKeyFile(const std::string& path, std::string& error);

// Registers an SSL_CTX ex_data index whose slot holds a heap `std::shared_ptr<void>` that is
// deleted when the SSL_CTX is freed. Process-wide; call once per purpose.
int newSharedExDataIndex();

// A typed slot in every SSL_CTX, through which a context keeps alive the object its callbacks
// use. An SSL object holds a reference on its SSL_CTX, so a connection that outlives the owner
// of the context (a handshake in flight during a reload) still finds the object valid.
template <typename T> class CtxSlot {
public:
  CtxSlot() : index_(newSharedExDataIndex()) {}

  // Makes `ctx` own a reference to `object`, replacing what the slot held. False when OpenSSL
  // refuses (out of memory).
  bool attach(SSL_CTX* ctx, std::shared_ptr<T> object) const {
    auto* holder = new std::shared_ptr<void>(std::move(object));
    void* previous = SSL_CTX_get_ex_data(ctx, index_);
    if (SSL_CTX_set_ex_data(ctx, index_, holder) != 1) {
      delete holder;
      return false;
    }
    delete static_cast<std::shared_ptr<void>*>(previous);
    return true;
  }

  // The object attached to `ctx`, or nullptr. Any thread.
  T* get(const SSL_CTX* ctx) const noexcept {
    auto* holder = static_cast<std::shared_ptr<void>*>(SSL_CTX_get_ex_data(ctx, index_));
    return holder != nullptr ? static_cast<T*>(holder->get()) : nullptr;
  }

private:
  int index_;
};

// True when `host` is an IPv4 or IPv6 address literal (no brackets). No allocation.
bool isIpLiteral(std::string_view host) noexcept;

} // namespace bulwark::tls
