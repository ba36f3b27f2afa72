#!/usr/bin/env python3
"""Packs an RV32 ELF into the ESP32-C3's boot image and a 4 MiB flash holding it at offset 0.

The ROM reads the image from flash offset 0 and loads its segments into IRAM and DRAM: a 24-byte
header (magic 0xE9, the segment count, SPI mode and flash size and speed, the entry point, then the
extended header with the chip's id, 5 for the C3, and its revisions), each segment as its load
address, its length and its bytes, a checksum byte (0xEF xor every segment byte) at the end of a
16-byte block, and the SHA-256 of all of it, which the ROM checks when the header says so.

  mkimage.py ELF FLASH_BIN
"""
import hashlib
import struct
import sys

FLASH_SIZE = 4 * 1024 * 1024
CHIP_ID_C3 = 5
MAX_REV_FULL = 199  # v1.99, as ESP-IDF writes for the C3


def load_segments(path):
    elf = open(path, "rb").read()
    if elf[:4] != b"\x7fELF" or elf[4] != 1 or elf[5] != 1:
        sys.exit(f"mkimage: {path}: not a 32-bit little-endian ELF")
    entry, phoff = struct.unpack_from("<II", elf, 24)
    phentsize, phnum = struct.unpack_from("<HH", elf, 42)
    segments = []
    for i in range(phnum):
        p_type, offset, _vaddr, paddr, filesz, _memsz, _flags, _align = struct.unpack_from(
            "<8I", elf, phoff + i * phentsize)
        if p_type == 1 and filesz > 0:  # PT_LOAD with bytes in the file
            data = elf[offset:offset + filesz]
            segments.append((paddr, data + b"\0" * (-len(data) % 4)))
    return entry, segments


def image(entry, segments):
    header = struct.pack("<BBBBI", 0xE9, len(segments), 2, 0x20, entry)  # DIO, 4 MB, 40 MHz
    header += struct.pack("<B3sHBHH4sB", 0xEE, b"\0\0\0", CHIP_ID_C3, 0, 0, MAX_REV_FULL, b"\0" * 4, 1)
    body = b""
    checksum = 0xEF
    for address, data in segments:
        body += struct.pack("<II", address, len(data)) + data
        for byte in data:
            checksum ^= byte
    out = header + body
    out += b"\0" * (15 - len(out) % 16) + bytes([checksum])
    return out + hashlib.sha256(out).digest()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkimage.py ELF FLASH_BIN")
    entry, segments = load_segments(sys.argv[1])
    img = image(entry, segments)
    with open(sys.argv[2], "wb") as f:
        f.write(img + b"\xff" * (FLASH_SIZE - len(img)))
    sizes = ", ".join(f"{len(d)} bytes at {a:#010x}" for a, d in segments)
    print(f"mkimage: entry {entry:#010x}; {sizes}")


main()
