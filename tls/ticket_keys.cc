#include "tls/ticket_keys.h"

#include <array>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tls/openssl_util.h"

namespace bulwark::tls {

// The ticket format is OpenSSL's: a 16-byte key name that says which key encrypted, AES-256-CBC
// for confidentiality and HMAC-SHA256 over the whole for integrity (encrypt-then-MAC).
struct TicketKeyRing::Key {
  std::array<unsigned char, 16> name{};
  std::array<unsigned char, 32> aes{};
  std::array<unsigned char, 32> hmac{};

  Key() = default;
  Key(const Key&) = default;
  Key& operator=(const Key&) = default;
  // Ticket keys decrypt every resumption secret handed out under them: do not leave them in
  // freed memory.
  ~Key() {
    OPENSSL_cleanse(aes.data(), aes.size());
    OPENSSL_cleanse(hmac.data(), hmac.size());
  }

  // A fresh random key, or nullopt when the random generator fails.
  static std::optional<Key> random() {
    Key key;
    if (RAND_bytes(key.name.data(), static_cast<int>(key.name.size())) != 1 ||
        RAND_priv_bytes(key.aes.data(), static_cast<int>(key.aes.size())) != 1 ||
        RAND_priv_bytes(key.hmac.data(), static_cast<int>(key.hmac.size())) != 1) {
      ERR_clear_error();
      return std::nullopt;
    }
    return key;
  }
};

struct TicketKeyRing::KeySet {
  Key current;
  std::optional<Key> previous;
};

namespace {

const CtxSlot<TicketKeyRing>& ringSlot() {
  static const CtxSlot<TicketKeyRing> slot;
  return slot;
}

// Hands the HMAC key and digest to the MAC context OpenSSL prepared for the ticket.
bool setMacKey(EVP_MAC_CTX* mac, const std::array<unsigned char, 32>& key) noexcept {
  static char digest[] = "SHA256";
  std::array<OSSL_PARAM, 3> params = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(key.data()),
                                        key.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_CTX_set_params(mac, params.data()) == 1;
}

} // namespace

TicketKeyRing::TicketKeyRing() {
  std::optional<Key> key = Key::random();
  if (!key) {
    throw std::runtime_error("cannot generate a session ticket key: random generator failed");
  }
  keys_.store(std::make_shared<const KeySet>(KeySet{*key, std::nullopt}));
}

bool TicketKeyRing::rotate() {
  std::optional<Key> key = Key::random();
  if (!key) {
    return false;
  }
  std::shared_ptr<const KeySet> old = keys_.load();
  keys_.store(std::make_shared<const KeySet>(KeySet{*key, old->current}));
  return true;
}

bool TicketKeyRing::install(SSL_CTX* ctx, std::shared_ptr<TicketKeyRing> ring) {
  if (!ringSlot().attach(ctx, std::move(ring))) {
    return false;
  }
  return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, onTicket) == 1;
}

// OpenSSL calls this on the context the handshake started with; SNI may have switched the SSL to
// another context since, and both hold the same ring, so either one answers the same.
int TicketKeyRing::onTicket(SSL* ssl, unsigned char* key_name, unsigned char* iv,
                            EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int encrypt) {
  const TicketKeyRing* ring = ringSlot().get(SSL_get_SSL_CTX(ssl));
  if (ring == nullptr) {
    return encrypt != 0 ? -1 : 0;
  }
  if (encrypt != 0) {
    return ring->encryptTicket(key_name, iv, cipher, mac);
  }
  return ring->decryptTicket(key_name, iv, cipher, mac);
}

// Returns 1 with the cipher and MAC keyed, or -1 so that OpenSSL sends no ticket.
int TicketKeyRing::encryptTicket(unsigned char* key_name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                                 EVP_MAC_CTX* mac) const noexcept {
  const std::shared_ptr<const KeySet> keys = keys_.load();
  const Key& key = keys->current;
  const int iv_length = EVP_CIPHER_get_iv_length(EVP_aes_256_cbc());
  if (RAND_bytes(iv, iv_length) != 1) {
    ERR_clear_error();
    return -1;
  }
  std::memcpy(key_name, key.name.data(), key.name.size());
  if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) != 1 ||
      !setMacKey(mac, key.hmac)) {
    ERR_clear_error();
    return -1;
  }
  return 1;
}

// Returns 1 for a ticket under the current key, 2 (use it, but issue a new one) for one under
// the previous key, 0 (full handshake) for an unknown or forgotten key. A forged ticket with a
// known name fails OpenSSL's HMAC check after this and also ends in a full handshake.
int TicketKeyRing::decryptTicket(const unsigned char* key_name, const unsigned char* iv,
                                 EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac) const noexcept {
  const std::shared_ptr<const KeySet> keys = keys_.load();
  const Key* key = nullptr;
  int found = 0;
  if (std::memcmp(key_name, keys->current.name.data(), keys->current.name.size()) == 0) {
    key = &keys->current;
    found = 1;
  } else if (keys->previous &&
             std::memcmp(key_name, keys->previous->name.data(), keys->previous->name.size()) == 0) {
    key = &*keys->previous;
    found = 2;
  }
  if (key == nullptr) {
    return 0;
  }
  // A failure here is ours, not the client's: fall back to a full handshake rather than
  // failing the connection.
  if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv) != 1 ||
      !setMacKey(mac, key->hmac)) {
    ERR_clear_error();
    return 0;
  }
  return found;
}

} // namespace bulwark::tls
