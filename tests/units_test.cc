// units_test.cc — strict units for sizes, times and frequencies, and their
// canonical output (model/kernel/units.c).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

extern "C" {
#include "model/config/config.h"
}

namespace {

uint64_t size_ok(const char *s)
{
	uint64_t v = 0;
	char why[256] = "";

	EXPECT_EQ(units_parse_size(s, &v, why, sizeof(why)), 0) << s << ": " << why;
	return v;
}

std::string size_bad(const char *s)
{
	uint64_t v = 0;
	char why[256] = "";

	EXPECT_EQ(units_parse_size(s, &v, why, sizeof(why)), -1) << s;
	return why;
}

sim_time_t time_ok(const char *s, uint64_t freq = 2000000000ULL)
{
	sim_time_t v = 0;
	char why[256] = "";

	EXPECT_EQ(units_parse_time(s, freq, &v, why, sizeof(why)), 0) << s << ": " << why;
	return v;
}

std::string time_bad(const char *s, uint64_t freq = 2000000000ULL)
{
	sim_time_t v = 0;
	char why[256] = "";

	EXPECT_EQ(units_parse_time(s, freq, &v, why, sizeof(why)), -1) << s;
	return why;
}

std::string fmt_size(uint64_t v)
{
	char b[64];

	units_format_size(v, b, sizeof(b));
	return b;
}

std::string fmt_time(sim_time_t v)
{
	char b[64];

	units_format_time(v, b, sizeof(b));
	return b;
}

std::string fmt_freq(uint64_t v)
{
	char b[64];

	units_format_freq(v, b, sizeof(b));
	return b;
}

} // namespace

TEST(Units, SizesWithEveryUnit)
{
	EXPECT_EQ(size_ok("4096B"), 4096u);
	EXPECT_EQ(size_ok("4KiB"), 4096u);
	EXPECT_EQ(size_ok("512MiB"), 512ULL << 20);
	EXPECT_EQ(size_ok("4GiB"), 4294967296ULL);
	EXPECT_EQ(size_ok("1TiB"), 1ULL << 40);
	EXPECT_EQ(size_ok("0B"), 0u);
}

TEST(Units, DecimalSizesMustBeWholeBytes)
{
	EXPECT_EQ(size_ok("1.5GiB"), 3ULL << 29);
	EXPECT_EQ(size_ok("0.5KiB"), 512u);
	EXPECT_EQ(size_ok("2.000KiB"), 2048u);
	EXPECT_EQ(size_bad("0.3KiB"),
		  "expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"0.3KiB\" (not a whole number of bytes)");
	EXPECT_NE(size_bad("1.5B").find("not a whole number of bytes"), std::string::npos);
}

TEST(Units, SizesRejectSloppyUnits)
{
	EXPECT_EQ(size_bad("4G"), "expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"4G\"");
	EXPECT_EQ(size_bad("4GB"), "expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"4GB\"");
	EXPECT_EQ(size_bad("4 gib"), "expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"4 gib\"");
	EXPECT_EQ(size_bad("4 GiB"), "expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"4 GiB\"");
	EXPECT_EQ(size_bad("4096"),
		  "expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"4096\" (the unit is missing)");
	EXPECT_EQ(size_bad("GiB"), "expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"GiB\"");
	EXPECT_EQ(size_bad(""), "expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"\"");
	size_bad("1e3B");
	size_bad("+4GiB");
	size_bad(".5GiB");
	size_bad("4.GiB");
}

TEST(Units, NegativeAndOverflowingSizes)
{
	EXPECT_EQ(size_bad("-4GiB"),
		  "expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"-4GiB\" (a negative value)");
	EXPECT_NE(size_bad("16777216TiB").find("too large"), std::string::npos);
	EXPECT_NE(size_bad("99999999999999999999B").find("too large"), std::string::npos);
	EXPECT_EQ(size_ok("16777215TiB"), 16777215ULL << 40);
}

TEST(Units, TimesWithEveryUnit)
{
	EXPECT_EQ(time_ok("7ps"), 7u);
	EXPECT_EQ(time_ok("2600ns"), 2600u * SIM_NS);
	EXPECT_EQ(time_ok("250us"), 250000000u);
	EXPECT_EQ(time_ok("4ms"), 4 * SIM_MS);
	EXPECT_EQ(time_ok("60s"), 60 * SIM_S);
	EXPECT_EQ(time_ok("1.5us"), 1500000u);
	EXPECT_EQ(time_ok("0s"), 0u);
}

TEST(Units, CyclesUseTheGuestFrequency)
{
	EXPECT_EQ(time_ok("6500cycles"), 3250u * SIM_NS);
	EXPECT_EQ(time_ok("1cycles", 1000000000ULL), 1000u);
	EXPECT_EQ(time_ok("1cycles", 3000000000ULL), 333u); // rounded to the nearest ps
	EXPECT_NE(time_bad("10cycles", 0).find("non-zero vm.freq"), std::string::npos);
}

TEST(Units, TimesRejectSloppyUnits)
{
	EXPECT_EQ(time_bad("15"),
		  "expected a time with a unit (ps, ns, us, ms, s, cycles), found \"15\" (the unit is missing)");
	EXPECT_EQ(time_bad("15µs"), "expected a time with a unit (ps, ns, us, ms, s, cycles), found \"15µs\"");
	EXPECT_EQ(time_bad("15sec"), "expected a time with a unit (ps, ns, us, ms, s, cycles), found \"15sec\"");
	EXPECT_EQ(time_bad("-1us"),
		  "expected a time with a unit (ps, ns, us, ms, s, cycles), found \"-1us\" (a negative value)");
	EXPECT_NE(time_bad("1.5ps").find("not a whole number of picoseconds"), std::string::npos);
	EXPECT_NE(time_bad("20000000s").find("too large"), std::string::npos);
}

TEST(Units, Frequencies)
{
	uint64_t hz = 0;
	char why[256];

	ASSERT_EQ(units_parse_freq("2GHz", &hz, why, sizeof(why)), 0);
	EXPECT_EQ(hz, 2000000000u);
	ASSERT_EQ(units_parse_freq("2.5GHz", &hz, why, sizeof(why)), 0);
	EXPECT_EQ(hz, 2500000000u);
	ASSERT_EQ(units_parse_freq("100kHz", &hz, why, sizeof(why)), 0);
	EXPECT_EQ(hz, 100000u);
	ASSERT_EQ(units_parse_freq("50Hz", &hz, why, sizeof(why)), 0);
	EXPECT_EQ(hz, 50u);
	ASSERT_EQ(units_parse_freq("2ghz", &hz, why, sizeof(why)), -1);
	EXPECT_STREQ(why, "expected a frequency with a unit (Hz, kHz, MHz, GHz), found \"2ghz\"");
	ASSERT_EQ(units_parse_freq("2G", &hz, why, sizeof(why)), -1);
}

TEST(Units, CanonicalFormatting)
{
	EXPECT_EQ(fmt_size(4294967296ULL), "4GiB");
	EXPECT_EQ(fmt_size(1536ULL << 20), "1536MiB");
	EXPECT_EQ(fmt_size(4096), "4KiB");
	EXPECT_EQ(fmt_size(4097), "4097B");
	EXPECT_EQ(fmt_size(0), "0B");
	EXPECT_EQ(fmt_time(250000000ULL), "250us");
	EXPECT_EQ(fmt_time(2600 * SIM_NS), "2600ns");
	EXPECT_EQ(fmt_time(60 * SIM_S), "60s");
	EXPECT_EQ(fmt_time(1), "1ps");
	EXPECT_EQ(fmt_time(0), "0s");
	EXPECT_EQ(fmt_freq(2000000000ULL), "2GHz");
	EXPECT_EQ(fmt_freq(2500000000ULL), "2500MHz");
}

TEST(Units, FormattedValuesParseBack)
{
	const uint64_t sizes[] = { 1, 4096, 3ULL << 29, 1ULL << 40, 123456789 };
	const sim_time_t times[] = { 1, 999, SIM_US * 15, SIM_S * 3600, 123456789012345ULL };

	for (uint64_t v : sizes)
		EXPECT_EQ(size_ok(fmt_size(v).c_str()), v);
	for (sim_time_t v : times)
		EXPECT_EQ(time_ok(fmt_time(v).c_str()), v);
}
