// workloads_test.cc — the built-in workloads as a guest task sees them:
// which pages they touch, in which order and mode, how progress counts, and
// that a seed fully determines the op sequence.  Memory comes from a fake
// guest (a bump allocator over N pages); params are set by their scenario
// keys and texts, defaults taken from each workload's schema.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

extern "C" {
#include "model/config/config.h"
#include "model/kernel/rng.h"
#include "workloads/workload.h"
}

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kFreq = 2000000000ULL;
constexpr uint64_t kBaseGfn = 0x40000;

// A guest with `total` free pages handed out bottom-up.
struct FakeMem {
	uint64_t total = 0, used = 0;
	bool fail_alloc = false; // free memory exists but is fragmented
	std::vector<std::pair<uint64_t, uint64_t>> allocs, frees;

	static uint64_t free_pages(void *ctx)
	{
		auto *m = static_cast<FakeMem *>(ctx);
		return m->total - m->used;
	}
	static int alloc_pages(void *ctx, uint64_t pages, uint64_t *first)
	{
		auto *m = static_cast<FakeMem *>(ctx);
		if (m->fail_alloc || pages > m->total - m->used)
			return -1;
		*first = kBaseGfn + m->used;
		m->used += pages;
		m->allocs.emplace_back(*first, pages);
		return 0;
	}
	static void free_range(void *ctx, uint64_t first, uint64_t pages)
	{
		auto *m = static_cast<FakeMem *>(ctx);
		m->frees.emplace_back(first, pages);
		if (first + pages == kBaseGfn + m->used)
			m->used -= pages;
	}
};

// Set one param from its scenario text, as a scenario would.
bool set_param(const workload_ops *w, void *params, const std::string &key, const std::string &text)
{
	for (const param_desc *d = w->params; d->key; d++) {
		if (key != d->key)
			continue;
		char *p = static_cast<char *>(params) + d->offset;
		char why[256];
		char *end = nullptr;
		switch (d->type) {
		case PT_U32: {
			uint32_t v = (uint32_t)strtoull(text.c_str(), &end, 10);
			memcpy(p, &v, sizeof(v));
			return *end == '\0';
		}
		case PT_U64: {
			uint64_t v = strtoull(text.c_str(), &end, 10);
			memcpy(p, &v, sizeof(v));
			return *end == '\0';
		}
		case PT_DOUBLE:
		case PT_FRACTION: {
			double v = strtod(text.c_str(), &end);
			if (d->type == PT_FRACTION && *end == '%') {
				v /= 100;
				end++;
			}
			memcpy(p, &v, sizeof(v));
			return *end == '\0';
		}
		case PT_SIZE: {
			uint64_t v;
			if (units_parse_size(text.c_str(), &v, why, sizeof(why)))
				return false;
			memcpy(p, &v, sizeof(v));
			return true;
		}
		case PT_TIME: {
			sim_time_t v;
			if (units_parse_time(text.c_str(), kFreq, &v, why, sizeof(why)))
				return false;
			memcpy(p, &v, sizeof(v));
			return true;
		}
		case PT_BOOL: {
			bool v = text == "true";
			memcpy(p, &v, sizeof(v));
			return v || text == "false";
		}
		case PT_ENUM:
			for (uint32_t i = 0; d->enum_names[i]; i++) {
				if (text == d->enum_names[i]) {
					memcpy(p, &i, sizeof(i));
					return true;
				}
			}
			return false;
		case PT_STRING:
			if (text.size() >= PARAM_STRING_MAX)
				return false;
			memcpy(p, text.c_str(), text.size() + 1);
			return true;
		default:
			return false;
		}
	}
	return false;
}

// One guest task running a workload over a FakeMem.
struct Task {
	const workload_ops *w;
	alignas(16) unsigned char params[CFG_WL_PARAMS_MAX] = {};
	std::vector<std::max_align_t> state;
	struct rng rng;
	FakeMem mem;
	wl_env env{};
	std::string dir;
	bool live = false;

	Task(const char *name, uint64_t pages, uint64_t seed,
	     const std::map<std::string, std::string> &set = {})
	    : w(workload_find(name))
	{
		EXPECT_NE(w, nullptr) << name;
		for (const param_desc *d = w->params; d->key; d++) {
			if (d->def) {
				EXPECT_TRUE(set_param(w, params, d->key, d->def)) << name << "." << d->key;
			}
		}
		for (const auto &kv : set)
			EXPECT_TRUE(set_param(w, params, kv.first, kv.second)) << name << "." << kv.first;
		state.resize(w->state_size / sizeof(std::max_align_t) + 1);
		rng_seed(&rng, seed);
		mem.total = pages;
		dir = APFSIM_SOURCE_DIR "/workloads/traces";
		env.rng = &rng;
		env.page_size = kPage;
		env.guest_freq_hz = kFreq;
		env.scenario_dir = dir.c_str();
		env.mem_ctx = &mem;
		env.free_pages = FakeMem::free_pages;
		env.alloc_pages = FakeMem::alloc_pages;
		env.free_range = FakeMem::free_range;
	}
	~Task()
	{
		if (live && w->fini)
			w->fini(state.data());
	}
	int init(std::string *err = nullptr)
	{
		char buf[512] = "";
		int rc = w->init(state.data(), params, &env, buf, sizeof(buf));
		live = rc == 0;
		if (err)
			*err = buf;
		return rc;
	}
	wl_op next()
	{
		wl_op op;
		w->next(state.data(), &op);
		return op;
	}
	// Ops up to and including the first EXIT (at most `limit`).
	std::vector<wl_op> run(size_t limit = 10000000)
	{
		std::vector<wl_op> ops;
		while (ops.size() < limit) {
			ops.push_back(next());
			if (ops.back().kind == WL_OP_EXIT)
				break;
		}
		return ops;
	}
};

uint64_t progress(const std::vector<wl_op> &ops)
{
	uint64_t n = 0;
	for (const wl_op &op : ops)
		n += op.progress;
	return n;
}

bool same_ops(const std::vector<wl_op> &a, const std::vector<wl_op> &b)
{
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); i++)
		if (a[i].kind != b[i].kind || a[i].write != b[i].write || a[i].progress != b[i].progress ||
		    a[i].cycles != b[i].cycles || a[i].arg != b[i].arg)
			return false;
	return true;
}

std::vector<wl_op> run_task(const char *name, uint64_t seed, const std::map<std::string, std::string> &set,
			    size_t limit)
{
	Task t(name, 4096, seed, set);
	EXPECT_EQ(t.init(), 0);
	return t.run(limit);
}

// Share of the accesses that fall on the most accessed `frac` of pages.
double top_share(const std::vector<uint64_t> &counts, double frac)
{
	std::vector<uint64_t> c = counts;
	std::sort(c.rbegin(), c.rend());
	size_t top = std::max<size_t>(1, (size_t)(frac * c.size()));
	uint64_t sum = 0, all = 0;
	for (size_t i = 0; i < c.size(); i++) {
		all += c[i];
		if (i < top)
			sum += c[i];
	}
	return (double)sum / (double)all;
}

std::string write_file(const std::string &name, const std::string &text)
{
	std::string path = testing::TempDir() + "/" + name;
	std::ofstream(path) << text;
	return path;
}

} // namespace

TEST(Workloads, RegistryListsEveryBuiltinWithWellFormedDefaults)
{
	for (const char *name : { "memhog", "compute", "random", "syscall", "trace" }) {
		const workload_ops *w = workload_find(name);
		ASSERT_NE(w, nullptr) << name;
		EXPECT_NE(w->progress_unit, nullptr);
		EXPECT_LE(w->params_size, (size_t)CFG_WL_PARAMS_MAX);
		alignas(16) unsigned char params[CFG_WL_PARAMS_MAX];
		for (const param_desc *d = w->params; d->key; d++) {
			EXPECT_NE(d->doc, nullptr) << name << "." << d->key;
			if (d->def) {
				EXPECT_TRUE(set_param(w, params, d->key, d->def)) << name << "." << d->key << " = " << d->def;
			}
		}
	}
	size_t n = 0;
	while (workload_table[n])
		n++;
	EXPECT_EQ(n, 5u);
}

TEST(Memhog, SequentialWritesEveryPageOncePerPassThenFrees)
{
	Task t("memhog", 1000, 1, { { "share", "50%" }, { "passes", "2" } });
	ASSERT_EQ(t.init(), 0);
	ASSERT_EQ(t.mem.allocs.size(), 1u);
	const uint64_t first = t.mem.allocs[0].first, n = t.mem.allocs[0].second;
	EXPECT_EQ(n, 500u);

	std::vector<wl_op> ops = t.run();
	ASSERT_EQ(ops.size(), 2 * n + 1);
	for (uint64_t i = 0; i < 2 * n; i++) {
		EXPECT_EQ(ops[i].kind, WL_OP_TOUCH);
		EXPECT_EQ(ops[i].write, 1);
		EXPECT_EQ(ops[i].cycles, 1024u);
		EXPECT_EQ(ops[i].arg, first + i % n) << "op " << i;
	}
	EXPECT_EQ(ops.back().kind, WL_OP_EXIT);
	EXPECT_EQ(progress(ops), 2 * n);
	ASSERT_EQ(t.mem.frees.size(), 1u);
	EXPECT_EQ(t.mem.frees[0], t.mem.allocs[0]);
	EXPECT_EQ(t.next().kind, WL_OP_EXIT);
	EXPECT_EQ(t.mem.frees.size(), 1u);
}

TEST(Memhog, RandomOrderIsAFreshPermutationEachPass)
{
	Task t("memhog", 1000, 7, { { "share", "90%" }, { "passes", "3" }, { "order", "random" } });
	ASSERT_EQ(t.init(), 0);
	const uint64_t first = t.mem.allocs[0].first, n = t.mem.allocs[0].second;
	ASSERT_EQ(n, 900u); // not a power of two: the permutation cycle-walks

	std::vector<wl_op> ops = t.run();
	ASSERT_EQ(ops.size(), 3 * n + 1);
	std::vector<std::vector<uint64_t>> passes(3);
	for (uint64_t i = 0; i < 3 * n; i++) {
		ASSERT_EQ(ops[i].kind, WL_OP_TOUCH);
		EXPECT_EQ(ops[i].write, 1);
		EXPECT_EQ(ops[i].progress, 1);
		passes[i / n].push_back(ops[i].arg);
	}
	for (const auto &pass : passes) {
		std::set<uint64_t> distinct(pass.begin(), pass.end());
		EXPECT_EQ(distinct.size(), n);
		EXPECT_EQ(*distinct.begin(), first);
		EXPECT_EQ(*distinct.rbegin(), first + n - 1);
		size_t in_place = 0;
		for (uint64_t i = 0; i < n; i++)
			in_place += pass[i] == first + i;
		EXPECT_LT(in_place, n / 10) << "random order looks sequential";
	}
	EXPECT_NE(passes[0], passes[1]);
	EXPECT_NE(passes[1], passes[2]);
	ASSERT_EQ(t.mem.frees.size(), 1u);
	EXPECT_EQ(t.mem.frees[0], t.mem.allocs[0]);
}

TEST(Memhog, RepeatRunsSeveralAllocateWriteFreeCycles)
{
	Task t("memhog", 100, 1, { { "share", "50%" }, { "repeat", "3" } });
	ASSERT_EQ(t.init(), 0);
	std::vector<wl_op> ops = t.run();
	EXPECT_EQ(progress(ops), 150u);
	EXPECT_EQ(t.mem.allocs.size(), 3u);
	EXPECT_EQ(t.mem.frees.size(), 3u);
	EXPECT_EQ(t.mem.used, 0u);
	// Pages of a cycle are written after its allocation and before its free.
	EXPECT_EQ(ops[49].arg, t.mem.allocs[0].first + 49);
}

TEST(Memhog, InitFailsNamingTheSizeWhenMemoryIsShort)
{
	std::string err;
	Task none("memhog", 0, 1);
	EXPECT_EQ(none.init(&err), -1);
	EXPECT_NE(err.find("memhog"), std::string::npos) << err;

	Task frag("memhog", 1000, 1);
	frag.mem.fail_alloc = true;
	EXPECT_EQ(frag.init(&err), -1);
	EXPECT_NE(err.find("900 contiguous pages"), std::string::npos) << err;
}

TEST(Compute, IterationsAndPeriodicSleep)
{
	Task t("compute", 0, 1, { { "iteration", "5000" }, { "iterations", "6" }, { "sleep_every", "2" },
				  { "sleep", "10us" } });
	ASSERT_EQ(t.init(), 0);
	std::vector<wl_op> ops = t.run();
	const uint8_t want[] = { WL_OP_COMPUTE, WL_OP_COMPUTE, WL_OP_SLEEP, WL_OP_COMPUTE, WL_OP_COMPUTE,
				 WL_OP_SLEEP,	WL_OP_COMPUTE, WL_OP_COMPUTE, WL_OP_EXIT };
	ASSERT_EQ(ops.size(), sizeof(want));
	for (size_t i = 0; i < ops.size(); i++) {
		EXPECT_EQ(ops[i].kind, want[i]) << "op " << i;
		if (ops[i].kind == WL_OP_SLEEP) {
			EXPECT_EQ(ops[i].arg, 10000000u);
		}
		if (ops[i].kind == WL_OP_COMPUTE) {
			EXPECT_EQ(ops[i].cycles, 5000u);
		}
	}
	EXPECT_EQ(progress(ops), 6u);
}

TEST(Random, UniformStaysInRegionIsFlatAndRespectsWriteRatio)
{
	Task t("random", 4096, 3, { { "region", "4MiB" }, { "accesses", "200000" }, { "write_ratio", "30%" } });
	ASSERT_EQ(t.init(), 0);
	ASSERT_EQ(t.mem.allocs.size(), 1u);
	const uint64_t first = t.mem.allocs[0].first, n = t.mem.allocs[0].second;
	ASSERT_EQ(n, 1024u);
	std::vector<wl_op> ops = t.run();
	ASSERT_EQ(ops.size(), 200001u);
	std::vector<uint64_t> counts(n);
	uint64_t writes = 0;
	for (size_t i = 0; i + 1 < ops.size(); i++) {
		ASSERT_EQ(ops[i].kind, WL_OP_TOUCH);
		ASSERT_GE(ops[i].arg, first);
		ASSERT_LT(ops[i].arg, first + n);
		EXPECT_EQ(ops[i].cycles, 200u);
		counts[ops[i].arg - first]++;
		writes += ops[i].write;
	}
	EXPECT_EQ(progress(ops), 200000u);
	EXPECT_NEAR((double)writes / 200000, 0.30, 0.01);
	EXPECT_LT(top_share(counts, 0.01), 0.02); // 1% of pages, ~1% of accesses
	ASSERT_EQ(t.mem.frees.size(), 1u);
	EXPECT_EQ(t.mem.frees[0], t.mem.allocs[0]);
}

TEST(Random, ZipfIsSkewedMatchesItsLawAndScattersHotPages)
{
	const double s = 0.99;
	Task t("random", 4096, 5, { { "region", "4MiB" }, { "accesses", "200000" }, { "distribution", "zipf" },
				    { "zipf_s", "0.99" }, { "write_ratio", "0%" } });
	ASSERT_EQ(t.init(), 0);
	const uint64_t first = t.mem.allocs[0].first, n = t.mem.allocs[0].second;
	std::vector<wl_op> ops = t.run();
	std::vector<uint64_t> counts(n);
	for (size_t i = 0; i + 1 < ops.size(); i++) {
		ASSERT_GE(ops[i].arg, first);
		ASSERT_LT(ops[i].arg, first + n);
		EXPECT_EQ(ops[i].write, 0);
		counts[ops[i].arg - first]++;
	}
	EXPECT_GT(top_share(counts, 0.01), 0.30); // ~38% expected for s = 0.99, n = 1024

	// The hottest page has the probability of rank 1: 1 / sum k^-s.
	double h = 0;
	for (uint64_t k = 1; k <= n; k++)
		h += std::pow((double)k, -s);
	std::vector<uint64_t> order(n);
	for (uint64_t i = 0; i < n; i++)
		order[i] = i;
	std::sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) { return counts[a] > counts[b]; });
	EXPECT_NEAR((double)counts[order[0]] / 200000, 1 / h, 0.1 / h);
	EXPECT_NEAR((double)counts[order[1]] / 200000, std::pow(2.0, -s) / h, 0.1 / h);

	// The eight hottest pages do not sit side by side.
	uint64_t lo = *std::min_element(order.begin(), order.begin() + 8);
	uint64_t hi = *std::max_element(order.begin(), order.begin() + 8);
	EXPECT_GT(hi - lo, 64u);
}

TEST(Random, RegionRoundsUpToWholePages)
{
	Task t("random", 16, 1, { { "region", "10000B" }, { "accesses", "1000" } });
	ASSERT_EQ(t.init(), 0);
	EXPECT_EQ(t.mem.allocs[0].second, 3u);
	Task big("random", 16, 1, { { "region", "1MiB" } });
	std::string err;
	EXPECT_EQ(big.init(&err), -1);
	EXPECT_NE(err.find("256 pages"), std::string::npos) << err;
}

// Every region workload names itself, what it could not get, and what is free.
TEST(Workloads, RegionAllocationFailureSaysWhatAndHowMuch)
{
	std::string err;
	Task r("random", 16, 1, { { "region", "1MiB" } });
	EXPECT_EQ(r.init(&err), -1);
	EXPECT_EQ(err, "random: cannot allocate region of 256 pages (1.0 MiB); 16 pages free");
	Task sc("syscall", 16, 1, { { "buffer", "1MiB" } });
	EXPECT_EQ(sc.init(&err), -1);
	EXPECT_EQ(err, "syscall: cannot allocate buffer of 256 pages (1.0 MiB); 16 pages free");
	Task tr("trace", 8, 1, { { "file", "sample.trace" }, { "region", "0B" } });
	EXPECT_EQ(tr.init(&err), -1);
	EXPECT_NE(err.find("sample.trace: error: cannot allocate region of 17 pages (0.1 MiB); 8 pages free"),
		  std::string::npos) << err;
}

TEST(Syscall, EntryKernelTouchesExitThenUserCompute)
{
	Task t("syscall", 64, 2, { { "iterations", "50" }, { "touches", "3" }, { "buffer", "64KiB" },
				   { "user_cycles", "777" } });
	ASSERT_EQ(t.init(), 0);
	const uint64_t first = t.mem.allocs[0].first, n = t.mem.allocs[0].second;
	ASSERT_EQ(n, 16u);
	std::vector<wl_op> ops = t.run();
	ASSERT_EQ(ops.size(), 50 * 6 + 1u);
	for (size_t i = 0; i < 50 * 6; i += 6) {
		EXPECT_EQ(ops[i].kind, WL_OP_KENTER);
		EXPECT_EQ(ops[i].cycles, 1000u);
		for (size_t j = 1; j <= 3; j++) {
			EXPECT_EQ(ops[i + j].kind, WL_OP_TOUCH);
			EXPECT_GE(ops[i + j].arg, first);
			EXPECT_LT(ops[i + j].arg, first + n);
			EXPECT_EQ(ops[i + j].progress, 0);
		}
		EXPECT_EQ(ops[i + 4].kind, WL_OP_KEXIT);
		EXPECT_EQ(ops[i + 4].cycles, 500u);
		EXPECT_EQ(ops[i + 4].progress, 1);
		EXPECT_EQ(ops[i + 5].kind, WL_OP_COMPUTE);
		EXPECT_EQ(ops[i + 5].cycles, 777u);
	}
	EXPECT_EQ(ops.back().kind, WL_OP_EXIT);
	EXPECT_EQ(progress(ops), 50u);
	ASSERT_EQ(t.mem.frees.size(), 1u);
}

TEST(Syscall, WriteRatioAndNoUserComputeWhenZero)
{
	Task t("syscall", 4096, 2, { { "iterations", "20000" }, { "user_cycles", "0" }, { "write_ratio", "25%" } });
	ASSERT_EQ(t.init(), 0);
	std::vector<wl_op> ops = t.run();
	ASSERT_EQ(ops.size(), 20000 * 6 + 1u); // KENTER, 4 touches, KEXIT
	uint64_t touches = 0, writes = 0;
	for (const wl_op &op : ops) {
		EXPECT_NE(op.kind, WL_OP_COMPUTE);
		touches += op.kind == WL_OP_TOUCH;
		writes += op.kind == WL_OP_TOUCH && op.write;
	}
	EXPECT_EQ(touches, 80000u);
	EXPECT_NEAR((double)writes / touches, 0.25, 0.01);
}

TEST(Workloads, SameSeedSameOpsDifferentSeedDifferentOps)
{
	const std::vector<std::pair<const char *, std::map<std::string, std::string>>> cases = {
		{ "memhog", { { "order", "random" }, { "share", "50%" } } },
		{ "random", { { "region", "4MiB" }, { "accesses", "5000" } } },
		{ "random", { { "region", "4MiB" }, { "accesses", "5000" }, { "distribution", "zipf" } } },
		{ "syscall", { { "iterations", "1000" }, { "buffer", "4MiB" } } },
	};
	for (const auto &c : cases) {
		std::vector<wl_op> a = run_task(c.first, 42, c.second, 20000);
		std::vector<wl_op> b = run_task(c.first, 42, c.second, 20000);
		std::vector<wl_op> d = run_task(c.first, 43, c.second, 20000);
		EXPECT_TRUE(same_ops(a, b)) << c.first;
		EXPECT_FALSE(same_ops(a, d)) << c.first;
	}
}

TEST(Trace, SampleFileReplaysItsRecords)
{
	Task t("trace", 20000, 1, { { "file", "sample.trace" } });
	std::string err;
	ASSERT_EQ(t.init(&err), 0) << err;
	const uint64_t g = t.mem.allocs[0].first;
	EXPECT_EQ(t.mem.allocs[0].second, 16384u); // default region 64MiB
	struct want {
		uint8_t kind, write, progress;
		uint32_t cycles;
		uint64_t arg;
	};
	const want w[] = {
		{ WL_OP_COMPUTE, 0, 0, 1000, 0 }, { WL_OP_TOUCH, 0, 1, 0, g + 0 },
		{ WL_OP_COMPUTE, 0, 0, 200, 0 },  { WL_OP_TOUCH, 0, 1, 0, g + 1 },
		{ WL_OP_COMPUTE, 0, 0, 200, 0 },  { WL_OP_TOUCH, 0, 1, 0, g + 2 },
		{ WL_OP_COMPUTE, 0, 0, 500, 0 },  { WL_OP_TOUCH, 1, 1, 0, g + 3 },
		{ WL_OP_KENTER, 0, 1, 0, 0 },	  { WL_OP_COMPUTE, 0, 0, 300, 0 },
		{ WL_OP_TOUCH, 1, 1, 0, g + 16 }, { WL_OP_COMPUTE, 0, 0, 100, 0 },
		{ WL_OP_KEXIT, 0, 1, 0, 0 },	  { WL_OP_COMPUTE, 0, 1, 5000, 0 },
		{ WL_OP_SLEEP, 0, 1, 0, 10000000 }, { WL_OP_COMPUTE, 0, 0, 50, 0 },
		{ WL_OP_TOUCH, 1, 1, 0, g + 3 },  { WL_OP_EXIT, 0, 0, 0, 0 },
	};
	std::vector<wl_op> ops = t.run();
	ASSERT_EQ(ops.size(), sizeof(w) / sizeof(w[0]));
	for (size_t i = 0; i < ops.size(); i++) {
		EXPECT_EQ(ops[i].kind, w[i].kind) << "op " << i;
		EXPECT_EQ(ops[i].write, w[i].write) << "op " << i;
		EXPECT_EQ(ops[i].progress, w[i].progress) << "op " << i;
		EXPECT_EQ(ops[i].cycles, w[i].cycles) << "op " << i;
		EXPECT_EQ(ops[i].arg, w[i].arg) << "op " << i;
	}
	EXPECT_EQ(progress(ops), 10u); // one per record
	EXPECT_EQ(t.next().kind, WL_OP_EXIT);
	ASSERT_EQ(t.mem.frees.size(), 1u);
	EXPECT_EQ(t.mem.frees[0], t.mem.allocs[0]);
}

TEST(Trace, LoopReplaysFromTheTopAndAutoRegionFitsTheTrace)
{
	Task t("trace", 4096, 1, { { "file", "sample.trace" }, { "loop", "true" }, { "region", "0B" } });
	ASSERT_EQ(t.init(), 0);
	EXPECT_EQ(t.mem.allocs[0].second, 17u); // highest address 0x10000
	std::vector<wl_op> first = t.run(17), second = t.run(17);
	EXPECT_TRUE(same_ops(first, second));
	EXPECT_EQ(first[0].kind, WL_OP_COMPUTE);
	EXPECT_EQ(first[0].cycles, 1000u);
	EXPECT_EQ(t.mem.frees.size(), 0u);
}

TEST(Trace, ExitRecordEndsTheTraceEvenWhenLooping)
{
	std::string path = write_file("exit.trace", "10 W 0x0\n0 X\n20 R 0x1000\n");
	Task t("trace", 20000, 1, { { "file", path }, { "loop", "true" } });
	ASSERT_EQ(t.init(), 0);
	std::vector<wl_op> ops = t.run(100);
	ASSERT_EQ(ops.size(), 3u);
	EXPECT_EQ(ops[1].kind, WL_OP_TOUCH);
	EXPECT_EQ(ops[2].kind, WL_OP_EXIT);
	EXPECT_EQ(t.next().kind, WL_OP_EXIT);
}

TEST(Trace, BadTracesFailWithFileAndLine)
{
	const struct {
		const char *text, *where, *what;
	} cases[] = {
		{ "# header\n10 R 0x0\n10 Q 0x0\n", ":3: error:", "unknown op 'Q'" },
		{ "\n10 W 0x1000\n", ":2: error:", "beyond the region" },
		{ "10 R 0x0\n10 R\n", ":2: error:", "missing address" },
		{ "10\n", ":1: error:", "missing op" },
		{ "x R 0x0\n", ":1: error:", "bad cycle count" },
		{ "10 R 0xzz\n", ":1: error:", "bad address" },
		{ "10 K 0x0\n", ":1: error:", "unexpected field" },
		{ "10 S\n", ":1: error:", "missing sleep time" },
		{ "10 S 10\n", ":1: error:", "sleep time" },
		{ "# nothing\n\n", ": error:", "no records" },
	};
	for (const auto &c : cases) {
		std::string path = write_file("bad.trace", c.text);
		Task t("trace", 4096, 1, { { "file", path }, { "region", "4KiB" } });
		std::string err;
		EXPECT_EQ(t.init(&err), -1) << c.text;
		EXPECT_NE(err.find(path + c.where), std::string::npos) << err;
		EXPECT_NE(err.find(c.what), std::string::npos) << err;
		EXPECT_TRUE(t.mem.allocs.empty());
	}
	Task missing("trace", 4096, 1, { { "file", "no-such.trace" } });
	std::string err;
	EXPECT_EQ(missing.init(&err), -1);
	EXPECT_NE(err.find("no-such.trace"), std::string::npos) << err;
}
