/* A hostile container's command for the tests: pushes the line
 * "echo pwned > FILE" into the input of the terminal it can reach (its
 * /dev/tty, else an inherited terminal fd) with ioctl(TIOCSTI), which the
 * user's shell would run once clan returns. Prints what happened:
 * "injected", or "refused: /dev/tty: ERR; fd N: ERR". Built static so it
 * runs in the busybox rootfs. Usage: tiocsti FILE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int push(int fd, const char *line)
{
	for (const char *c = line; *c; c++)
		if (ioctl(fd, TIOCSTI, c) < 0)
			return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tiocsti FILE\n");
		return 2;
	}
	char line[512];
	snprintf(line, sizeof line, "echo pwned > %s\n", argv[1]);
	char why[512] = "";
	int fd = open("/dev/tty", O_RDWR);
	if (fd >= 0) {
		int r = push(fd, line);
		if (r == 0) {
			printf("injected through /dev/tty\n");
			return 0;
		}
		snprintf(why, sizeof why, "/dev/tty: %s", strerror(-r));
	} else {
		snprintf(why, sizeof why, "/dev/tty: %s", strerror(errno));
	}
	for (int i = 0; i < 3; i++) {
		if (!isatty(i))
			continue;
		int r = push(i, line);
		if (r == 0) {
			printf("injected through fd %d\n", i);
			return 0;
		}
		size_t n = strlen(why);
		snprintf(why + n, sizeof why - n, "; fd %d: %s", i, strerror(-r));
	}
	printf("refused: %s\n", why);
	return 1;
}
