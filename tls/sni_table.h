#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509.h>

namespace bulwark::tls {

// Server names → the index of the certificate context that answers for them, looked up on every
// handshake that carries SNI.
//
// Exact names win over wildcards. A wildcard `*.example.com` stands for exactly one label:
// it matches `a.example.com`, not `example.com` and not `a.b.example.com` (RFC 6125 6.4.3, and
// what clients accept, so a wider match would only pick a certificate the client then refuses).
//
// Filled once with add() and freeze(); afterwards immutable, and find() is safe from any thread.
class SniTable {
public:
  static constexpr size_t kNoMatch = static_cast<size_t>(-1);

  // Records that `index` answers for `names` (lower-case, as certificateNames gives them).
  // Call in configuration order: a name already present keeps its first index.
  void add(const std::vector<std::string>& names, size_t index);

  // Sorts the table for find(). Call once, after the last add().
  void freeze();

  // The index for `server_name` as a client sent it, or kNoMatch. Case-insensitive, a trailing
  // dot ignored. Allocates nothing: the name is lower-cased into a stack buffer, and a name
  // longer than DNS allows matches nothing.
  size_t find(std::string_view server_name) const noexcept;

  bool empty() const noexcept { return exact_.empty() && wildcard_.empty(); }

private:
  struct Entry {
    std::string name;
    size_t index;
  };

  static size_t findIn(const std::vector<Entry>& entries, std::string_view name) noexcept;

  std::vector<Entry> exact_;
  std::vector<Entry> wildcard_; // the suffix after "*."
};

// The names a certificate answers for: its subjectAltName DNS entries, or, when it has none, its
// subject common name; lower-cased, a trailing dot removed. IP address entries are left out
// (SNI never carries an address). Empty when the certificate names nothing.
std::vector<std::string> certificateNames(X509* cert);

} // namespace bulwark::tls
