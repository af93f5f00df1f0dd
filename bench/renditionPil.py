"""Reference for the rendition benchmark: what a Python user would write with
Pillow. Prints the median time of RUNS renditions (its peak RSS is measured
from outside, with /usr/bin/time).
argv: SOURCE OUTPUT WIDTH HEIGHT RUNS"""
import sys
import time

from PIL import Image, ImageOps

source, output, width, height, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
times = []
for _ in range(runs):
    start = time.perf_counter()
    with Image.open(source) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((width, height))  # uses JPEG draft mode (DCT scaling), as Pillow recommends
        image.save(output, quality=88)
    times.append((time.perf_counter() - start) * 1000)
times.sort()
print(f'{{"ms": {times[len(times) // 2]:.2f}}}')
