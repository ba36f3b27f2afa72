# The part of the cross toolchains that both Pi architectures share: Debian's
# cross compiler LANSYNC_CROSS_TRIPLET-g++ (crossbuild-essential-*), the
# target's libraries from a sysroot (-DCMAKE_SYSROOT=DIR, as
# scripts/cross/sysroot.sh makes one) or, without one, from Debian's multiarch
# directories, and qemu-user to run what was built (ctest, gtest discovery).
# Included by arm-linux-gnueabihf.cmake and aarch64-linux-gnu.cmake, which
# set the triplet, the processor and the emulator.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${LANSYNC_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${LANSYNC_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${LANSYNC_CROSS_TRIPLET})

# Headers, libraries and CMake packages of the target only; programs of the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config reads the target's .pc files and prefixes their paths with the sysroot.
set(ENV{PKG_CONFIG_LIBDIR}
    "${CMAKE_SYSROOT}/usr/lib/${LANSYNC_CROSS_TRIPLET}/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
set(ENV{PKG_CONFIG_PATH} "")

if(CMAKE_SYSROOT)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LANSYNC_QEMU} -L ${CMAKE_SYSROOT})
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LANSYNC_QEMU})
endif()
