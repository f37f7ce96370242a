#include "base/progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/termsafe.h"

bool progress_is_terminal(FILE *f)
{
	int fd = fileno(f);
	return fd >= 0 && isatty(fd);
}

void progress_vline(const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	vsnprintf(line, sizeof line, fmt, ap);
	/* a line may quote a file or a service's output: what a terminal
	 * would act on is shown, not obeyed (as the CLI's errors) */
	char *safe = term_safe(line, strlen(line), true);
	fprintf(stderr, "%s%s\n", prefix, safe);
	free(safe);
}

void progress_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	progress_vline("clan: ", fmt, ap);
	va_end(ap);
}

void progress_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	progress_vline("clan: note: ", fmt, ap);
	va_end(ap);
}

void progress_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	progress_vline("clan: warning: ", fmt, ap);
	va_end(ap);
}

void progress_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	progress_vline("", fmt, ap);
	va_end(ap);
}

void progress_bars_init(struct progress_bars *b, FILE *out, bool wanted)
{
	*b = (struct progress_bars){.out = out, .on = wanted && progress_is_terminal(out)};
	struct winsize ws;
	if (b->on && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0)
		b->cols = ws.ws_col;
}

void progress_bars_begin(struct progress_bars *b)
{
	if (b->on && b->drawn)
		fprintf(b->out, "\033[%dA", b->drawn);
	b->drawn = 0;
}

void progress_bars_line(struct progress_bars *b, const char *fmt, ...)
{
	if (!b->on)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* a line wider than the terminal wraps, and the redraw would then
	 * move up too few lines */
	if (b->cols > 1 && (int)strlen(line) >= b->cols)
		line[b->cols - 1] = '\0';
	fprintf(b->out, "\033[2K%s\n", line);
	b->drawn++;
}

void progress_bars_clear(struct progress_bars *b)
{
	if (!b->on || !b->drawn)
		return;
	fprintf(b->out, "\033[%dA", b->drawn);
	for (int i = 0; i < b->drawn; i++)
		fputs("\033[2K\n", b->out);
	fprintf(b->out, "\033[%dA", b->drawn);
	fflush(b->out);
	b->drawn = 0;
}

void progress_bars_end(struct progress_bars *b)
{
	if (b->on)
		fflush(b->out);
}

void progress_bar_fill(char *out, int width, int64_t done, int64_t total)
{
	if (total <= 0) {
		total = 1;
		done = 1;
	}
	if (done > total)
		done = total;
	if (done < 0)
		done = 0;
	/* in 128 bits: a registry's size may be near INT64_MAX */
	int fill = (int)((__int128)done * width / total);
	memset(out, '=', (size_t)fill);
	memset(out + fill, ' ', (size_t)(width - fill));
	if (fill > 0 && fill < width)
		out[fill - 1] = '>';
	out[width] = '\0';
}
