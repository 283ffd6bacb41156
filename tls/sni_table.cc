#include "tls/sni_table.h"

#include <algorithm>
#include <array>

#include <openssl/x509v3.h>

#include "common/strings.h"
#include "tls/openssl_util.h"

namespace bulwark::tls {
namespace {

// A DNS name is at most 253 characters written out; one more for a trailing dot.
constexpr size_t kMaxNameLength = 254;

// Lower-cases a name from a certificate and drops a trailing dot, so that table entries compare
// byte for byte with the lower-cased names clients send.
std::string normalizeName(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return toLowerAscii(name);
}

// A name made of ASN.1 string bytes, or empty when it hides a NUL (a classic trick to make one
// certificate look like it names another host).
std::string asn1Name(const ASN1_STRING* value) {
  const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(value));
  const std::string_view name(data, static_cast<size_t>(ASN1_STRING_length(value)));
  if (name.find('\0') != std::string_view::npos) {
    return {};
  }
  return normalizeName(name);
}

std::vector<std::string> subjectAltDnsNames(X509* cert) {
  std::vector<std::string> names;
  GeneralNamesPtr sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!sans) {
    return names;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* entry = sk_GENERAL_NAME_value(sans.get(), i);
    if (entry->type != GEN_DNS) {
      continue;
    }
    std::string name = asn1Name(entry->d.dNSName);
    if (!name.empty()) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

std::string commonName(X509* cert) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int position = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (position < 0) {
    return {};
  }
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, position);
  return asn1Name(X509_NAME_ENTRY_get_data(entry));
}

} // namespace

void SniTable::add(const std::vector<std::string>& names, size_t index) {
  for (const std::string& name : names) {
    if (name.size() > 2 && name.starts_with("*.")) {
      wildcard_.push_back({name.substr(2), index});
    } else {
      exact_.push_back({name, index});
    }
  }
}

void SniTable::freeze() {
  // A stable sort keeps entries of equal names in configuration order, and unique() then keeps
  // the first: the first certificate configured for a name wins.
  const auto byName = [](const Entry& a, const Entry& b) { return a.name < b.name; };
  const auto sameName = [](const Entry& a, const Entry& b) { return a.name == b.name; };
  for (std::vector<Entry>* entries : {&exact_, &wildcard_}) {
    std::stable_sort(entries->begin(), entries->end(), byName);
    entries->erase(std::unique(entries->begin(), entries->end(), sameName), entries->end());
  }
}

size_t SniTable::find(std::string_view server_name) const noexcept {
  if (!server_name.empty() && server_name.back() == '.') {
    server_name.remove_suffix(1);
  }
  std::array<char, kMaxNameLength> buf;
  if (server_name.empty() || server_name.size() > buf.size()) {
    return kNoMatch;
  }
  std::transform(server_name.begin(), server_name.end(), buf.begin(), asciiLower);
  const std::string_view name(buf.data(), server_name.size());

  if (const size_t index = findIn(exact_, name); index != kNoMatch) {
    return index;
  }
  // One label, not empty, in front of the wildcard's suffix.
  const size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos) {
    return kNoMatch;
  }
  return findIn(wildcard_, name.substr(dot + 1));
}

size_t SniTable::findIn(const std::vector<Entry>& entries, std::string_view name) noexcept {
  const auto it = std::lower_bound(
      entries.begin(), entries.end(), name,
      [](const Entry& entry, std::string_view key) { return std::string_view(entry.name) < key; });
  if (it == entries.end() || it->name != name) {
    return kNoMatch;
  }
  return it->index;
}

std::vector<std::string> certificateNames(X509* cert) {
  std::vector<std::string> names = subjectAltDnsNames(cert);
  if (names.empty()) {
    // RFC 6125 lets clients fall back to the CN only when there is no DNS subjectAltName; we
    // route the same way so SNI selection agrees with what the client will verify.
    if (std::string name = commonName(cert); !name.empty()) {
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

} // namespace bulwark::tls
