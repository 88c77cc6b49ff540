#pragma once
// A vector of trivially copyable values with inline storage for the common case
// (shapes and strides rarely exceed 6 dims); grows onto the heap beyond that.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <new>
#include <type_traits>
#include <vector>

namespace td {

template <typename T, std::size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVector holds trivially copyable values");

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  SmallVector(std::initializer_list<T> values) { assign(values.begin(), values.end()); }
  explicit SmallVector(std::size_t count, T value = T()) {
    resize(count, value);
  }
  template <typename It, typename = decltype(*std::declval<It>())>
  SmallVector(It first, It last) { assign(first, last); }
  SmallVector(const std::vector<T>& values) { assign(values.begin(), values.end()); }
  SmallVector(const SmallVector& other) { copyFrom(other); }
  SmallVector(SmallVector&& other) noexcept { moveFrom(other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) copyFrom(other);
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      release();
      moveFrom(other);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  template <typename It>
  void assign(It first, It last) {
    std::size_t count = static_cast<std::size_t>(std::distance(first, last));
    m_size = 0;
    reserve(count);
    std::size_t i = 0;
    for (; first != last; ++first) m_data[i++] = static_cast<T>(*first);
    m_size = count;
  }

  void reserve(std::size_t capacity) {
    if (capacity <= m_capacity) return;
    T* fresh = static_cast<T*>(::operator new(capacity * sizeof(T)));
    if (m_size) std::memcpy(fresh, m_data, m_size * sizeof(T));
    if (m_data != inlineData()) ::operator delete(m_data);
    m_data = fresh;
    m_capacity = capacity;
  }
  void resize(std::size_t count, T value = T()) {
    reserve(count);
    for (std::size_t i = m_size; i < count; ++i) m_data[i] = value;
    m_size = count;
  }
  void push_back(T value) {
    if (m_size == m_capacity) reserve(m_capacity * 2);
    m_data[m_size++] = value;
  }
  void pop_back() { --m_size; }
  void insert(iterator pos, T value) {
    std::size_t index = static_cast<std::size_t>(pos - m_data);
    push_back(value);
    for (std::size_t i = m_size - 1; i > index; --i) m_data[i] = m_data[i - 1];
    m_data[index] = value;
  }
  void erase(iterator pos) {
    for (T* p = pos; p + 1 < m_data + m_size; ++p) *p = *(p + 1);
    --m_size;
  }
  void clear() { m_size = 0; }

  T* data() { return m_data; }
  const T* data() const { return m_data; }
  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  T& operator[](std::size_t i) { return m_data[i]; }
  const T& operator[](std::size_t i) const { return m_data[i]; }
  T& back() { return m_data[m_size - 1]; }
  const T& back() const { return m_data[m_size - 1]; }
  T* begin() { return m_data; }
  T* end() { return m_data + m_size; }
  const T* begin() const { return m_data; }
  const T* end() const { return m_data + m_size; }

  std::vector<T> vec() const { return std::vector<T>(begin(), end()); }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return a.m_size == b.m_size && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }

 private:
  T* inlineData() { return reinterpret_cast<T*>(m_inline); }
  /// Shapes and strides are copied all the time: up to N values go as one fixed-size copy
  /// of N (both buffers hold at least N: the inline one, or a larger heap block).
  void copyFrom(const SmallVector& other) {
    if (other.m_size <= N) {
      std::memcpy(m_data, other.m_data, N * sizeof(T));
      m_size = other.m_size;
    } else {
      assign(other.begin(), other.end());
    }
  }
  void release() {
    if (m_data != inlineData()) ::operator delete(m_data);
    m_data = inlineData();
    m_capacity = N;
    m_size = 0;
  }
  void moveFrom(SmallVector& other) {
    if (other.m_data == other.inlineData()) {
      m_data = inlineData();
      m_capacity = N;
      std::memcpy(m_data, other.m_data, other.m_size * sizeof(T));
      m_size = other.m_size;
    } else {
      m_data = other.m_data;
      m_capacity = other.m_capacity;
      m_size = other.m_size;
      other.m_data = other.inlineData();
      other.m_capacity = N;
    }
    other.m_size = 0;
  }

  alignas(T) unsigned char m_inline[N * sizeof(T)];
  T* m_data = inlineData();
  std::size_t m_size = 0;
  std::size_t m_capacity = N;
};

/// Shapes, strides, dims and permutations.
using IntList = SmallVector<int64_t, 6>;

}  // namespace td
