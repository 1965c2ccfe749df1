// The swap device and swap-in path against the physical bounds of
// docs/scenario.md "The swap device model": the service-time floor, the
// bandwidth of the one transfer channel, the queue depth, readahead into
// the swap cache, and the fault classes summing to the fault total.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include "model/config/config.h"
#include "model/host/hostmem.h"
#include "model/host/swapdev.h"
#include "model/vm/machine_report.h"
#include "model/vm/machine.h"
}

namespace {

// --- the device alone --------------------------------------------------------

struct Dev {
	struct sim sim;
	struct swap_cfg cfg;
	struct swapdev sd;
	std::vector<std::pair<uint64_t, sim_time_t>> done; // (gfn, time) per page

	explicit Dev(const struct swap_cfg &c, uint64_t nslots = 1 << 20) : cfg(c)
	{
		EXPECT_EQ(sim_init(&sim, &sim_backend_native), 0);
		EXPECT_EQ(swapdev_init(&sd, &sim, &cfg, nslots, 7), 0);
		sd.done = [](void *ctx, uint64_t gfn, bool) {
			Dev *d = static_cast<Dev *>(ctx);
			d->done.push_back({ gfn, d->sim.now });
		};
		sd.done_ctx = this;
	}
	~Dev()
	{
		swapdev_fini(&sd);
		sim_fini(&sim);
	}
	void run()
	{
		sim_run_until(&sim, SIM_TIME_MAX);
		swapdev_close(&sd, sim.now);
	}
	void run_until(sim_time_t t)
	{
		sim_run_until(&sim, t);
		swapdev_close(&sd, t);
	}
};

struct swap_cfg flash(sim_time_t floor, uint32_t depth, uint64_t bw)
{
	struct swap_cfg c = {};
	c.device = SWAPDEV_NVME;
	c.queue_depth = depth;
	c.floor = floor;
	dist_fixed(&c.read_latency, 0);
	dist_fixed(&c.write_latency, 0);
	c.bandwidth = bw;
	c.page_cluster = 3;
	return c;
}

// A read never completes before floor + its transfer, even when the
// distribution above the floor draws near zero.
TEST(SwapDevice, NoReadCompletesBeforeTheFloorPlusItsTransfer)
{
	struct swap_cfg c = flash(50 * SIM_US, 4, 3200000000ULL);
	dist_lognormal_median_p99(&c.read_latency, 1e3, 1e7); // 1 ns median, long tail
	Dev d(c);
	for (uint32_t g = 0; g < 200; g++)
		ASSERT_EQ(swapdev_submit(&d.sd, g, false), 0);
	d.run();
	ASSERT_EQ(d.done.size(), 200u);
	EXPECT_GE(d.sd.stats.read_total.min, 50 * SIM_US + swapdev_transfer_ps(&d.sd, 1));
	// Depth 4: the 200 reads are served 4 at a time, FIFO.
	EXPECT_EQ(d.sd.stats.max_queued, 196u);
	for (size_t i = 1; i < d.done.size(); i++)
		EXPECT_LE(d.done[i - 1].second, d.done[i].second);
}

// Requests in service at once share one channel: with no service time,
// 64 requests of 8 pages submitted together complete one transfer apart,
// and the bytes moved per busy second equal the bandwidth, never more.
TEST(SwapDevice, ConcurrentRequestsShareTheBandwidth)
{
	const uint64_t bw = 500ULL << 20;
	Dev d(flash(0, 64, bw));
	uint32_t g[8];
	for (uint32_t r = 0; r < 64; r++) {
		for (uint32_t i = 0; i < 8; i++)
			g[i] = r * 8 + i;
		ASSERT_EQ(swapdev_submit_io(&d.sd, false, r * 8, g, 8), 0);
	}
	d.run();
	ASSERT_EQ(d.done.size(), 512u);
	sim_time_t xfer = swapdev_transfer_ps(&d.sd, 8);
	for (uint32_t r = 0; r < 64; r++)
		EXPECT_EQ(d.done[r * 8].second, (r + 1) * xfer) << "request " << r;
	double bytes = 512.0 * 4096;
	EXPECT_LE(bytes / ((double)d.sd.stats.busy_ps / 1e12), (double)bw);
	EXPECT_GT(bytes / ((double)d.sd.stats.busy_ps / 1e12), 0.999 * (double)bw);
}

// A run that ends with requests in service (the device never idle, as under
// APF with many faults in flight): busy time counts up to the end, not only
// for busy periods that ended, so it is at least the transfer time; the
// requests not completed are counted as unfinished, not as read.
TEST(SwapDevice, StatisticsCloseAtTheEndOfARunThatEndsBusy)
{
	const uint64_t bw = 500ULL << 20;
	Dev d(flash(10 * SIM_US, 4, bw));
	uint32_t g[8];
	for (uint32_t r = 0; r < 16; r++) {
		for (uint32_t i = 0; i < 8; i++)
			g[i] = r * 8 + i;
		ASSERT_EQ(swapdev_submit_io(&d.sd, false, r * 8, g, 8), 0);
	}
	sim_time_t xfer = swapdev_transfer_ps(&d.sd, 8);
	// The transfer (62.5 us) is longer than the floor (10 us): after the
	// first service the channel moves data back to back.  Stop half-way
	// through the fifth transfer: 4 requests completed, the device busy
	// from 0 without a break.
	ASSERT_GT(xfer, 10 * SIM_US);
	sim_time_t end = 10 * SIM_US + 4 * xfer + xfer / 2;
	d.run_until(end);
	const struct swapdev_stats &s = d.sd.stats;
	EXPECT_EQ(s.reads, 16u);
	EXPECT_EQ(s.pages_read, 4u * 8);
	EXPECT_EQ(s.reads_unfinished, 12u);
	EXPECT_EQ(s.pages_read_unfinished, 12u * 8);
	EXPECT_EQ(s.busy_ps, end);
	EXPECT_EQ(s.transfer_ps, 4 * xfer + xfer / 2);
	EXPECT_GE(s.busy_ps, s.transfer_ps);
	EXPECT_GE(s.pages_read, s.reads - s.reads_unfinished);
	// Closing again later (the run continued) moves the figures on.
	d.run();
	EXPECT_EQ(s.pages_read, 16u * 8);
	EXPECT_EQ(s.reads_unfinished, 0u);
	EXPECT_EQ(s.pages_read_unfinished, 0u);
	EXPECT_EQ(s.transfer_ps, 16 * xfer);
	EXPECT_GE(s.busy_ps, s.transfer_ps);
}

// Beyond the queue depth, requests wait FIFO for a request to leave service.
TEST(SwapDevice, RequestsBeyondTheQueueDepthWaitInOrder)
{
	Dev d(flash(10 * SIM_US, 2, 1ULL << 50)); // transfer ~0
	for (uint32_t g = 0; g < 6; g++)
		ASSERT_EQ(swapdev_submit(&d.sd, g, false), 0);
	d.run();
	ASSERT_EQ(d.done.size(), 6u);
	for (uint32_t i = 0; i < 6; i++) {
		EXPECT_EQ(d.done[i].first, i);
		EXPECT_NEAR((double)d.done[i].second, (double)((i / 2 + 1) * 10 * SIM_US), 100.0) << i;
	}
}

// The block plug: contiguous writes submitted while plugged leave as one
// request at the unplug, even with the device idle (without the plug the
// first would start alone and only the waiting ones could merge); a gap in
// the slots or SWAP_REQ_MAX pages starts another request.  Reads are never
// held.
TEST(SwapDevice, PluggedContiguousWritesLeaveAsOneRequest)
{
	Dev d(flash(10 * SIM_US, 32, 1ULL << 40));
	swapdev_plug(&d.sd, true);
	for (uint32_t g = 0; g < 70; g++) {
		uint32_t gfn = g;
		ASSERT_EQ(swapdev_submit_io(&d.sd, true, 1000 + g, &gfn, 1), 0);
	}
	uint32_t far = 500;
	ASSERT_EQ(swapdev_submit_io(&d.sd, true, 5000, &far, 1), 0);
	uint32_t rd = 900;
	ASSERT_EQ(swapdev_submit_io(&d.sd, false, 9000, &rd, 1), 0);
	EXPECT_EQ(d.sd.stats.reads, 1u) << "a read goes at once";
	// The first 64 pages left when the 65th did not fit, the next 6 when
	// the far one did not continue them; the far one waits for the unplug.
	EXPECT_EQ(d.sd.stats.writes, 2u);
	swapdev_plug(&d.sd, false);
	d.run();
	// 64 + 6 contiguous, then the far one: three write requests.
	EXPECT_EQ(d.sd.stats.writes, 3u);
	EXPECT_EQ(d.sd.stats.pages_written, 71u);
	EXPECT_EQ(d.sd.stats.merged_writes, 71u - 3u);
	EXPECT_EQ(d.done.size(), 72u);

	// Unplugged, the same writes on an idle device of depth 32: each of
	// the first 32 starts alone, only the ones that wait merge.
	Dev u(flash(10 * SIM_US, 32, 1ULL << 40));
	for (uint32_t g = 0; g < 70; g++) {
		uint32_t gfn = g;
		ASSERT_EQ(swapdev_submit_io(&u.sd, true, 1000 + g, &gfn, 1), 0);
	}
	u.run();
	EXPECT_EQ(u.sd.stats.writes, 33u);
}

// Behind a queue of writes, a read waits its turn with `none` and goes
// first (after at most writes_starved reads) with `mq-deadline`.
TEST(SwapDevice, MqDeadlineServesReadsBeforeWaitingWrites)
{
	for (uint32_t sched : { (uint32_t)SWAP_SCHED_NONE, (uint32_t)SWAP_SCHED_MQ_DEADLINE }) {
		struct swap_cfg c = flash(10 * SIM_US, 1, 1ULL << 50);
		dist_fixed(&c.write_latency, 10e6);
		c.scheduler = sched;
		Dev d(c);
		for (uint32_t g = 0; g < 4; g++) // slots far apart: no merging
			ASSERT_EQ(swapdev_submit_io(&d.sd, true, g * 100, &g, 1), 0);
		uint32_t rd[3] = { 100, 101, 102 };
		for (uint32_t i = 0; i < 3; i++)
			ASSERT_EQ(swapdev_submit_io(&d.sd, false, 1000 + i * 100, &rd[i], 1), 0);
		d.run();
		ASSERT_EQ(d.done.size(), 7u);
		std::vector<uint64_t> order;
		for (auto &e : d.done)
			order.push_back(e.first);
		if (sched == SWAP_SCHED_NONE)
			EXPECT_EQ(order, (std::vector<uint64_t>{ 0, 1, 2, 3, 100, 101, 102 }));
		else // write 0 was in service; then 2 reads, 1 write, the last read, the rest
			EXPECT_EQ(order, (std::vector<uint64_t>{ 0, 100, 101, 1, 102, 2, 3 }));
	}
}

// A disk with a seek pays for distance: a far jump costs more than
// reading on from where the head stopped.
TEST(SwapDevice, TheSeekGrowsWithDistance)
{
	struct swap_cfg c = flash(2 * SIM_MS, 1, 200000000ULL);
	c.seek_max = 4 * SIM_MS;
	Dev d(c, 1000);
	uint32_t g = 0;
	ASSERT_EQ(swapdev_submit_io(&d.sd, false, 0, &g, 1), 0);
	g = 1;
	ASSERT_EQ(swapdev_submit_io(&d.sd, false, 1, &g, 1), 0); // sequential
	g = 2;
	ASSERT_EQ(swapdev_submit_io(&d.sd, false, 1002, &g, 1), 0); // full stroke from slot 2
	d.run();
	ASSERT_EQ(d.done.size(), 3u);
	sim_time_t x = swapdev_transfer_ps(&d.sd, 1);
	EXPECT_EQ(d.done[0].second, 2 * SIM_MS + x);
	EXPECT_EQ(d.done[1].second - d.done[0].second, 2 * SIM_MS + x);
	EXPECT_EQ(d.done[2].second - d.done[1].second, 2 * SIM_MS + 4 * SIM_MS + x);
}

// --- readahead and the swap cache in host memory ----------------------------------

// Pages evicted one after another take consecutive slots; a swap-in reads
// the aligned window of 8 slots; the pages read ahead are then minor.
TEST(SwapCache, ReadaheadBringsConsecutiveSlotsAndTheirFaultsAreMinor)
{
	struct hostmem hm;
	char err[128];
	ASSERT_EQ(hostmem_init(&hm, 64, 4, RECLAIM_LRU, err, sizeof(err)), 0);
	for (uint64_t g = 0; g < 20; g++) {
		hostmem_zero_fill(&hm, g);
		hostmem_map(&hm, g);
		hostmem_access(&hm, g, true);
	}
	// Pages 0..15 were evicted in order (LRU): slots 0..15.
	for (uint64_t g = 0; g < 16; g++)
		EXPECT_EQ(hostmem_slot(&hm, g), g);
	uint32_t gfns[SWAP_REQ_MAX];
	uint64_t slot;
	uint32_t n = hostmem_swapin_cluster(&hm, 10, 8, gfns, SWAP_REQ_MAX, &slot);
	ASSERT_EQ(n, 8u);
	EXPECT_EQ(slot, 8u);
	for (uint32_t i = 0; i < n; i++) {
		EXPECT_EQ(gfns[i], 8 + i);
		EXPECT_EQ(hostmem_classify(&hm, gfns[i]), HM_FAULT_INFLIGHT);
	}
	for (uint32_t i = 0; i < n; i++)
		hostmem_swapin_done(&hm, gfns[i]);
	hostmem_map(&hm, 10); // the faulting page
	EXPECT_EQ(hm.stats.major, 1u);
	EXPECT_EQ(hm.stats.readahead, 7u);
	// Limit 4: the last four pages to arrive are resident; of them the
	// read-ahead ones are swap-cache hits, once.
	EXPECT_EQ(hostmem_classify(&hm, 15), HM_FAULT_MINOR);
	EXPECT_TRUE(hostmem_swapcache_hit(&hm, 15));
	EXPECT_FALSE(hostmem_swapcache_hit(&hm, 15));
	EXPECT_FALSE(hostmem_swapcache_hit(&hm, 10)) << "the faulting page was not read ahead";
	EXPECT_GT(hm.stats.readahead_unused, 0u) << "a 4-page limit evicts some read-ahead pages unused";
	// A write makes the swap copy stale: the slot is freed.
	hostmem_access(&hm, 15, true);
	EXPECT_EQ(hostmem_slot(&hm, 15), UINT64_MAX);
	hostmem_fini(&hm);
}

// --- whole runs ---------------------------------------------------------------

struct SwapRun {
	struct apf_config cfg;
	struct machine m;
	json_t *doc = nullptr;
	bool ok = false;

	SwapRun(const std::string &yaml, const std::vector<std::string> &sets)
	{
		struct cfg_error err;
		if (config_load_string(&cfg, yaml.c_str(), "swap.yaml", &err)) {
			ADD_FAILURE() << err.line << ":" << err.col << ": " << err.msg;
			return;
		}
		for (const auto &s : sets)
			if (config_set(&cfg, s.c_str(), &err)) {
				ADD_FAILURE() << s << ": " << err.msg;
				config_free(&cfg);
				return;
			}
		if (machine_init(&m, &cfg)) {
			ADD_FAILURE() << m.err;
			machine_fini(&m);
			config_free(&cfg);
			return;
		}
		machine_run_until(&m, SIM_TIME_MAX);
		machine_finish(&m);
		doc = report_json(&m, "test");
		ok = true;
	}
	~SwapRun()
	{
		if (doc)
			json_decref(doc);
		if (ok) {
			machine_fini(&m);
			config_free(&cfg);
		}
	}
	long long I(std::initializer_list<const char *> path) const
	{
		json_t *cur = doc;
		for (const char *k : path)
			cur = json_object_get(cur, k);
		EXPECT_TRUE(json_is_integer(cur));
		return (long long)json_integer_value(cur);
	}
	std::string dump() const
	{
		char *s = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		std::string out(s);
		free(s);
		return out;
	}
};

// A hog writing its memory twice through a cgroup half its size, beside a
// compute thread: the second pass swaps in, in swap-out order.
const char *kHog = R"(
seed: 5
vm: {vcpus: 1, memory: 96MiB, kernel_reserved: 32MiB}
host:
  memory_limit: 32MiB
tasks:
  - {name: hog, workload: memhog, share: 100%, passes: 2}
  - {name: compute, workload: compute, iteration: 100000}
run: {duration: 2s, until_done: true}
)";

long long class_sum(const SwapRun &r)
{
	return r.I({ "host", "faults", "minor" }) + r.I({ "host", "faults", "zero_fill" }) +
	       r.I({ "host", "faults", "major" }) + r.I({ "host", "faults", "async" }) +
	       r.I({ "host", "faults", "repeated" });
}

// Every fault is in exactly one class, under APF as without it.
TEST(FaultClasses, SumToTheTotalUnderEveryProtocol)
{
	for (const char *p : { "sync", "arm64-v4", "x86-int-ack" }) {
		SwapRun r(kHog, { std::string("protocol=") + p });
		ASSERT_TRUE(r.ok) << p;
		long long total = r.I({ "host", "faults", "total" });
		EXPECT_GT(r.I({ "host", "swap", "swap_ins" }), 0) << p << ": the scenario must swap in";
		EXPECT_EQ(class_sum(r), total) << p;
		EXPECT_LE(r.I({ "host", "faults", "swapcache_hits" }), r.I({ "host", "faults", "minor" })) << p;
		if (std::string(p) == "sync")
			EXPECT_EQ(r.I({ "host", "faults", "async" }), 0);
		else
			EXPECT_EQ(r.I({ "host", "faults", "async" }), r.I({ "apf", "async" })) << p;
	}
}

// No swap-in completes below its device's floor + one page of transfer,
// and no device moves more than its bandwidth, on every preset.
TEST(SwapBounds, FloorAndBandwidthHoldOnEveryPreset)
{
	for (uint32_t i = 0; cfg_swap_device_names[i]; i++) {
		const char *dev = cfg_swap_device_names[i];
		SwapRun r(kHog, { std::string("host.swap.device=") + dev });
		ASSERT_TRUE(r.ok) << dev;
		long long floor = r.I({ "host", "swap", "floor_ps" });
		long long bw = r.I({ "host", "swap", "bandwidth_bytes_per_s" });
		long long one_page = (long long)std::ceil(4096.0 * 1e12 / (double)bw);
		ASSERT_GT(r.I({ "host", "swap", "read_latency_ps", "count" }), 0) << dev;
		EXPECT_GE(r.I({ "host", "swap", "read_latency_ps", "min" }), floor + one_page) << dev;
		double bytes = 4096.0 * (double)(r.I({ "host", "swap", "pages_read" }) +
						 r.I({ "host", "swap", "pages_written" }));
		double busy_s = (double)r.I({ "host", "swap", "busy_ps" }) / 1e12;
		ASSERT_GT(busy_s, 0) << dev;
		EXPECT_LE(bytes / busy_s, (double)bw) << dev;
		EXPECT_EQ(class_sum(r), r.I({ "host", "faults", "total" })) << dev;
	}
}

// A sequential pass over swapped memory: with readahead (page_cluster 3)
// one device read serves up to 8 faults, the rest are swap-cache hits;
// without it every fault is its own read.
TEST(SwapBounds, ReadaheadMakesFewerDeviceReadsThanFaults)
{
	const char *seq = R"(
vm: {vcpus: 1, memory: 64MiB, kernel_reserved: 16MiB}
host: {initial_state: swapped}
tasks:
  - {name: hog, workload: memhog, share: 100%, passes: 1}
run: {duration: 2s, until_done: true}
)";
	for (const char *p : { "sync", "arm64-v4" }) {
		SwapRun ra(seq, { std::string("protocol=") + p });
		SwapRun none(seq, { std::string("protocol=") + p, "host.swap.page_cluster=0" });
		ASSERT_TRUE(ra.ok && none.ok) << p;
		long long faults = ra.I({ "host", "faults", "total" });
		long long reads = ra.I({ "host", "swap", "read_requests" });
		EXPECT_GT(faults, 0) << p;
		EXPECT_LE(reads * 4, faults) << p << ": most reads serve 8 faults";
		EXPECT_GT(ra.I({ "host", "faults", "swapcache_hits" }), faults / 2) << p;
		EXPECT_EQ(none.I({ "host", "swap", "read_requests" }), none.I({ "host", "faults", "total" })) << p;
		EXPECT_EQ(none.I({ "host", "faults", "swapcache_hits" }), 0) << p;
		// Same pages touched either way.
		EXPECT_EQ(ra.I({ "host", "swap", "pages_read" }), none.I({ "host", "swap", "pages_read" })) << p;
	}
}

// One reclaim's write-backs form one request: quickstart (a memory hog in
// a 128 MiB cgroup) writes in runs of host.reclaim_batch pages; with a batch
// of 1 it writes page by page (the model before the batch).
TEST(SwapBounds, ReclaimWritesABatchAsOneRequest)
{
	const char *hog = R"(
vm: {vcpus: 1, memory: 256MiB, kernel_reserved: 32MiB}
host: {memory_limit: 128MiB}
tasks:
  - {name: hog, workload: memhog, share: 60%, passes: 2}
run: {duration: 2s, until_done: true}
)";
	SwapRun batch(hog, {});
	SwapRun single(hog, { "host.reclaim_batch=1" });
	ASSERT_TRUE(batch.ok && single.ok);
	long long bw = batch.I({ "host", "swap", "writes" }), bp = batch.I({ "host", "swap", "pages_written" });
	long long sw = single.I({ "host", "swap", "writes" }), sp = single.I({ "host", "swap", "pages_written" });
	ASSERT_GT(bp, 10000);
	EXPECT_GE(bw * 32, bp) << "no request above a batch here";
	EXPECT_LE(bw * 30, bp) << "almost every request is a whole batch";
	EXPECT_GT(sw * 2, sp) << "page by page, merged only when waiting";
	// The same memory goes out either way (within a batch of pages).
	EXPECT_NEAR((double)bp, (double)sp, 64.0);
	// zram is a bio-based driver (no request queue): every page is its own
	// write, plug or not.
	SwapRun zram(hog, { "host.swap.device=zram" });
	ASSERT_TRUE(zram.ok);
	ASSERT_GT(zram.I({ "host", "swap", "pages_written" }), 10000);
	EXPECT_EQ(zram.I({ "host", "swap", "writes" }), zram.I({ "host", "swap", "pages_written" }));
	EXPECT_EQ(zram.I({ "host", "swap", "merged_writes" }), 0);
}

// Same scenario and seed, identical JSON, on the disk preset (seek and
// rotation draws) under APF.
TEST(SwapBounds, SameSeedSameJson)
{
	std::vector<std::string> sets = { "protocol=arm64-v4", "host.swap.device=sas-hdd", "run.duration=300ms" };
	SwapRun a(kHog, sets), b(kHog, sets);
	ASSERT_TRUE(a.ok && b.ok);
	EXPECT_EQ(a.dump(), b.dump());
	SwapRun c(kHog, { "protocol=arm64-v4", "host.swap.device=sas-hdd", "run.duration=300ms", "seed=6" });
	ASSERT_TRUE(c.ok);
	EXPECT_NE(a.dump(), c.dump()) << "the seed reaches the swap draws";
}

} // namespace

namespace {

// host.thp: the first touch of an untouched 2 MiB range maps all of it (one
// zero-fill fault per 2 MiB); after swap-out the pages come back per 4 KiB
// (the huge page was split), with readahead.
TEST(Thp, FirstTouchMaps2MiBAndSwapInStaysPer4KiB)
{
	SwapRun small(kHog, { "run.duration=2s" });
	SwapRun huge(kHog, { "host.thp=true", "run.duration=2s" });
	ASSERT_TRUE(small.ok && huge.ok);
	EXPECT_EQ(small.I({ "host", "memory", "thp_fills" }), 0);
	long long fills = huge.I({ "host", "memory", "thp_fills" });
	EXPECT_GT(fills, 0);
	EXPECT_LE(huge.I({ "host", "faults", "zero_fill" }) * 100, small.I({ "host", "faults", "zero_fill" }))
		<< "512 pages per zero-fill fault (a few ranges are not 2 MiB-aligned free)";
	EXPECT_EQ(class_sum(huge), huge.I({ "host", "faults", "total" }));
	// The second pass swaps in every page it does not find resident, per 4 KiB.
	long long in = huge.I({ "host", "swap", "swap_ins" }) + huge.I({ "host", "faults", "swapcache_hits" });
	long long in_small = small.I({ "host", "swap", "swap_ins" }) + small.I({ "host", "faults", "swapcache_hits" });
	EXPECT_GT(in, 0);
	EXPECT_NEAR((double)in, (double)in_small, 0.1 * (double)in_small);
}

} // namespace

namespace {

// zram is SWP_SYNCHRONOUS_IO: KVM's no-wait fault-in reads the page inline
// and succeeds, so no fault on it goes async under any APF preset; the
// same run on NVMe does take async faults (docs/latencies.md,
// "Synchronous swap devices").
TEST(SyncSwapDevice, ZramSwapInsNeverGoAsync)
{
	for (const char *p : { "arm64-v4", "x86-int-ack", "x86-legacy" }) {
		SwapRun z(kHog, { std::string("protocol=") + p, "host.swap.device=zram" });
		ASSERT_TRUE(z.ok) << p;
		EXPECT_GT(z.I({ "host", "faults", "major" }), 0) << p;
		EXPECT_EQ(z.I({ "host", "faults", "async" }), 0) << p;
		EXPECT_EQ(z.I({ "apf", "async" }), 0) << p;
		EXPECT_EQ(z.I({ "apf", "tokens", "issued" }), 0) << p;
		SwapRun n(kHog, { std::string("protocol=") + p, "host.swap.device=nvme" });
		ASSERT_TRUE(n.ok) << p;
		EXPECT_GT(n.I({ "host", "faults", "async" }), 0) << p << ": the control run on NVMe";
	}
}

} // namespace
