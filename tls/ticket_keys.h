#pragma once

#include <atomic>
#include <memory>

#include <openssl/ssl.h>

namespace bulwark::tls {

// The session ticket keys of one listener, for TLS 1.2 tickets and TLS 1.3 stateless tickets.
//
// Our own keys instead of OpenSSL's per-context random ones: every SSL_CTX of a listener (one
// per certificate name set) must encrypt and decrypt with the same keys, or a client that
// resumes under another SNI context would be refused, and keys must rotate so that a key stolen
// from memory does not decrypt the traffic of the months before (tickets carry the resumption
// secret).
//
// The keys live in an immutable set swapped atomically: handshakes on the workers read the set
// without a lock; rotate() on the control thread publishes a new one. The newest key encrypts;
// the one before it still decrypts, and a ticket it decrypts is replaced by a fresh one.
class TicketKeyRing {
public:
  // Starts with one random key. Throws std::runtime_error when the random generator fails.
  TicketKeyRing();

  // Publishes a new random key as the encrypting one; the current key moves to "decrypt only",
  // the one before it is forgotten. Returns false and keeps the keys when the random generator
  // fails. Control thread (any one thread at a time).
  bool rotate();

  // Installs the ticket callback on `ctx` and makes `ctx` keep `ring` alive. Call for every
  // SSL_CTX of the listener before it serves handshakes. False when OpenSSL refuses.
  static bool install(SSL_CTX* ctx, std::shared_ptr<TicketKeyRing> ring);

private:
  struct Key;
  struct KeySet;

  static int onTicket(SSL* ssl, unsigned char* key_name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                      EVP_MAC_CTX* mac, int encrypt);
  int encryptTicket(unsigned char* key_name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                    EVP_MAC_CTX* mac) const noexcept;
  int decryptTicket(const unsigned char* key_name, const unsigned char* iv, EVP_CIPHER_CTX* cipher,
                    EVP_MAC_CTX* mac) const noexcept;

  std::atomic<std::shared_ptr<const KeySet>> keys_;
};

} // namespace bulwark::tls
