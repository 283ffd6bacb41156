#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/list_file.h"

namespace bulwark::rules {

// What a domain list entry covers: the name alone, or the name and every name below it.
enum class DomainScope : uint8_t { Exact, WithSubdomains };

// How a domain list reads a name written without a leading dot.
enum class BareNames : uint8_t {
  Exact,          // `abc.example.com` is that name alone (the list syntax of shared/DESIGN.md)
  WithSubdomains, // every name also covers its subdomains, as in published block lists that
                  // hold bare names (one domain a line) and mean the whole domain; what the
                  // config key `subdomains: true` of a domain list asks for
};

struct DomainListOptions {
  BareNames bare_names = BareNames::Exact;
};

// One name of a domain list. The name itself lives in the set's arena: DomainSet::name().
struct DomainEntry {
  uint32_t name_offset = 0;
  uint32_t line = 0; // where the name was first written (1-based)
  uint8_t name_length = 0;
  DomainScope scope = DomainScope::Exact;
};

// An immutable set of host names built from a domain list, matched against a Host header or a
// TLS SNI. Once built it is only read: any number of threads may call the const methods at once.
//
// The list, one name a line:
//   abc.example.com        that name only (or also its subdomains with BareNames::WithSubdomains)
//   .example.com           example.com and every name below it, at any depth
//   0.0.0.0 a.example b.c  hosts-file form: after 0.0.0.0, 127.0.0.1, :: or ::1, every name on
//                          the line is an entry as if written on a line of its own
//   # comment              from '#' to the end of a line; blank lines are skipped
// Names are compared without regard to case; one trailing dot is dropped. Internationalised
// names may be written as A-labels (`xn--bcher-kva.example`) or in UTF-8 (`bücher.example`),
// which is converted with IDNA 2008 / UTS #46 non-transitional processing. Refused with a
// problem (file:line and why), the rest of the list still loading: `*.example.com` (write
// `.example.com`), a port, a path or URL, an IPv6 literal, an empty label, a label over 63
// bytes, a name over 253, a character outside letters, digits, '-' and '_', a U-label that is
// not valid IDNA. A name written twice is kept once; if either line covers subdomains, it does.
class DomainSet {
public:
  // An empty set: matches nothing.
  DomainSet() = default;

  // Builds a set from the text of a list. Every line that cannot be taken is appended to
  // `problems` with `file_name` and its line number. Never throws: running out of memory is
  // reported as a whole-file problem and gives an empty set.
  static DomainSet fromText(std::string_view text, std::string_view file_name,
                            std::vector<ListProblem>& problems, DomainListOptions options = {});

  // As fromText, reading the file at `path`. A missing or unreadable file is a problem and
  // gives an empty set.
  static DomainSet fromFile(const std::string& path, std::vector<ListProblem>& problems,
                            DomainListOptions options = {});

  // The entry that covers `host`, or nullptr. `host` is a name as normalizeHost() returns it
  // (lower case, no port, no trailing dot); upper case and one trailing dot are tolerated all
  // the same, anything else that is not a plain name simply matches nothing. When several
  // entries cover the host (`.example.com` and `a.example.com`), the one for the shortest name
  // is returned.
  //
  // Cost: hashing the labels of `host` up to the deepest name in the set, and one hash probe
  // per suffix with as many labels as some name in the set (usually 1-3; at most 127),
  // whatever the size of the set. No allocation.
  const DomainEntry* match(std::string_view host) const noexcept;

  // The name of an entry of this set, lower case, without a leading dot.
  std::string_view name(const DomainEntry& entry) const noexcept {
    return {arena_.data() + entry.name_offset, entry.name_length};
  }

  // Distinct names in the set.
  size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }

  // The file name the set was built from, for logs.
  const std::string& source() const noexcept { return source_; }

  // Heap bytes held by the set (arena, entries and hash table).
  size_t memoryBytes() const noexcept;

private:
  // A hash table slot: the high bits of the name's hash, and the index of its entry plus one
  // (0 marks an empty slot).
  struct Slot {
    uint32_t tag = 0;
    uint32_t entry = 0;
  };

  class Builder;

  // Label counts of the names in the set, as bits 1-127: a suffix of a host is only looked up
  // when some name has as many labels, which spares most probes ("com"), and the walk stops at
  // the deepest name in the set (a host of 100 labels costs no more than one of 4).
  struct DepthMask {
    uint64_t bits[2] = {0, 0};
    size_t highest = 0;
    void add(size_t depth) noexcept {
      bits[depth / 64] |= uint64_t{1} << (depth % 64);
      highest = std::max(highest, depth);
    }
    bool has(size_t depth) const noexcept {
      return depth < 128 && (bits[depth / 64] & (uint64_t{1} << (depth % 64))) != 0;
    }
  };

  const DomainEntry* find(std::string_view name, uint64_t hash) const noexcept;

  std::string source_;
  std::string arena_; // every name, back to back
  std::vector<DomainEntry> entries_;
  std::vector<Slot> slots_; // open addressing, linear probing, a power of two, at most half full
  size_t mask_ = 0;
  DepthMask any_depths_;     // of every name
  DepthMask subtree_depths_; // of names that cover their subdomains
};

} // namespace bulwark::rules
