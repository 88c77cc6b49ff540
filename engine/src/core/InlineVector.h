#pragma once
// A vector of up to N elements stored inline (no heap allocation), for any element
// type; beyond N it spills to a std::vector. Used by graph nodes, whose inputs,
// edges and saved tensors are almost always 1 to 3.
#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace td::detail {

template <typename T, std::size_t N>
class InlineVector {
 public:
  InlineVector() = default;
  InlineVector(const InlineVector&) = delete;
  InlineVector& operator=(const InlineVector&) = delete;
  ~InlineVector() { clear(); }

  void push_back(T value) {
    if (m_size < N) new (slot(m_size)) T(std::move(value));
    else m_spill.push_back(std::move(value));
    ++m_size;
  }
  void resize(std::size_t n) {
    while (m_size > n) pop_back();
    while (m_size < n) push_back(T());
  }
  void pop_back() {
    --m_size;
    if (m_size >= N) m_spill.pop_back();
    else slot(m_size)->~T();
  }
  void clear() {
    while (m_size > 0) pop_back();
  }
  void reserve(std::size_t) {}

  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  T& operator[](std::size_t i) { return i < N ? *slot(i) : m_spill[i - N]; }
  const T& operator[](std::size_t i) const { return i < N ? *slot(i) : m_spill[i - N]; }

  class iterator {
   public:
    iterator(InlineVector* v, std::size_t i) : m_v(v), m_i(i) {}
    T& operator*() const { return (*m_v)[m_i]; }
    T* operator->() const { return &(*m_v)[m_i]; }
    iterator& operator++() {
      ++m_i;
      return *this;
    }
    bool operator!=(const iterator& o) const { return m_i != o.m_i; }
    bool operator==(const iterator& o) const { return m_i == o.m_i; }

   private:
    InlineVector* m_v;
    std::size_t m_i;
  };
  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, m_size); }

 private:
  T* slot(std::size_t i) { return std::launder(reinterpret_cast<T*>(m_storage + i * sizeof(T))); }
  const T* slot(std::size_t i) const { return std::launder(reinterpret_cast<const T*>(m_storage + i * sizeof(T))); }

  alignas(T) unsigned char m_storage[N * sizeof(T)];
  std::size_t m_size = 0;
  std::vector<T> m_spill;
};

}  // namespace td::detail
