// The event-throughput bench's workload (bench/events.ts): open(2) and close(2) one file in a loop, as fast as it
// can or at a given rate, for a given time; prints how many opens it made. It waits for a line on stdin before it
// starts, so that the bench can attach a tracer filtered to its pid first.
//   open-workload <path> <seconds> [opens per second, 0 = as fast as possible]
// Output (one line): opens=<n> failed=<n> seconds=<wall time of the loop>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <path> <seconds> [opens per second]\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  double seconds = atof(argv[2]);
  double rate = argc > 3 ? atof(argv[3]) : 0;
  char go[16];
  if (read(0, go, sizeof go) <= 0) return 3;
  unsigned long opens = 0, failed = 0;
  double t0 = now(), t = t0, end = t0 + seconds;
  while (t < end) {
    // The clock is read every 64 opens (it is a vDSO call, but not free); pacing checks at the same points.
    for (int i = 0; i < 64; i++) {
      int fd = open(path, O_RDONLY);
      if (fd >= 0) close(fd);
      else failed++;
      opens++;
    }
    t = now();
    if (rate > 0) {
      // Ahead of the schedule: sleep until the schedule catches up (nanosleep rounds up to the timer slack).
      double ahead = (double)opens / rate - (t - t0);
      if (ahead > 0) {
        struct timespec ts = { (time_t)ahead, (long)((ahead - (double)(time_t)ahead) * 1e9) };
        nanosleep(&ts, NULL);
        t = now();
      }
    }
  }
  printf("opens=%lu failed=%lu seconds=%.6f\n", opens, failed, now() - t0);
  return 0;
}
