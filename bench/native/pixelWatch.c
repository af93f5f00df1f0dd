/*
 * Watches the centre of several X screens at once and prints, for each
 * change, the wall-clock instant (CLOCK_REALTIME, ms with fractions) it was
 * first seen: the "first pixel of the new photo" for bench/groupSyncBench.ts.
 * One process and one clock for every screen, so their instants compare.
 * It reads an 8×8 block (averaged, so a photo's grain is not a change) about
 * every 1 ms from each screen; a change is any channel moving by more
 * than 24 levels. Usage: pixelWatch :1 :2 :3   Output: "<index> <ms> <r> <g> <b>".
 * Stops on SIGTERM or when stdin closes.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_SCREENS 8
#define BLOCK 8
#define THRESHOLD 24

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void read_block(Display *display, int rgb[3]) {
  Window root = DefaultRootWindow(display);
  Screen *screen = DefaultScreenOfDisplay(display);
  int x = WidthOfScreen(screen) / 2 - BLOCK / 2, y = HeightOfScreen(screen) / 2 - BLOCK / 2;
  XImage *image = XGetImage(display, root, x, y, BLOCK, BLOCK, AllPlanes, ZPixmap);
  long sum[3] = {0, 0, 0};
  for (int j = 0; j < BLOCK; j++) {
    for (int i = 0; i < BLOCK; i++) {
      unsigned long pixel = XGetPixel(image, i, j);
      sum[0] += (pixel & image->red_mask) >> 16;
      sum[1] += (pixel & image->green_mask) >> 8;
      sum[2] += pixel & image->blue_mask;
    }
  }
  XDestroyImage(image);
  for (int c = 0; c < 3; c++) rgb[c] = (int)(sum[c] / (BLOCK * BLOCK));
}

int main(int argc, char **argv) {
  int count = argc - 1;
  if (count < 1 || count > MAX_SCREENS) {
    fprintf(stderr, "usage: pixelWatch DISPLAY...\n");
    return 2;
  }
  Display *displays[MAX_SCREENS];
  int last[MAX_SCREENS][3];
  for (int s = 0; s < count; s++) {
    displays[s] = XOpenDisplay(argv[s + 1]);
    if (!displays[s]) {
      fprintf(stderr, "cannot open display %s\n", argv[s + 1]);
      return 1;
    }
    read_block(displays[s], last[s]);
  }
  printf("ready\n");
  fflush(stdout);
  struct pollfd input = {.fd = 0, .events = POLLIN};
  for (;;) {
    for (int s = 0; s < count; s++) {
      int rgb[3];
      read_block(displays[s], rgb);
      if (abs(rgb[0] - last[s][0]) > THRESHOLD || abs(rgb[1] - last[s][1]) > THRESHOLD || abs(rgb[2] - last[s][2]) > THRESHOLD) {
        printf("%d %.3f %d %d %d\n", s, now_ms(), rgb[0], rgb[1], rgb[2]);
        fflush(stdout);
        for (int c = 0; c < 3; c++) last[s][c] = rgb[c];
      }
    }
    /* stdin closed (the bench ended): stop. Otherwise wait 1 ms. */
    if (poll(&input, 1, 0) > 0 && (input.revents & (POLLIN | POLLHUP))) {
      char buffer[64];
      if (read(0, buffer, sizeof buffer) <= 0) return 0;
    }
    usleep(1000);
  }
}
