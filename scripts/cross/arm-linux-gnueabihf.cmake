# CMake toolchain for armhf (32-bit Raspberry Pi OS, Debian 12 armhf: 32-bit
# time_t and long, unsigned char):
#   cmake -S . -B DIR -DCMAKE_TOOLCHAIN_FILE=scripts/cross/arm-linux-gnueabihf.cmake \
#         -DCMAKE_SYSROOT=SYSROOT        (SYSROOT from scripts/cross/sysroot.sh armhf)
set(LANSYNC_CROSS_TRIPLET arm-linux-gnueabihf)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(LANSYNC_QEMU qemu-arm)
# GCC 7.1 changed how some arguments are passed on ARM; nothing here links code built before it.
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain.cmake)
