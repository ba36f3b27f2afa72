/* The simulated Pi's temperature sensor (tests/sim/lib.sh, SENSOR_RECORDS).

   $SIM_SENSOR_RECORDS holds the sensor's readings, one fixed-width record of RECORD_BYTES a
   simulated second (tests/sim/thermal.py); record k is what $SIM_SENSOR_FILE, the file the
   daemon reads as /sys/class/thermal/thermal_zone0/temp, shows from second k to second k + 1.
   Two ways to run:

   sensor_writer          a node of the simulation (clknetsim.so preloaded, its clock perfect:
                          no freq or offset in clknetsim's configuration): writes record 0, then
                          sleeps in simulated time to the next second whose reading differs
                          (about one in five: the sensor's steps and noise) and writes it 1 us
                          into that second.  What lib.sh runs: clknetsim goes on without it
                          between its writes.
   sensor_writer TIME     for clknetsim's -e, which runs it at every update (each simulated
                          second) with the time, and waits for it: writes record floor(TIME) if
                          it differs from the one before (both read with one pread).  Exact, but
                          a fork a simulated second; lib.sh runs it so with
                          LANSYNC_SIM_SENSOR_EXEC=1, to measure that cost or compare the two.
                          (clknetsim prints the time with %g: exact below 1 000 000 s.)
   A time past the records keeps the last one.

   The file is written in place (its bytes, then its length), not renamed over: a rename over
   a file costs 0.6-0.8 ms on ext4 (replace-via-rename flushes the new file's blocks), 80 times
   the write.  A reader cannot see a write half done all the same: clknetsim runs the nodes one
   simulated instant at a time, and lets this one write at an instant of its own (1 us past a
   second; with -e, while every node waits). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#define RECORD_BYTES 8

static const char* file;

/* write_reading RECORD: the sensor's file holds the record's number, without its padding. */
static int write_reading(const char* record) {
  const char* r = record + strspn(record, " ");
  size_t n = (size_t)(record + RECORD_BYTES - r);
  static int fd = -1;

  if (fd < 0 && (fd = open(file, O_WRONLY | O_CREAT, 0644)) < 0) {
    perror(file);
    return 1;
  }
  if (pwrite(fd, r, n, 0) != (ssize_t)n || ftruncate(fd, (off_t)n)) {
    perror(file);
    return 1;
  }
  return 0;
}

/* simulated_s: seconds since the simulation started (this node's clock is perfect). */
static double simulated_s(void) {
  static double start = -1.0;
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (start < 0.0) start = ts.tv_sec + ts.tv_nsec * 1e-9;
  return ts.tv_sec + ts.tv_nsec * 1e-9 - start;
}

/* as_node FD LAST: write record 0, then each change at its second, until clknetsim ends the
   node (SIGTERM, whose default ends the process). */
static int as_node(int fd, off_t last) {
  char prev[RECORD_BYTES], rec[RECORD_BYTES];
  off_t k = 0;

  simulated_s();
  if (pread(fd, prev, RECORD_BYTES, 0) != RECORD_BYTES || write_reading(prev)) return 1;
  for (;;) {
    /* the next second whose reading differs (none: sleep to the end) */
    while (++k <= last && pread(fd, rec, RECORD_BYTES, k * RECORD_BYTES) == RECORD_BYTES &&
           !memcmp(rec, prev, RECORD_BYTES))
      ;
    for (;;) {
      double wait_s = (k <= last ? (double)k + 1e-6 : 1e9) - simulated_s();
      long long wait_us = (long long)(wait_s * 1e6) + 1;
      struct timeval tv = {(time_t)(wait_us / 1000000), (suseconds_t)(wait_us % 1000000)};

      if (wait_s <= 0.0) break;
      select(0, NULL, NULL, NULL, &tv);
    }
    if (write_reading(rec)) return 1;
    memcpy(prev, rec, RECORD_BYTES);
  }
}

/* at_time TIME FD LAST: record floor(TIME), if it differs from the one before. */
static int at_time(const char* time, int fd, off_t last) {
  char buf[2 * RECORD_BYTES];
  off_t k = (off_t)strtod(time, NULL); /* floor: the time is not negative */

  k = k < 0 ? 0 : k > last ? last : k;
  if (k == 0) return pread(fd, buf, RECORD_BYTES, 0) != RECORD_BYTES || write_reading(buf);
  if (pread(fd, buf, sizeof buf, (k - 1) * RECORD_BYTES) != sizeof buf) return 1;
  return memcmp(buf, buf + RECORD_BYTES, RECORD_BYTES) ? write_reading(buf + RECORD_BYTES) : 0;
}

int main(int argc, char** argv) {
  const char* records = getenv("SIM_SENSOR_RECORDS");
  off_t size;
  int fd;

  file = getenv("SIM_SENSOR_FILE");
  if (argc > 2 || !records || !file) {
    fprintf(stderr, "usage: SIM_SENSOR_RECORDS=FILE SIM_SENSOR_FILE=FILE sensor_writer [TIME]\n");
    return 2;
  }
  fd = open(records, O_RDONLY);
  if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < RECORD_BYTES) {
    perror(records);
    return 1;
  }
  return argc == 2 ? at_time(argv[1], fd, size / RECORD_BYTES - 1) : as_node(fd, size / RECORD_BYTES - 1);
}
