/* Startup for the self-test on RV32 under qemu-riscv32 (Linux user mode):
 * _start sets the global pointer, calls main and exits through the Linux
 * system call; out() is write(2).  No C runtime, no constructors (the
 * self-test has none); memcpy and memset come from picolibc. */
#include <stddef.h>

int main(void);

static long linux_syscall(long number, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = number;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

void out(const char* text, size_t size) { linux_syscall(64 /* write */, 1, (long)text, (long)size); }

void start_c(void) {
  linux_syscall(93 /* exit */, main(), 0, 0);
  for (;;) {
  }
}

__asm__(
    ".section .text._start\n"
    ".global _start\n"
    "_start:\n"
    ".option push\n"
    ".option norelax\n"
    "  la gp, __global_pointer$\n"
    ".option pop\n"
    "  call start_c\n");
