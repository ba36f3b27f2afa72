/* out() for the self-test's host build: write(2) to stdout. */
#include <stddef.h>
#include <unistd.h>

void out(const char* text, size_t size) {
  while (size > 0) {
    ssize_t n = write(1, text, size);
    if (n <= 0) return;
    text += n;
    size -= (size_t)n;
  }
}
