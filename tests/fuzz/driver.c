/* driver.c -- a standalone random-mutation driver for the fuzz harnesses
 * when libFuzzer is not available: mutates the seed files for N seconds */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const dict[] = { ";", " ", "\n", "(", ")", ":", "\"",
	"thread (", "process 1:\"", " 1", "[", "]", "{", "}", ",", "\xff" };

int
main(int argc, char **argv)
{
	uint8_t *seeds[256], *buf;
	size_t lens[256], ns = 0, n, i, max = 1 << 16;
	long secs = argc > 1 ? atol(argv[1]) : 10, runs = 0;
	time_t end;
	FILE *fp;

	for (i = 2; i < (size_t)argc && ns < 256; i++) {
		if ((fp = fopen(argv[i], "rb")) == NULL)
			continue;
		seeds[ns] = malloc(max);
		lens[ns] = fread(seeds[ns], 1, max, fp);
		fclose(fp);
		ns++;
	}
	if (ns == 0 || (buf = malloc(2 * max)) == NULL)
		return 2;
	srand((unsigned)time(NULL));
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		i = (size_t)rand() % ns;
		n = lens[i];
		memcpy(buf, seeds[i], n);
		for (int k = rand() % 8; k >= 0 && n > 0; k--) {
			size_t at = (size_t)rand() % n;
			const char *d = dict[(size_t)rand() % (sizeof(dict) / sizeof(dict[0]))];

			switch (rand() % 4) {
			case 0:
				buf[at] = (uint8_t)rand();
				break;
			case 1:
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
				break;
			case 2:
				if (n + strlen(d) < 2 * max) {
					memmove(buf + at + strlen(d), buf + at, n - at);
					memcpy(buf + at, d, strlen(d));
					n += strlen(d);
				}
				break;
			default:
				n = at;
				break;
			}
		}
		LLVMFuzzerTestOneInput(buf, n);
		runs++;
	}
	printf("%ld runs\n", runs);
	return 0;
}
