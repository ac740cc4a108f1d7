/// @file
/// Storage for RatchetTree that grows the way the tree does (RFC 9420 §7.7: by doubling) without
/// moving what it holds. Segment 0 holds index 0 and segment s >= 1 indices [2^(s-1), 2^s), so a
/// doubling adds one segment. Segments are allocated zero-filled with calloc, which maps a large
/// one lazily: adding it costs O(1), and its pages are touched (and paid for) only when used.
/// Growing a vector instead would copy, and touch, the whole tree at every doubling.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace conclave::tree::detail {

inline constexpr unsigned kSegments = 33;  ///< indices up to 2^32 - 1

constexpr unsigned segment_of(uint64_t i) {
  return static_cast<unsigned>(std::bit_width(i));
}
constexpr uint64_t segment_base(unsigned s) {
  return s == 0 ? 0 : uint64_t{1} << (s - 1);
}
constexpr uint64_t segment_length(unsigned s) {
  return s == 0 ? 1 : uint64_t{1} << (s - 1);
}

/// Rows of `row` elements of T by index, zero until written: zero bytes must be a valid T (true of
/// integers and, on the platforms built for, of null pointers).
template <class T>
class SegmentedArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  explicit SegmentedArray(size_t row = 1) : row_(row) {}
  ~SegmentedArray() { release_from(0); }
  SegmentedArray(const SegmentedArray& other) : row_(other.row_) {
    try {
      for (unsigned s = 0; s < other.count_; ++s) {
        allocate();
        std::memcpy(segments_[s], other.segments_[s], segment_length(s) * row_ * sizeof(T));
      }
    } catch (...) {
      release_from(0);
      throw;
    }
  }
  SegmentedArray(SegmentedArray&& other) noexcept
      : row_(other.row_),
        segments_(std::exchange(other.segments_, {})),
        count_(std::exchange(other.count_, 0)) {}
  SegmentedArray& operator=(SegmentedArray other) noexcept {
    std::swap(row_, other.row_);
    std::swap(segments_, other.segments_);
    std::swap(count_, other.count_);
    return *this;
  }

  /// Rows [0, covered()) are addressable.
  uint64_t covered() const { return count_ == 0 ? 0 : uint64_t{1} << (count_ - 1); }
  /// Makes rows [0, n) addressable; new rows are zero.
  void cover(uint64_t n) {
    while (covered() < n)
      allocate();
  }
  /// Frees the segments whose rows all lie at or past n.
  void release_from(uint64_t n) {
    while (count_ > 0 && segment_base(count_ - 1) >= n) {
      --count_;
      std::free(segments_[count_]);
      segments_[count_] = nullptr;
    }
  }

  T* row(uint64_t i) {
    const unsigned s = segment_of(i);
    return segments_[s] + (i - segment_base(s)) * row_;
  }
  const T* row(uint64_t i) const {
    const unsigned s = segment_of(i);
    return segments_[s] + (i - segment_base(s)) * row_;
  }
  T& operator[](uint64_t i) { return *row(i); }
  const T& operator[](uint64_t i) const { return *row(i); }

 private:
  void allocate() {
    void* p = std::calloc(segment_length(count_) * row_, sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    segments_[count_++] = static_cast<T*>(p);
  }

  size_t row_;
  std::array<T*, kSegments> segments_{};
  unsigned count_ = 0;  ///< segments [0, count_) are allocated
};

/// Optional values by index, each held on the heap: a blank slot costs a null pointer.
template <class T>
class SegmentedSlots {
 public:
  SegmentedSlots() = default;
  ~SegmentedSlots() { clear_from(0); }
  SegmentedSlots(const SegmentedSlots& other) {
    slots_.cover(other.slots_.covered());
    try {
      for (uint64_t i = 0; i < other.end_; ++i)
        if (const T* v = other.get(i)) slots_[i] = new T(*v);
      end_ = other.end_;
    } catch (...) {
      end_ = other.end_;
      clear_from(0);
      throw;
    }
  }
  SegmentedSlots(SegmentedSlots&& other) noexcept
      : slots_(std::move(other.slots_)), end_(std::exchange(other.end_, 0)) {}
  SegmentedSlots& operator=(SegmentedSlots other) noexcept {
    std::swap(slots_, other.slots_);
    std::swap(end_, other.end_);
    return *this;
  }

  /// Null when blank. i must be covered.
  const T* get(uint64_t i) const { return slots_[i]; }
  T* get(uint64_t i) { return slots_[i]; }
  void set(uint64_t i, std::optional<T> value) {
    T* fresh = value ? new T(std::move(*value)) : nullptr;
    delete std::exchange(slots_[i], fresh);
    if (fresh != nullptr && i >= end_) end_ = i + 1;
  }
  void cover(uint64_t n) { slots_.cover(n); }
  /// Deletes the values at or past n, then frees the segments wholly past n.
  void release_from(uint64_t n) {
    clear_from(n);
    slots_.release_from(n);
  }

 private:
  void clear_from(uint64_t n) {
    for (uint64_t i = n; i < end_; ++i)
      delete std::exchange(slots_[i], nullptr);
    if (end_ > n) end_ = n;
  }

  SegmentedArray<T*> slots_;
  uint64_t end_ = 0;  ///< one past the highest index ever set since cleared: the rest is null
};

}  // namespace conclave::tree::detail
