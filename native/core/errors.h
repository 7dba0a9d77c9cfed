// Typed errors thrown by native code. The addon turns each into a JS Error whose
// message names the op and what was wrong; nothing in native/ calls abort() or exit().
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace tn {

// Base of every error native code throws on purpose.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A shape, size or argument that does not fit what an op expects. TypeScript validates
// first; this is the cheap native re-check that keeps a bad call from corrupting memory.
// Reaches JS as a RangeError.
class ShapeError : public Error {
 public:
  explicit ShapeError(const std::string& message) : Error(message) {}
};

// A size argument out of range, or sizes whose product is too large (See Note [Checked sizes
// at the native boundary] in checked_size.h). Reaches JS as a RangeError, as ShapeError does.
class SizeError : public ShapeError {
 public:
  explicit SizeError(const std::string& message) : ShapeError(message) {}
};

// Builds a message from streamable parts: tn::concat("expected ", n, " but got ", m).
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

}  // namespace tn

// TN_CHECK(cond, parts...): throws tn::ShapeError with the concatenated parts when cond is false.
#define TN_CHECK(cond, ...)                                  \
  do {                                                       \
    if (!(cond)) throw ::tn::ShapeError(::tn::concat(__VA_ARGS__)); \
  } while (0)
