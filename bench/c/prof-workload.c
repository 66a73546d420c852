// The profile bench's workload (bench/profile.ts): a fixed amount of CPU work on two threads, in five leaf
// functions of known shares (40, 25, 15, 10, 6 units of each round; the loop that calls them is the rest), so
// that a profiler's top user functions can be checked against each other. Built with frame pointers.
//   prof-workload <rounds per thread>
// It waits for a line on stdin before it starts (a tracer attaches first), prints one line when the work is
// done, then waits for stdin to close before its threads and it exit: a tracer stopped meanwhile still finds the
// process and its threads (bpftrace 0.17 symbolizes a user stack through the thread that was sampled).
// Output: wall=<seconds from go to both threads done> cpu=<the process's user+system seconds over the same span>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/** Inner iterations per unit of work. */
#define UNIT 2000

static volatile unsigned long sink;

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// Each leaf is a dependent chain of a few integer operations per iteration, so a unit costs about the same in
// each, and calls nothing (the sample's instruction pointer is in it).
__attribute__((noinline)) static unsigned long hash_mix(unsigned long x, long n) {
  for (long i = 0; i < n; i++) x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9UL + (unsigned long)i;
  return x;
}

__attribute__((noinline)) static unsigned long sum_squares(unsigned long x, long n) {
  for (long i = 0; i < n; i++) x = x * x + (unsigned long)i * 3 + 1;
  return x;
}

__attribute__((noinline)) static unsigned long xorshift_fill(unsigned long x, long n) {
  for (long i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

__attribute__((noinline)) static unsigned long rotate_add(unsigned long x, long n) {
  for (long i = 0; i < n; i++) x = ((x << 7) | (x >> 57)) + 0x9e3779b97f4a7c15UL;
  return x;
}

__attribute__((noinline)) static unsigned long mul_chain(unsigned long x, long n) {
  for (long i = 0; i < n; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  return x;
}

static long rounds;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
/** Threads done with their work; set once stdin has closed. */
static int finished, released;

static void *worker(void *arg) {
  unsigned long x = (unsigned long)arg;
  for (long r = 0; r < rounds; r++) {
    x = hash_mix(x, 40 * UNIT);
    x = sum_squares(x, 25 * UNIT);
    x = xorshift_fill(x, 15 * UNIT);
    x = rotate_add(x, 10 * UNIT);
    x = mul_chain(x, 6 * UNIT);
  }
  sink = x;
  pthread_mutex_lock(&lock);
  finished++;
  pthread_cond_broadcast(&changed);
  while (!released) pthread_cond_wait(&changed, &lock);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2 || (rounds = atol(argv[1])) <= 0) {
    fprintf(stderr, "usage: %s <rounds per thread>\n", argv[0]);
    return 2;
  }
  char line[64];
  if (!fgets(line, sizeof line, stdin)) return 3;
  double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  pthread_t threads[2];
  for (int i = 0; i < 2; i++) {
    if (pthread_create(&threads[i], NULL, worker, (void *)(unsigned long)(i + 1)) != 0) return 4;
  }
  pthread_mutex_lock(&lock);
  while (finished < 2) pthread_cond_wait(&changed, &lock);
  pthread_mutex_unlock(&lock);
  printf("wall=%.6f cpu=%.6f\n", clock_s(CLOCK_MONOTONIC) - t0, clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
  fflush(stdout);
  while (fgets(line, sizeof line, stdin)) {
  }
  pthread_mutex_lock(&lock);
  released = 1;
  pthread_cond_broadcast(&changed);
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
  return 0;
}
