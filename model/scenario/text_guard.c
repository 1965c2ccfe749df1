/* text_guard.c — see text_guard.h.  One pass, no allocation. */
#include <stdio.h>

#include "model/scenario/text_guard.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 table 3-7), its
 * code point in *cp; 0 when the bytes there are not well formed. */
static size_t utf8_seq(const unsigned char *s, size_t left, uint32_t *cp)
{
	unsigned char b = s[0];
	size_t n, i;
	uint32_t v, min;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		n = 2;
		v = b & 0x1F;
		min = 0x80;
	} else if (b >= 0xE0 && b <= 0xEF) {
		n = 3;
		v = b & 0x0F;
		min = 0x800;
	} else if (b >= 0xF0 && b <= 0xF4) {
		n = 4;
		v = b & 0x07;
		min = 0x10000;
	} else {
		return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
	}
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

static int printable(uint32_t c)
{
	return c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
	       (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
}

int text_guard(const char *text, size_t len, struct text_fault *f)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t line = 1, col = 1, cp;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq(s + i, len - i, &cp);
		if (n == 0 || !printable(cp)) {
			f->line = line;
			f->col = col;
			if (n == 0)
				snprintf(f->what, sizeof(f->what), "found the byte 0x%02X (not valid UTF-8)", s[i]);
			else if (cp == 0)
				snprintf(f->what, sizeof(f->what), "found a NUL byte");
			else
				snprintf(f->what, sizeof(f->what), "found the control character U+%04X", (unsigned)cp);
			return -1;
		}
		if (cp == '\n' || (cp == '\r' && !(i + 1 < len && s[i + 1] == '\n'))) {
			line++;
			col = 1;
		} else if (cp != '\r') {
			col++;
		}
		i += n;
	}
	return 0;
}
