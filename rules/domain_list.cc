#include "rules/domain_list.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

#include <idn2.h>

#include "rules/normalize.h"

namespace bulwark::rules {
namespace {

constexpr size_t kMaxNameLength = 253;
constexpr size_t kMaxLabelLength = 63;
constexpr uint64_t kHashSeed = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kHashMultiplier = 0xbf58476d1ce4e5b9ULL;
// Setting bit 0x20 of every byte folds ASCII letters without a branch. It also maps '_' onto
// DEL and a few other bytes onto each other, which costs at worst a collision: equality is
// checked exactly.
constexpr uint64_t kFoldBits = 0x2020202020202020ULL;

// Only ASCII letters fold: host names on the wire are ASCII (IDNs travel as xn--).
inline uint8_t foldByte(char c) noexcept {
  const auto byte = static_cast<uint8_t>(c);
  return (byte >= 'A' && byte <= 'Z') ? static_cast<uint8_t>(byte + ('a' - 'A')) : byte;
}

inline uint64_t load64(const char* bytes) noexcept {
  uint64_t word = 0;
  std::memcpy(&word, bytes, sizeof(word));
  return word;
}

inline uint64_t load32(const char* bytes) noexcept {
  uint32_t word = 0;
  std::memcpy(&word, bytes, sizeof(word));
  return word;
}

inline uint64_t hashWord(uint64_t hash, uint64_t word) noexcept {
  hash = (hash ^ (word | kFoldBits)) * kHashMultiplier;
  return hash ^ (hash >> 32);
}

// Hashes one label eight bytes at a time; a short or ragged end is read as overlapping words,
// never past the label. The length takes part, so the overlaps are unambiguous.
inline uint64_t hashLabel(std::string_view label) noexcept {
  const char* bytes = label.data();
  size_t size = label.size();
  const uint64_t hash = kHashSeed ^ (size * kHashMultiplier);
  if (size >= 8) {
    uint64_t words = hash;
    for (; size > 8; bytes += 8, size -= 8) {
      words = hashWord(words, load64(bytes));
    }
    return hashWord(words, load64(bytes + size - 8));
  }
  if (size >= 4) {
    return hashWord(hash, load32(bytes) | (load32(bytes + size - 4) << 32));
  }
  if (size > 0) {
    const auto byte = [&](size_t i) {
      return static_cast<uint64_t>(static_cast<uint8_t>(bytes[i]));
    };
    return hashWord(hash, byte(0) | (byte(size / 2) << 8) | (byte(size - 1) << 16));
  }
  return hash;
}

// The hash of a name is built label by label from the right, so that one pass over a host
// yields the hash of each of its suffixes on the way: "com", then "example.com", then
// "www.example.com".
inline uint64_t extendSuffixHash(uint64_t suffix, std::string_view label) noexcept {
  return hashWord(suffix, hashLabel(label));
}

// The start of the label that ends at `end` (the position after its last byte).
inline size_t labelStart(std::string_view name, size_t end) noexcept {
  size_t start = end;
  while (start > 0 && name[start - 1] != '.') {
    --start;
  }
  return start;
}

size_t labelCount(std::string_view name) noexcept {
  return static_cast<size_t>(std::count(name.begin(), name.end(), '.')) + 1;
}

uint64_t hashName(std::string_view name) noexcept {
  uint64_t hash = kHashSeed;
  size_t end = name.size();
  while (true) {
    const size_t start = labelStart(name, end);
    hash = extendSuffixHash(hash, name.substr(start, end - start));
    if (start == 0) {
      return hash;
    }
    end = start - 1;
  }
}

// The slot index is taken from the low bits, the tag from the high ones.
inline uint64_t mixHash(uint64_t hash) noexcept {
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  return hash;
}

bool equalsFolded(std::string_view stored, std::string_view host) noexcept {
  for (size_t i = 0; i < stored.size(); ++i) {
    if (static_cast<uint8_t>(stored[i]) != foldByte(host[i])) {
      return false;
    }
  }
  return true;
}

bool isHostsAddress(std::string_view field) noexcept {
  return field == "0.0.0.0" || field == "127.0.0.1" || field == "::" || field == "::1";
}

inline bool isFieldSpace(char c) noexcept {
  return c == ' ' || c == '\t';
}

// Splits a line on spaces and tabs. (Hand-written: string_view::find_first_of calls memchr once
// per byte, which was a third of the time to load a million names.)
std::vector<std::string_view> splitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && isFieldSpace(line[pos])) {
      ++pos;
    }
    const size_t start = pos;
    while (pos < line.size() && !isFieldSpace(line[pos])) {
      ++pos;
    }
    if (pos > start) {
      fields.push_back(line.substr(start, pos - start));
    }
  }
  return fields;
}

bool hasFieldSpace(std::string_view line) noexcept {
  for (const char c : line) {
    if (isFieldSpace(c)) {
      return true;
    }
  }
  return false;
}

// What, besides the characters normalizeHost checks, a name may hold that deserves its own
// message.
enum class NameShape { Plain, Path, PortOrAddress, NonAscii };

NameShape nameShape(std::string_view name) noexcept {
  NameShape shape = NameShape::Plain;
  for (const char c : name) {
    if (c == '/') {
      return NameShape::Path; // before ':', so that a URL is called a URL
    }
    if (c == ':' || c == '[' || c == ']') {
      shape = NameShape::PortOrAddress;
    } else if (static_cast<uint8_t>(c) >= 0x80 && shape == NameShape::Plain) {
      shape = NameShape::NonAscii;
    }
  }
  return shape;
}

std::string quoted(std::string_view text) {
  constexpr size_t kShown = 80;
  std::string out = "'";
  out.append(text.substr(0, kShown));
  out.append(text.size() > kShown ? "...'" : "'");
  return out;
}

std::string byteName(char c) {
  const auto byte = static_cast<uint8_t>(c);
  if (byte > 0x20 && byte < 0x7f) {
    return std::string("character '") + c + "'";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xf];
}

// Why normalizeHost refused `name`, in words an operator can act on.
std::string describeBadName(std::string_view name) {
  if (name.empty()) {
    return "empty name";
  }
  if (name.size() > kMaxNameLength + 1) {
    return "name longer than 253 bytes";
  }
  size_t start = 0;
  while (start <= name.size()) {
    const size_t end = std::min(name.find('.', start), name.size());
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() && end != name.size()) {
      return "empty label";
    }
    if (label.size() > kMaxLabelLength) {
      return "label longer than 63 bytes";
    }
    for (const char c : label) {
      const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!allowed) {
        return byteName(c) + " not allowed in a host name";
      }
    }
    start = end + 1;
  }
  return "not a valid host name";
}

// Converts a UTF-8 name to its A-label form. On failure returns empty and sets `error`.
std::string toAsciiName(std::string_view name, std::string& error) {
  const std::string input(name);
  char* output = nullptr;
  const int rc = idn2_to_ascii_8z(input.c_str(), &output, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  const std::unique_ptr<char, decltype(&idn2_free)> owned(output, &idn2_free);
  if (rc != IDN2_OK || output == nullptr) {
    error = std::string("not a valid internationalised name: ") + idn2_strerror(rc);
    return {};
  }
  return std::string(output);
}

} // namespace

// Builds a DomainSet line by line. Names are appended to one arena; the table grows by doubling
// when it would pass half full, though fromText sizes it for the line count up front.
class DomainSet::Builder {
public:
  Builder(std::string_view file_name, std::vector<ListProblem>& problems, DomainListOptions options)
      : problems_(problems), options_(options) {
    set_.source_ = std::string(file_name);
  }

  void reserve(size_t names, size_t arena_bytes) {
    set_.entries_.reserve(names);
    set_.arena_.reserve(arena_bytes);
    rehash(std::bit_ceil(std::max<size_t>(16, names * 2)));
  }

  void addLine(uint32_t line, std::string_view content) {
    if (!hasFieldSpace(content)) {
      addName(line, content);
      return;
    }
    const std::vector<std::string_view> fields = splitFields(content);
    if (!isHostsAddress(fields[0])) {
      report(line, "expected one name a line (or a hosts-file line '0.0.0.0 name ...'), got " +
                       quoted(content));
      return;
    }
    for (size_t i = 1; i < fields.size(); ++i) {
      addName(line, fields[i]);
    }
  }

  DomainSet finish() {
    set_.entries_.shrink_to_fit();
    set_.arena_.shrink_to_fit();
    return std::move(set_);
  }

private:
  void report(uint32_t line, std::string reason) {
    problems_.push_back({set_.source_, line, std::move(reason)});
  }

  void addName(uint32_t line, std::string_view written) {
    std::string_view name = written;
    DomainScope scope = options_.bare_names == BareNames::WithSubdomains
                            ? DomainScope::WithSubdomains
                            : DomainScope::Exact;
    if (name.starts_with("*.")) {
      report(line, quoted(written) + ": wildcards are not supported; write '." +
                       std::string(name.substr(2)) + "' for the domain and its subdomains");
      return;
    }
    if (name.starts_with('.')) {
      name.remove_prefix(1);
      scope = DomainScope::WithSubdomains;
    }

    std::string normalized = normalizeName(line, written, name);
    if (!normalized.empty()) {
      insert(normalized, scope, line);
    }
  }

  // The name as stored, or empty after reporting why it cannot be.
  std::string normalizeName(uint32_t line, std::string_view written, std::string_view name) {
    const NameShape shape = nameShape(name);
    if (shape == NameShape::Path) {
      report(line, quoted(written) + ": a URL or path; a domain list holds host names only");
      return {};
    }
    if (shape == NameShape::PortOrAddress) {
      report(line, quoted(written) + ": a port or IPv6 address; a domain list holds names only");
      return {};
    }

    std::string ascii;
    if (shape == NameShape::NonAscii) {
      std::string error;
      ascii = toAsciiName(name, error);
      if (ascii.empty()) {
        report(line, quoted(written) + ": " + error);
        return {};
      }
      name = ascii;
    }

    std::string normalized = normalizeHost(name);
    if (normalized.empty()) {
      report(line, quoted(written) + ": " + describeBadName(name));
    }
    return normalized;
  }

  void insert(std::string_view name, DomainScope scope, uint32_t line) {
    const uint64_t hash = hashName(name);
    const size_t depth = labelCount(name);
    if (scope == DomainScope::WithSubdomains) {
      set_.subtree_depths_.add(depth);
    }
    set_.any_depths_.add(depth);
    if (const DomainEntry* existing = set_.find(name, hash)) {
      // The same name written twice: the wider scope wins, the first line is kept.
      if (scope == DomainScope::WithSubdomains) {
        set_.entries_[existing - set_.entries_.data()].scope = scope;
      }
      return;
    }
    if (set_.arena_.size() + name.size() > std::numeric_limits<uint32_t>::max() ||
        set_.entries_.size() + 1 >= std::numeric_limits<uint32_t>::max()) {
      report(line, "list too large: more than 4 GiB of names");
      return;
    }
    if ((set_.entries_.size() + 1) * 2 > set_.slots_.size()) {
      rehash(set_.slots_.size() * 2);
    }

    DomainEntry entry;
    entry.name_offset = static_cast<uint32_t>(set_.arena_.size());
    entry.name_length = static_cast<uint8_t>(name.size());
    entry.line = line;
    entry.scope = scope;
    set_.arena_.append(name);
    set_.entries_.push_back(entry);
    place(hash, static_cast<uint32_t>(set_.entries_.size()));
  }

  void place(uint64_t hash, uint32_t entry_plus_one) {
    const uint64_t mixed = mixHash(hash);
    size_t index = mixed & set_.mask_;
    while (set_.slots_[index].entry != 0) {
      index = (index + 1) & set_.mask_;
    }
    set_.slots_[index] = {static_cast<uint32_t>(mixed >> 32), entry_plus_one};
  }

  void rehash(size_t capacity) {
    set_.slots_.assign(capacity, Slot{});
    set_.mask_ = capacity - 1;
    for (size_t i = 0; i < set_.entries_.size(); ++i) {
      place(hashName(set_.name(set_.entries_[i])), static_cast<uint32_t>(i + 1));
    }
  }

  DomainSet set_;
  std::vector<ListProblem>& problems_;
  DomainListOptions options_;
};

DomainSet DomainSet::fromText(std::string_view text, std::string_view file_name,
                              std::vector<ListProblem>& problems, DomainListOptions options) {
  try {
    Builder builder(file_name, problems, options);
    builder.reserve(countListLines(text), text.size());
    forEachListLine(text, TrailingComments::Allowed, [&](uint32_t line, std::string_view content) {
      builder.addLine(line, content);
    });
    return builder.finish();
  } catch (const std::exception& e) {
    problems.push_back({std::string(file_name), 0, std::string("cannot load list: ") + e.what()});
    return {};
  }
}

DomainSet DomainSet::fromFile(const std::string& path, std::vector<ListProblem>& problems,
                              DomainListOptions options) {
  const std::optional<std::string> text = readListFile(path, problems);
  if (!text) {
    DomainSet empty;
    empty.source_ = path;
    return empty;
  }
  return fromText(*text, path, problems, options);
}

const DomainEntry* DomainSet::find(std::string_view name, uint64_t hash) const noexcept {
  const uint64_t mixed = mixHash(hash);
  const auto tag = static_cast<uint32_t>(mixed >> 32);
  // The table is never more than half full, so the walk ends at an empty slot.
  for (size_t index = mixed & mask_;; index = (index + 1) & mask_) {
    const Slot slot = slots_[index];
    if (slot.entry == 0) {
      return nullptr;
    }
    if (slot.tag != tag) {
      continue;
    }
    const DomainEntry& entry = entries_[slot.entry - 1];
    if (entry.name_length == name.size() && equalsFolded(this->name(entry), name)) {
      return &entry;
    }
  }
}

const DomainEntry* DomainSet::match(std::string_view host) const noexcept {
  if (host.ends_with('.')) {
    host.remove_suffix(1);
  }
  if (slots_.empty() || host.empty() || host.size() > kMaxNameLength) {
    return nullptr;
  }

  // Walk the host label by label from its end. Shorter suffixes only match entries that cover
  // subdomains; the whole host matches either kind.
  uint64_t hash = kHashSeed;
  size_t end = host.size();
  for (size_t depth = 1; depth <= any_depths_.highest; ++depth) {
    const size_t start = labelStart(host, end);
    hash = extendSuffixHash(hash, host.substr(start, end - start));
    if (start == 0) {
      return any_depths_.has(depth) ? find(host, hash) : nullptr;
    }
    if (subtree_depths_.has(depth)) {
      const DomainEntry* entry = find(host.substr(start), hash);
      if (entry != nullptr && entry->scope == DomainScope::WithSubdomains) {
        return entry;
      }
    }
    end = start - 1;
  }
  return nullptr;
}

size_t DomainSet::memoryBytes() const noexcept {
  return arena_.capacity() + entries_.capacity() * sizeof(DomainEntry) +
         slots_.capacity() * sizeof(Slot);
}

} // namespace bulwark::rules
