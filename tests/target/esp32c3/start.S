/* Entry from the ESP32-C3's ROM, which loaded the image's segments into IRAM and DRAM and jumps
 * here with interrupts in whatever state it left them: interrupts off, the global pointer and
 * the stack set, .bss zeroed, constructors run (c3.ld gathers them), then main.  No C runtime. */
  .section .text.c3_entry, "ax"
  .global c3_entry
c3_entry:
  csrci mstatus, 8
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  la a0, __bss_start
  la a1, __bss_end
1:
  bgeu a0, a1, 2f
  sw zero, 0(a0)
  addi a0, a0, 4
  j 1b
2:
  la s0, __init_array_start
  la s1, __init_array_end
3:
  bgeu s0, s1, 4f
  lw a0, 0(s0)
  jalr a0
  addi s0, s0, 4
  j 3b
4:
  call main
5:
  j 5b
