// Checked size arithmetic: the one way native code turns size arguments into buffer lengths.
//
// Note [Checked sizes at the native boundary]
// Every function JavaScript can call computes the number of elements each of its buffers
// must hold from its size arguments, and checks the buffers against those numbers before any
// kernel runs. The products are where this used to go wrong: int64 products of sizes such as
// 2^32 x 2^32 wrap around (to 0, or to a small number), so a check "buffer holds at least
// rows*cols elements" passes for any buffer, and a negative size turned into a huge unsigned
// count. So every size goes through here:
//   * each size is an integer in [0, kMaxElements] (size_arg in the glue: a RangeError naming
//     the argument otherwise, before any arithmetic);
//   * products and sums of sizes are computed by elements() / extent(), with overflow checks,
//     and must stay <= kMaxElements, a bound far above any buffer a process can hold (2^40
//     float32 = 4 TiB) and far below int64's range, so the kernels' own index arithmetic on
//     checked sizes (products of a few of them) cannot overflow either.
// A failed check throws tn::SizeError, which the glue turns into a JS RangeError whose message
// starts with "tensornode <function>: " and names the sizes involved.
#pragma once
#include <cstdint>
#include <initializer_list>

#include "core/errors.h"

namespace tn {

// The largest number of elements any buffer, or any product of sizes, may have.
constexpr int64_t kMaxElements = int64_t(1) << 40;

// A size argument and its name, as the caller spelled it ("batch", "outDim").
struct NamedSize {
  const char* name;
  int64_t value;
};

// Throws SizeError unless 0 <= size.value <= kMaxElements.
inline int64_t checked_size(NamedSize size) {
  if (size.value < 0 || size.value > kMaxElements)
    throw SizeError(concat("Expected a size in [0, 2^40] for ", size.name, " but received ", size.value));
  return size.value;
}

// The product of the sizes: the elements of a buffer of these dimensions. Throws SizeError
// naming every size when one is out of range or the product exceeds kMaxElements.
inline int64_t elements(std::initializer_list<NamedSize> sizes) {
  int64_t product = 1;
  bool zero = false;
  for (const NamedSize& s : sizes) {
    checked_size(s);
    if (s.value == 0) zero = true;
  }
  if (zero) return 0;
  for (const NamedSize& s : sizes) {
    if (product > kMaxElements / s.value) {
      std::string list;
      for (const NamedSize& t : sizes) list += concat(list.empty() ? "" : " x ", t.name, " (", t.value, ")");
      throw SizeError(concat("the sizes ", list, " need more than 2^40 elements"));
    }
    product *= s.value;
  }
  return product;
}

// Elements spanned by a row-major rows x cols matrix whose rows are `ld` elements apart
// ((rows - 1) * ld + cols; 0 when empty). Throws SizeError as elements() does.
inline int64_t extent(NamedSize rows, NamedSize cols, NamedSize ld) {
  if (elements({rows, cols}) == 0) return 0;
  const int64_t full = elements({NamedSize{rows.name, rows.value - 1}, ld});
  if (full > kMaxElements - cols.value)
    throw SizeError(concat("a ", rows.name, " (", rows.value, ") x ", cols.name, " (", cols.value, ") matrix with ", ld.name,
                           " ", ld.value, " spans more than 2^40 elements"));
  return full + cols.value;
}

}  // namespace tn
