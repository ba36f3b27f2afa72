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
// QEMU's emulation drops the part of a tick elapsed at each latch, up to 62.5 ns, so its counter
// runs slow by about 31 ns per read.  The port's wait loop reads it about every 5 ms (main.cpp),
// the rest at each datagram and action: tens of ppm that the board's frequency estimate takes
// as a crystal's.
int64_t local_ns();
// How many times local_ns() latched the counter since timer_start().
uint32_t timer_reads();

// 32 bits of the hardware random number generator (RNG_DATA_REG).
uint32_t random32();

// Disables timer group 0's watchdog, which the ROM's flash boot leaves armed.
void watchdog_off();

}  // namespace c3
