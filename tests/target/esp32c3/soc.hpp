// The ESP32-C3's few peripherals the bare-metal board needs, by their registers (the C3's
// technical reference manual; QEMU's esp32c3 machine emulates the same): UART0 for the status
// lines, the system timer as the board's local counter, the random number register, and the
// watchdog the ROM leaves running.  No ESP-IDF, no interrupts: everything is polled.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace c3 {

// The 32-bit memory-mapped register at address.
inline volatile uint32_t& reg(uint32_t address) { return *reinterpret_cast<volatile uint32_t*>(address); }

// Writes size bytes to UART0 (115200 8N1 as the ROM set it), waiting while its FIFO is full.
void uart_write(const char* text, size_t size);

// Starts the system timer's unit 0 (16 MHz, 52 bits); then local_ns() counts from about then.
void timer_start();
// The system timer's unit 0 in ns.  Each read latches the counter (SYSTIMER_UNIT0_OP.UPDATE):
// QEMU's emulation drops the part of a tick elapsed at each latch, 0 to 62.5 ns, so its counter
// alone runs slow by about 31 ns per read.  How often the port reads it follows the host's load
// (300 to 3 000 times a second), so the loss is not a steady rate that a crystal's frequency
// estimate could take up: it moved the board's clock by 2 ms against its stated 1 ms in a loaded
// CI run.  local_ns() adds back the mean loss, 31.25 ns a read; what is left is a random walk of
// 18 ns a read (4 us over a 16 s poll at 3 000 reads a second).  A real C3 loses nothing.
int64_t local_ns();
// How many times local_ns() latched the counter since timer_start().
uint32_t timer_reads();

// 32 bits of the hardware random number generator (RNG_DATA_REG).
uint32_t random32();

// Disables timer group 0's watchdog, which the ROM's flash boot leaves armed.
void watchdog_off();

}  // namespace c3
