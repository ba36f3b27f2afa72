# CMake toolchain for arm64 (64-bit Raspberry Pi OS, Debian 12 arm64: Pi 3, 4, 5, Zero 2 W):
#   cmake -S . -B DIR -DCMAKE_TOOLCHAIN_FILE=scripts/cross/aarch64-linux-gnu.cmake \
#         -DCMAKE_SYSROOT=SYSROOT        (SYSROOT from scripts/cross/sysroot.sh arm64)
set(LANSYNC_CROSS_TRIPLET aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(LANSYNC_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain.cmake)
