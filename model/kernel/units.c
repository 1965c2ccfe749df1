/* units.c — strict parsing and canonical formatting of sizes, times and
 * frequencies as they appear in scenario files and on the command line.
 *
 * Grammar (no spaces, no sign, no exponent):
 *   value := digits [ "." digits ] unit
 *   size  units: B KiB MiB GiB TiB        (powers of 1024, result in bytes)
 *   time  units: ps ns us ms s cycles     (result in picoseconds)
 *   freq  units: Hz kHz MHz GHz           (result in Hz)
 *
 * Invariants: decimal values are converted exactly with integer arithmetic
 * (a size or time that is not a whole number of bytes or picoseconds is
 * rejected, never rounded), every multiplication is overflow-checked, and
 * every error message says what was expected and quotes what was found.
 * Only `cycles` rounds, to the nearest picosecond, because a cycle at most
 * frequencies is not a whole number of picoseconds.
 */
#include <stdio.h>
#include <string.h>

#include "model/kernel/units.h"

struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit size_units[] = {
	{ "TiB", 1ULL << 40 }, { "GiB", 1ULL << 30 }, { "MiB", 1ULL << 20 },
	{ "KiB", 1ULL << 10 }, { "B", 1 }, { NULL, 0 },
};

static const struct unit time_units[] = {
	{ "s", SIM_S }, { "ms", SIM_MS }, { "us", SIM_US },
	{ "ns", SIM_NS }, { "ps", SIM_PS }, { NULL, 0 },
};

static const struct unit freq_units[] = {
	{ "GHz", 1000000000ULL }, { "MHz", 1000000ULL }, { "kHz", 1000ULL },
	{ "Hz", 1 }, { NULL, 0 },
};

/* A decimal number split as int_part + frac / 10^frac_digits, with
 * trailing fractional zeros removed so frac_digits is minimal. */
struct decimal {
	uint64_t int_part;
	uint64_t frac;
	unsigned frac_digits;
	const char *unit; /* first character after the number */
};

#define FRAC_DIGITS_MAX 18 /* 10^18 < 2^64 */

static uint64_t pow10u(unsigned n)
{
	uint64_t p = 1;

	while (n--)
		p *= 10;
	return p;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Parse the number; returns 0, or -1 with *reason set to a short phrase. */
static int parse_decimal(const char *s, struct decimal *d, const char **reason)
{
	const char *p = s;

	*d = (struct decimal){ 0 };
	if (*p == '-') {
		*reason = "a negative value";
		return -1;
	}
	if (!is_digit(*p)) {
		*reason = NULL;
		return -1;
	}
	for (; is_digit(*p); p++) {
		if (__builtin_mul_overflow(d->int_part, 10, &d->int_part) ||
		    __builtin_add_overflow(d->int_part, (uint64_t)(*p - '0'), &d->int_part)) {
			*reason = "a value too large to represent";
			return -1;
		}
	}
	if (*p == '.') {
		const char *f = ++p;
		const char *last_nonzero = f;

		if (!is_digit(*p)) {
			*reason = NULL;
			return -1;
		}
		for (; is_digit(*p); p++)
			if (*p != '0')
				last_nonzero = p + 1;
		if (last_nonzero - f > FRAC_DIGITS_MAX) {
			*reason = "too many decimal places";
			return -1;
		}
		for (const char *q = f; q < last_nonzero; q++) {
			d->frac = d->frac * 10 + (uint64_t)(*q - '0');
			d->frac_digits++;
		}
	}
	d->unit = p;
	return 0;
}

/* value * mult, exact: 0, 1 (not a whole number), or 2 (overflow). */
static int scale_exact(const struct decimal *d, uint64_t mult, uint64_t *out)
{
	uint64_t whole, part = 0;

	if (__builtin_mul_overflow(d->int_part, mult, &whole))
		return 2;
	if (d->frac_digits) {
		uint64_t den = pow10u(d->frac_digits);
		uint64_t g = gcd_u64(mult, den);
		uint64_t m = mult / g, dn = den / g;

		/* frac * m / dn is whole iff dn divides frac (gcd(m, dn) = 1). */
		if (d->frac % dn)
			return 1;
		if (__builtin_mul_overflow(d->frac / dn, m, &part))
			return 2;
	}
	if (__builtin_add_overflow(whole, part, out))
		return 2;
	return 0;
}

static const struct unit *find_unit(const struct unit *units, const char *name)
{
	for (const struct unit *u = units; u->name; u++)
		if (strcmp(u->name, name) == 0)
			return u;
	return NULL;
}

static void say(char *why, size_t len, const char *what, const char *expected, const char *s,
		const char *reason)
{
	if (!why || !len)
		return;
	if (reason)
		snprintf(why, len, "expected %s %s, found \"%s\" (%s)", what, expected, s, reason);
	else
		snprintf(why, len, "expected %s %s, found \"%s\"", what, expected, s);
}

/* Shared driver for sizes and frequencies: number + one unit of `units`. */
static int parse_with(const char *s, const struct unit *units, const char *what,
		      const char *expected, const char *whole_of, uint64_t *out, char *why,
		      size_t whylen)
{
	struct decimal d;
	const char *reason;
	const struct unit *u;

	if (parse_decimal(s, &d, &reason)) {
		say(why, whylen, what, expected, s, reason);
		return -1;
	}
	u = find_unit(units, d.unit);
	if (!u) {
		say(why, whylen, what, expected, s,
		    *d.unit ? NULL : "the unit is missing");
		return -1;
	}
	switch (scale_exact(&d, u->mult, out)) {
	case 0:
		return 0;
	case 1:
		say(why, whylen, what, expected, s, whole_of);
		return -1;
	default:
		say(why, whylen, what, expected, s, "a value too large to represent");
		return -1;
	}
}

int units_parse_size(const char *s, uint64_t *bytes, char *why, size_t whylen)
{
	return parse_with(s, size_units, "a size", "with a unit (B, KiB, MiB, GiB, TiB)",
			  "not a whole number of bytes", bytes, why, whylen);
}

int units_parse_freq(const char *s, uint64_t *hz, char *why, size_t whylen)
{
	return parse_with(s, freq_units, "a frequency", "with a unit (Hz, kHz, MHz, GHz)",
			  "not a whole number of Hz", hz, why, whylen);
}

int units_parse_time(const char *s, uint64_t freq_hz, sim_time_t *ps, char *why, size_t whylen)
{
	static const char expected[] = "with a unit (ps, ns, us, ms, s, cycles)";
	struct decimal d;
	const char *reason;
	const struct unit *u;
	double v;

	if (parse_decimal(s, &d, &reason)) {
		say(why, whylen, "a time", expected, s, reason);
		return -1;
	}
	u = find_unit(time_units, d.unit);
	if (u) {
		switch (scale_exact(&d, u->mult, ps)) {
		case 0:
			return 0;
		case 1:
			say(why, whylen, "a time", expected, s, "not a whole number of picoseconds");
			return -1;
		default:
			say(why, whylen, "a time", expected, s, "a value too large to represent");
			return -1;
		}
	}
	if (strcmp(d.unit, "cycles") != 0) {
		say(why, whylen, "a time", expected, s, *d.unit ? NULL : "the unit is missing");
		return -1;
	}
	if (freq_hz == 0) {
		say(why, whylen, "a time", expected, s, "cycles need a non-zero vm.freq");
		return -1;
	}
	/* cycles * 1e12 / freq, rounded to the nearest picosecond. */
	v = ((double)d.int_part + (double)d.frac / (double)pow10u(d.frac_digits)) * 1e12 /
	    (double)freq_hz;
	if (!(v < 18446744073709549568.0)) { /* largest double below 2^64 */
		say(why, whylen, "a time", expected, s, "a value too large to represent");
		return -1;
	}
	*ps = (sim_time_t)(v + 0.5);
	return 0;
}

/* Largest unit that represents v exactly; units[] is ordered largest first
 * and ends with a unit of multiplier 1, so the loop always stops. */
static void format_with(uint64_t v, const struct unit *units, const char *zero, char *buf,
			size_t len)
{
	const struct unit *u = units;

	if (v == 0) {
		snprintf(buf, len, "0%s", zero);
		return;
	}
	while (v % u->mult != 0)
		u++;
	snprintf(buf, len, "%llu%s", (unsigned long long)(v / u->mult), u->name);
}

void units_format_size(uint64_t bytes, char *buf, size_t len)
{
	format_with(bytes, size_units, "B", buf, len);
}

void units_format_time(sim_time_t ps, char *buf, size_t len)
{
	format_with(ps, time_units, "s", buf, len);
}

void units_format_freq(uint64_t hz, char *buf, size_t len)
{
	format_with(hz, freq_units, "Hz", buf, len);
}
