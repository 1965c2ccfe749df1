// config_test.cc — scenario files: defaults, a full scenario's values, every
// bad-input error (FILE:LINE:COL: error: KEY: ...), --set overrides, and the
// docs/scenario.md schema tables kept in step with the code.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "model/config/config.h"
#include "model/apf/trapcost.h"
#include "workloads/workload.h"
}

namespace {

const std::string kSource = APFSIM_SOURCE_DIR;
const char kOneTask[] = "tasks:\n  - {name: a, workload: compute}\n";

std::string printed(const cfg_error &e)
{
	FILE *f = tmpfile();
	char buf[2048] = "";

	cfg_error_print(&e, f);
	rewind(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

// Load `yaml`; returns "" on success, else the printed error line.
std::string load(const std::string &yaml, apf_config *out = nullptr)
{
	apf_config c;
	cfg_error e;
	std::string r;

	if (config_load_string(&c, yaml.c_str(), "s.yaml", &e) != 0)
		r = printed(e);
	if (out)
		*out = c;
	else
		config_free(&c);
	return r;
}

std::string workload_list()
{
	std::string s;

	for (size_t i = 0; workload_table[i]; i++)
		s += (i ? ", " : "") + std::string(workload_table[i]->name);
	return s;
}

std::string param_keys(const param_desc *d)
{
	std::string s;

	for (; d && d->key; d++)
		s += (s.empty() ? "" : ", ") + std::string(d->key);
	return s;
}

void replace(std::string &s, const std::string &from, const std::string &to)
{
	size_t at = s.find(from);

	if (at != std::string::npos)
		s.replace(at, from.size(), to);
}

} // namespace

TEST(Config, DefaultsAreTheDocumentedValues)
{
	apf_config c;

	ASSERT_EQ(load(kOneTask, &c), "");
	EXPECT_EQ(c.seed, 1u);
	EXPECT_STREQ(c.protocol, "sync");
	EXPECT_EQ(c.vm.vcpus, 1u);
	EXPECT_EQ(c.vm.memory, 1ULL << 30);
	EXPECT_EQ(c.vm.freq_hz, 2000000000ULL);
	EXPECT_DOUBLE_EQ(c.vm.cpi, 1.0);
	EXPECT_EQ(c.vm.kernel_reserved, 64ULL << 20);
	EXPECT_EQ(c.host.memory_limit, UINT64_MAX);
	EXPECT_EQ(c.host.reclaim, (uint32_t)RECLAIM_CLOCK);
	EXPECT_EQ(c.host.swap.device, (uint32_t)SWAPDEV_NVME);
	EXPECT_EQ(c.host.swap.queue_depth, 32u);
	EXPECT_EQ(c.host.swap.floor, 50 * SIM_US);
	EXPECT_EQ(c.host.swap.read_latency.kind, DIST_LOGNORMAL);
	EXPECT_NEAR(dist_quantile(&c.host.swap.read_latency, 0.5), 32e6, 1e3);
	EXPECT_NEAR(dist_quantile(&c.host.swap.read_latency, 0.99), 150e6, 1e4);
	EXPECT_NEAR(dist_quantile(&c.host.swap.write_latency, 0.5), 20e6, 1e3);
	EXPECT_NEAR(dist_quantile(&c.host.swap.write_latency, 0.99), 100e6, 1e4);
	EXPECT_EQ(c.host.swap.bandwidth, 3052ULL << 20);
	EXPECT_EQ(c.host.swap.seek_max, 0u);
	EXPECT_EQ(c.host.swap.page_cluster, 3u);
	EXPECT_FALSE(c.host.thp);
	EXPECT_EQ(c.host.minor_fault, 2 * SIM_US);
	EXPECT_EQ(c.host.zero_fill, 1 * SIM_US);
	// Trap costs default to the protocol's architecture table (trapcost.h).
	EXPECT_EQ(c.host.vmexit, CFG_TIME_AUTO);
	EXPECT_EQ(c.host.vmentry, CFG_TIME_AUTO);
	EXPECT_EQ(c.host.hypercall, CFG_TIME_AUTO);
	EXPECT_EQ(c.host.sdei_dispatch, CFG_TIME_AUTO);
	EXPECT_EQ(c.host.irq_complete, CFG_TIME_AUTO);
	struct trap_costs tc;
	trap_costs_resolve(&c, &tc);
	EXPECT_STREQ(tc.arch->name, "arm64-nvhe");
	EXPECT_EQ(tc.hypercall, 3250 * SIM_NS);	// 6 500 cycles at 2 GHz
	EXPECT_EQ(tc.vmexit, 1625 * SIM_NS);
	EXPECT_EQ(tc.vmentry, 1625 * SIM_NS);
	EXPECT_EQ(tc.irq_complete, 35500u);	// 71 cycles
	EXPECT_EQ(c.host.workers, 256u);
	EXPECT_EQ(c.host.worker_start, 5 * SIM_US);
	EXPECT_EQ(c.guest.timeslice, 4 * SIM_MS);
	EXPECT_EQ(c.guest.context_switch, 3 * SIM_US);
	EXPECT_EQ(c.run.duration, 60 * SIM_S);
	EXPECT_TRUE(c.run.until_done);
	ASSERT_EQ(c.ntasks, 1u);
	EXPECT_STREQ(c.tasks[0].name, "a");
	EXPECT_EQ(c.tasks[0].workload, workload_find("compute"));
	EXPECT_EQ(c.tasks[0].vcpu, -1);
	EXPECT_EQ(c.tasks[0].count, 1u);
	EXPECT_EQ(c.tasks[0].start, 0u);
	EXPECT_EQ(c.tasks[0].line, 2u);
	config_free(&c);
}

// The host.swap defaults are the nvme preset, and every preset loads its
// own values; a key given explicitly overrides the preset whatever the key
// order, and a later --set of the device loads the new preset.
TEST(Config, SwapDevicePresetsLoadAndExplicitKeysOverrideThem)
{
	apf_config d, c;

	config_defaults(&d);
	for (uint32_t i = 0; cfg_swap_device_names[i]; i++) {
		std::string y = std::string("host:\n  swap:\n    device: ") + cfg_swap_device_names[i] +
				"\ntasks:\n  - {name: a, workload: compute}\n";
		ASSERT_EQ(load(y.c_str(), &c), "") << cfg_swap_device_names[i];
		EXPECT_EQ(c.host.swap.device, i);
		EXPECT_STREQ(cfg_swap_presets[i].name, cfg_swap_device_names[i]);
		if (i == SWAPDEV_NVME) {
			EXPECT_EQ(c.host.swap.floor, d.host.swap.floor);
			EXPECT_EQ(c.host.swap.queue_depth, d.host.swap.queue_depth);
			EXPECT_EQ(c.host.swap.bandwidth, d.host.swap.bandwidth);
			EXPECT_EQ(c.host.swap.seek_max, d.host.swap.seek_max);
			EXPECT_EQ(c.host.swap.read_latency.a, d.host.swap.read_latency.a);
			EXPECT_EQ(c.host.swap.read_latency.b, d.host.swap.read_latency.b);
			EXPECT_EQ(c.host.swap.write_latency.a, d.host.swap.write_latency.a);
		}
		config_free(&c);
	}
	ASSERT_EQ(load("host:\n  swap:\n    floor: 10us\n    device: sas-hdd\n"
		       "tasks:\n  - {name: a, workload: compute}\n", &c), "");
	EXPECT_EQ(c.host.swap.floor, 10 * SIM_US) << "explicit key wins over the preset";
	EXPECT_EQ(c.host.swap.seek_max, 4 * SIM_MS);
	EXPECT_EQ(c.host.swap.queue_depth, 1u);
	EXPECT_EQ(c.host.swap.read_latency.kind, DIST_UNIFORM);
	struct cfg_error err;
	ASSERT_EQ(config_set(&c, "host.swap.device=sata-ssd", &err), 0) << err.msg;
	EXPECT_EQ(c.host.swap.floor, 100 * SIM_US);
	EXPECT_EQ(c.host.swap.bandwidth, 525ULL << 20);
	EXPECT_EQ(config_set(&c, "host.swap.device=floppy", &err), -1);
	EXPECT_NE(printed(err).find("--set host.swap.device: error: "), std::string::npos) << printed(err);
	EXPECT_EQ(c.host.swap.device, (uint32_t)SWAPDEV_SATA_SSD) << "a failed --set changes nothing";
	config_free(&c);
	std::string bad = load("host:\n  swap:\n    device: floppy\ntasks:\n  - {name: a, workload: compute}\n");
	EXPECT_EQ(bad.rfind("s.yaml:3:13: error: host.swap.device: ", 0), 0u) << bad;
	EXPECT_NE(bad.find("nvme, sata-ssd, sas-hdd, zram, optane"), std::string::npos) << bad;
	config_free(&d);
}

TEST(Config, ConfigDefaultsMatchALoadedMinimalScenario)
{
	apf_config d, c;

	config_defaults(&d);
	ASSERT_EQ(load(kOneTask, &c), "");
	EXPECT_EQ(d.vm.memory, c.vm.memory);
	EXPECT_EQ(d.host.vmexit, c.host.vmexit);
	EXPECT_EQ(d.host.swap.read_latency.a, c.host.swap.read_latency.a);
	EXPECT_EQ(d.ntasks, 0u);
	EXPECT_EQ(d.tasks, nullptr);
	config_free(&c);
	config_free(&d);
}

TEST(Config, FullScenarioRoundTripsEveryValue)
{
	const char *yaml = "seed: 42\n"
			   "protocol: arm64-v4\n"
			   "vm:\n"
			   "  vcpus: 4\n"
			   "  memory: 8GiB\n"
			   "  freq: 2500MHz\n"
			   "  cpi: 1.5\n"
			   "  kernel_reserved: 128MiB\n"
			   "host:\n"
			   "  memory_limit: 6GiB\n"
			   "  reclaim: lru\n"
			   "  minor_fault: 1500ns\n"
			   "  zero_fill: 800ns\n"
			   "  vmexit: 1us\n"
			   "  vmentry: 900ns\n"
			   "  hypercall: 6500cycles\n"
			   "  workers: 8\n"
			   "  worker_start: 3us\n"
			   "  swap:\n"
			   "    queue_depth: 64\n"
			   "    read_latency: {dist: uniform, min: 10us, max: 20us}\n"
			   "    write_latency: 25us\n"
			   "guest:\n"
			   "  timeslice: 10ms\n"
			   "  context_switch: 2us\n"
			   "run:\n"
			   "  duration: 2s\n"
			   "  until_done: false\n"
			   "tasks:\n"
			   "  - name: hog\n"
			   "    workload: compute\n"
			   "    vcpu: 3\n"
			   "    count: 2\n"
			   "    start: 1ms\n"
			   "    iterations: 7\n"
			   "  - {name: bg, workload: compute, vcpu: any}\n";
	apf_config c;

	ASSERT_EQ(load(yaml, &c), "");
	EXPECT_EQ(c.seed, 42u);
	EXPECT_STREQ(c.protocol, "arm64-v4");
	EXPECT_EQ(c.vm.vcpus, 4u);
	EXPECT_EQ(c.vm.memory, 8ULL << 30);
	EXPECT_EQ(c.vm.freq_hz, 2500000000ULL);
	EXPECT_DOUBLE_EQ(c.vm.cpi, 1.5);
	EXPECT_EQ(c.vm.kernel_reserved, 128ULL << 20);
	EXPECT_EQ(c.host.memory_limit, 6ULL << 30);
	EXPECT_EQ(c.host.reclaim, (uint32_t)RECLAIM_LRU);
	EXPECT_EQ(c.host.minor_fault, 1500 * SIM_NS);
	EXPECT_EQ(c.host.zero_fill, 800 * SIM_NS);
	EXPECT_EQ(c.host.vmexit, SIM_US);
	EXPECT_EQ(c.host.vmentry, 900 * SIM_NS);
	EXPECT_EQ(c.host.hypercall, 2600 * SIM_NS); // 6500 cycles at 2.5GHz
	EXPECT_EQ(c.host.workers, 8u);
	EXPECT_EQ(c.host.worker_start, 3 * SIM_US);
	EXPECT_EQ(c.host.swap.queue_depth, 64u);
	EXPECT_EQ(c.host.swap.read_latency.kind, DIST_UNIFORM);
	EXPECT_EQ(c.host.swap.read_latency.a, 10e6);
	EXPECT_EQ(c.host.swap.read_latency.b, 20e6);
	EXPECT_EQ(c.host.swap.write_latency.kind, DIST_FIXED);
	EXPECT_EQ(c.host.swap.write_latency.a, 25e6);
	EXPECT_EQ(c.guest.timeslice, 10 * SIM_MS);
	EXPECT_EQ(c.guest.context_switch, 2 * SIM_US);
	EXPECT_EQ(c.run.duration, 2 * SIM_S);
	EXPECT_FALSE(c.run.until_done);
	ASSERT_EQ(c.ntasks, 2u);
	EXPECT_STREQ(c.tasks[0].name, "hog");
	EXPECT_EQ(c.tasks[0].vcpu, 3);
	EXPECT_EQ(c.tasks[0].count, 2u);
	EXPECT_EQ(c.tasks[0].start, SIM_MS);
	EXPECT_EQ(c.tasks[0].line, 30u);
	EXPECT_EQ(c.tasks[1].vcpu, -1);
	// Workload params: defaults first, then the user's values.
	const param_desc *it = nullptr, *its = nullptr;
	for (const param_desc *d = workload_find("compute")->params; d->key; d++) {
		if (!strcmp(d->key, "iterations"))
			its = d;
		if (!strcmp(d->key, "iteration"))
			it = d;
	}
	ASSERT_TRUE(it && its);
	uint64_t v;
	memcpy(&v, c.tasks[0].params + its->offset, sizeof(v));
	EXPECT_EQ(v, 7u);
	memcpy(&v, c.tasks[0].params + it->offset, sizeof(v));
	EXPECT_EQ(v, strtoull(it->def, nullptr, 10));
	config_free(&c);
}

TEST(Config, EveryDistributionForm)
{
	apf_config c;
	std::string pre = "host:\n  swap:\n    read_latency: ";

	ASSERT_EQ(load(pre + "{dist: fixed, value: 15us}\n" + kOneTask, &c), "");
	EXPECT_EQ(c.host.swap.read_latency.kind, DIST_FIXED);
	EXPECT_EQ(c.host.swap.read_latency.a, 15e6);
	config_free(&c);
	ASSERT_EQ(load(pre + "{dist: exponential, mean: 15us}\n" + kOneTask, &c), "");
	EXPECT_EQ(c.host.swap.read_latency.kind, DIST_EXPONENTIAL);
	EXPECT_DOUBLE_EQ(dist_mean(&c.host.swap.read_latency), 15e6);
	config_free(&c);
	// mu and sigma are for ln(latency in ns): median = e^mu ns.
	ASSERT_EQ(load(pre + "{dist: lognormal, mu: 9.6, sigma: 0.7}\n" + kOneTask, &c), "");
	EXPECT_EQ(c.host.swap.read_latency.kind, DIST_LOGNORMAL);
	EXPECT_NEAR(dist_quantile(&c.host.swap.read_latency, 0.5), std::exp(9.6) * 1000, 1.0);
	config_free(&c);
	ASSERT_EQ(load(pre + "{dist: empirical, table: [[10us, 0.5], [20us, 0.9], [100us, 1.0]]}\n" +
			       kOneTask, &c),
		  "");
	EXPECT_EQ(c.host.swap.read_latency.kind, DIST_EMPIRICAL);
	EXPECT_EQ(c.host.swap.read_latency.n, 3u);
	EXPECT_EQ(c.host.swap.read_latency.value[2], 100e6);
	EXPECT_EQ(c.host.swap.read_latency.cdf[1], 0.9);
	config_free(&c);
}

TEST(Config, CyclesFollowVmFreqWhereverItIsWritten)
{
	apf_config c;

	// vm comes after host in the file, yet cycles use its frequency.
	ASSERT_EQ(load(std::string("host: {hypercall: 7000cycles}\nvm: {freq: 1GHz}\n") + kOneTask, &c), "");
	EXPECT_EQ(c.host.hypercall, 7 * SIM_US);
	config_free(&c);
}

// Exit + entry can never cost more than the hypercall round trip that
// contains them: an override that breaks it is bad input naming the key.
TEST(Config, ExitPlusEntryAboveTheHypercallIsRefused)
{
	apf_config c;

	EXPECT_NE(load(std::string("host: {vmexit: 3us}\n") + kOneTask, &c).find(
			  "host.vmexit: expected host.vmexit + host.vmentry at most host.hypercall"),
		  std::string::npos);
	ASSERT_EQ(load(std::string("host: {vmexit: 1us, vmentry: 1us, hypercall: 2us}\n") + kOneTask, &c), "");
	config_free(&c);
	// The hypercall alone: exit and entry follow it, half each.
	struct trap_costs tc;
	ASSERT_EQ(load(std::string("host: {hypercall: 2us}\n") + kOneTask, &c), "");
	trap_costs_resolve(&c, &tc);
	EXPECT_EQ(tc.vmexit, SIM_US);
	EXPECT_EQ(tc.vmentry, SIM_US);
	config_free(&c);
}

// x86 presets run on the x86 table, not the arm64 one.
TEST(Config, X86PresetsHaveTheirOwnTrapCosts)
{
	apf_config c;
	struct trap_costs tc;

	ASSERT_EQ(load(std::string("protocol: x86-int-ack\n") + kOneTask, &c), "");
	trap_costs_resolve(&c, &tc);
	EXPECT_STREQ(tc.arch->name, "x86");
	EXPECT_EQ(tc.hypercall, 650 * SIM_NS);	// 1 300 cycles at 2 GHz
	EXPECT_EQ(tc.vmexit + tc.vmentry, tc.hypercall);
	EXPECT_EQ(tc.irq_complete, 778 * SIM_NS);	// 1 556 cycles
	config_free(&c);
}

// APF off on x86 hardware: sync with host.arch: x86 charges the x86 table, so
// an x86 comparison has a baseline of its own architecture; an arch that is
// not the protocol's hardware is bad input naming host.arch.
TEST(Config, HostArchPicksTheTrapTableAndMustMatchTheProtocol)
{
	apf_config c;
	struct trap_costs tc;

	ASSERT_EQ(load(std::string("protocol: sync\n") + kOneTask, &c), "");
	trap_costs_resolve(&c, &tc);
	EXPECT_STREQ(tc.arch->name, "arm64-nvhe");
	config_free(&c);
	ASSERT_EQ(load(std::string("protocol: sync\nhost: {arch: x86}\n") + kOneTask, &c), "");
	trap_costs_resolve(&c, &tc);
	EXPECT_STREQ(tc.arch->name, "x86");
	config_free(&c);
	ASSERT_EQ(load(std::string("protocol: x86-int-ack\nhost: {arch: x86}\n") + kOneTask, &c), "");
	config_free(&c);
	EXPECT_NE(load(std::string("protocol: arm64-v4\nhost: {arch: x86}\n") + kOneTask, &c)
			  .find("host.arch: expected auto or arm64 for protocol arm64-v4"),
		  std::string::npos);
}

// Every fixture in tests/data/bad starts with "# expect: LINE:COL: error: ...".
TEST(ConfigBadInput, EveryFixtureGivesItsExactError)
{
	std::string dir = kSource + "/tests/data/bad";
	DIR *d = opendir(dir.c_str());
	std::vector<std::string> names;

	ASSERT_NE(d, nullptr);
	while (dirent *de = readdir(d)) {
		std::string n = de->d_name;
		if (n.size() > 5 && n.substr(n.size() - 5) == ".yaml")
			names.push_back(n);
	}
	closedir(d);
	ASSERT_GE(names.size(), 25u);
	for (const std::string &n : names) {
		std::string path = dir + "/" + n;
		std::ifstream in(path);
		std::string first;
		std::getline(in, first);
		ASSERT_EQ(first.rfind("# expect: ", 0), 0u) << n;
		std::string want = path + ":" + first.substr(10) + "\n";
		replace(want, "WORKLOADS", workload_list());
		replace(want, "COMPUTEKEYS", param_keys(workload_find("compute")->params));

		apf_config c;
		cfg_error e;
		EXPECT_EQ(config_load_file(&c, path.c_str(), &e), -1) << n;
		EXPECT_EQ(printed(e), want) << n;
		// A failed load leaves defaults and no tasks.
		EXPECT_EQ(c.ntasks, 0u);
		EXPECT_EQ(c.vm.memory, 1ULL << 30);
		config_free(&c);
	}
}

TEST(ConfigBadInput, MissingFileAndDirectory)
{
	apf_config c;
	cfg_error e;

	ASSERT_EQ(config_load_file(&c, "/nonexistent/s.yaml", &e), -1);
	EXPECT_EQ(printed(e), "/nonexistent/s.yaml: error: cannot read the scenario: No such file or directory\n");
	std::string dir = kSource + "/tests/data/bad";
	ASSERT_EQ(config_load_file(&c, dir.c_str(), &e), -1);
	EXPECT_EQ(printed(e), dir + ": error: expected a scenario file, found a directory\n");
	config_free(&c);
}

TEST(ConfigBadInput, InlineCases)
{
	EXPECT_EQ(load(std::string("seed: -3\n") + kOneTask),
		  "s.yaml:1:7: error: seed: expected a non-negative integer, found \"-3\" (negative values are not allowed)\n");
	EXPECT_EQ(load("- 1\n"),
		  "s.yaml:1:3: error: expected a mapping of sections (seed, protocol, vm, host, guest, run, tasks), found a sequence\n");
	EXPECT_EQ(load(std::string("host: {reclaim: lur}\n") + kOneTask),
		  "s.yaml:1:17: error: host.reclaim: unknown name, expected one of clock, lru, found \"lur\"; did you mean \"lru\"?\n");
	EXPECT_EQ(load("tasks:\n  - {name: 'a b', workload: compute}\n"),
		  "s.yaml:2:13: error: tasks.0.name: expected a task name of letters, digits, '_' and '-', found \"a b\"\n");
	EXPECT_EQ(load("tasks:\n  - {name: a, workload: compute, count: 1000}\n"
		       "  - {name: b, workload: compute, count: 100}\n"),
		  "s.yaml:1:1: error: tasks: expected at most 1024 task instances in total (sum of count), found 1100\n");
	EXPECT_EQ(load("host:\n  swap:\n    read_latency: {dist: lognormal, median: 10us, p99: 5us}\n" +
		       std::string(kOneTask)),
		  "s.yaml:3:56: error: host.swap.read_latency: expected p99 >= median, found p99 below median\n");
	EXPECT_EQ(load("host:\n  swap:\n    write_latency: {dist: lognormal, median: 10us, mu: 2}\n" +
		       std::string(kOneTask)),
		  "s.yaml:3:21: error: host.swap.write_latency: expected either median and p99, or mu and sigma, found both forms\n");
	EXPECT_EQ(load("vm:\n  memory:\n" + std::string(kOneTask)),
		  "s.yaml:2:3: error: vm.memory: expected a size, found nothing\n");
	EXPECT_EQ(load(std::string("vm: {cpi: fast}\n") + kOneTask),
		  "s.yaml:1:11: error: vm.cpi: expected a number, found \"fast\"\n");
	EXPECT_EQ(load("vm: {freq: 2G}\n" + std::string(kOneTask)),
		  "s.yaml:1:12: error: vm.freq: expected a frequency with a unit (Hz, kHz, MHz, GHz), found \"2G\"\n");
}

TEST(ConfigBadInput, TooManyTasksIsRefusedBeforeAllocation)
{
	std::string y = "tasks:\n";

	for (int i = 0; i < CFG_MAX_TASKS + 1; i++)
		y += "  - {name: t" + std::to_string(i) + ", workload: compute}\n";
	EXPECT_EQ(load(y), "s.yaml:1:1: error: tasks: expected at most 1024 tasks, found 1025\n");
}

TEST(ConfigSet, OverridesScalarsDistributionsAndTasks)
{
	apf_config c;
	cfg_error e;

	ASSERT_EQ(load("tasks:\n  - {name: hog, workload: compute}\n  - {name: b, workload: compute}\n", &c), "");
	ASSERT_EQ(config_set(&c, "host.swap.queue_depth=8", &e), 0) << printed(e);
	EXPECT_EQ(c.host.swap.queue_depth, 8u);
	ASSERT_EQ(config_set(&c, "vm.memory=2GiB", &e), 0) << printed(e);
	EXPECT_EQ(c.vm.memory, 2ULL << 30);
	ASSERT_EQ(config_set(&c, "seed=7", &e), 0) << printed(e);
	EXPECT_EQ(c.seed, 7u);
	ASSERT_EQ(config_set(&c, "protocol=arm64-v4", &e), 0) << printed(e);
	EXPECT_STREQ(c.protocol, "arm64-v4");
	ASSERT_EQ(config_set(&c, "host.swap.read_latency={dist: uniform, min: 1us, max: 2us}", &e), 0)
		<< printed(e);
	EXPECT_EQ(c.host.swap.read_latency.kind, DIST_UNIFORM);
	ASSERT_EQ(config_set(&c, "host.swap={queue_depth: 4}", &e), 0) << printed(e);
	EXPECT_EQ(c.host.swap.queue_depth, 4u);
	ASSERT_EQ(config_set(&c, "host.memory_limit=none", &e), 0) << printed(e);
	EXPECT_EQ(c.host.memory_limit, UINT64_MAX);
	ASSERT_EQ(config_set(&c, "tasks.0.count=3", &e), 0) << printed(e);
	EXPECT_EQ(c.tasks[0].count, 3u);
	ASSERT_EQ(config_set(&c, "tasks.b.iterations=9", &e), 0) << printed(e);
	ASSERT_EQ(config_set(&c, "vm.vcpus=2", &e), 0) << printed(e);
	ASSERT_EQ(config_set(&c, "tasks.hog.vcpu=1", &e), 0) << printed(e);
	EXPECT_EQ(c.tasks[0].vcpu, 1);
	config_free(&c);
}

TEST(ConfigSet, ErrorsNameTheOverrideAndChangeNothing)
{
	apf_config c;
	cfg_error e;

	ASSERT_EQ(load("vm: {vcpus: 2}\ntasks:\n  - {name: hog, workload: compute, vcpu: 1}\n", &c), "");
	EXPECT_EQ(config_set(&c, "vm.memory=4G", &e), -1);
	EXPECT_EQ(printed(e),
		  "--set vm.memory: error: expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"4G\"\n");
	EXPECT_EQ(config_set(&c, "vm.memroy=4GiB", &e), -1);
	EXPECT_EQ(printed(e),
		  "--set vm.memroy: error: unknown key, expected one of vm.{vcpus, memory, freq, cpi, kernel_reserved}, found \"memroy\"; did you mean \"memory\"?\n");
	EXPECT_EQ(config_set(&c, "vm.vcpus=1", &e), -1);
	EXPECT_EQ(printed(e),
		  "--set vm.vcpus: error: tasks.0.vcpu: task \"hog\" is pinned to vCPU 1 but the VM has 1 vCPU (vm.vcpus), expected 0 to 0, found \"1\"\n");
	EXPECT_EQ(c.vm.vcpus, 2u); // unchanged
	EXPECT_EQ(config_set(&c, "tasks.nope.count=2", &e), -1);
	EXPECT_EQ(printed(e),
		  "--set tasks.nope.count: error: expected a task index or name, found \"nope\" (no such task)\n");
	EXPECT_EQ(config_set(&c, "tasks.0.passes=2", &e), -1);
	EXPECT_NE(printed(e).find("--set tasks.0.passes: error: unknown key for a task with workload \"compute\""),
		  std::string::npos);
	EXPECT_EQ(config_set(&c, "vm.memory", &e), -1);
	EXPECT_EQ(printed(e), "--set vm.memory: error: expected KEY=VALUE, found \"vm.memory\"\n");
	EXPECT_EQ(config_set(&c, "vm.memory=", &e), -1);
	EXPECT_EQ(printed(e), "--set vm.memory: error: expected a value after \"=\", found nothing\n");
	EXPECT_EQ(config_set(&c, "vm.memory=10000B", &e), -1);
	EXPECT_EQ(printed(e), "--set vm.memory: error: expected a multiple of the 4KiB page size, found \"10000B\"\n");
	EXPECT_EQ(config_set(&c, "protocol=x86", &e), -1);
	EXPECT_EQ(printed(e),
		  "--set protocol: error: unknown protocol, expected one of sync, arm64-v4, x86-int-ack, "
		  "x86-int-noack, x86-legacy, found \"x86\"\n");
	EXPECT_EQ(c.vm.memory, 1ULL << 30);
	EXPECT_STREQ(c.protocol, "sync");
	config_free(&c);
}

// Several --set are one batch: the cross-key checks judge the result, so
// overrides valid only together pass in either order; a refused batch
// changes nothing and names the override to blame.
TEST(ConfigSet, ABatchIsCheckedAsAWhole)
{
	apf_config c;
	cfg_error e;

	ASSERT_EQ(load("vm: {vcpus: 2}\ntasks:\n  - {name: hog, workload: compute, vcpu: 1}\n", &c), "");
	{
		const char *l[] = { "vm.vcpus=1", "tasks.0.vcpu=0" };

		ASSERT_EQ(config_set_list(&c, l, 2, &e), 0) << printed(e);
		EXPECT_EQ(c.vm.vcpus, 1u);
		EXPECT_EQ(c.tasks[0].vcpu, 0);
	}
	{
		// x86-int-ack to the legacy protocol: each switch alone is refused.
		const char *l[] = { "protocol=x86-int-ack", "protocol.pageready=exception", "protocol.ack=none",
				    "protocol.dequeue=can_take_exception", "protocol.recheck_every_entry=true" };

		EXPECT_EQ(config_set(&c, l[1], &e), -1);
		ASSERT_EQ(config_set_list(&c, l, 5, &e), 0) << printed(e);
		EXPECT_EQ(c.sw.pageready, APF_PR_EXCEPTION);
	}
	{
		const char *l[] = { "vm.vcpus=2", "tasks.0.vcpu=1", "vm.vcpus=1", "run.duration=3s" };

		EXPECT_EQ(config_set_list(&c, l, 4, &e), -1);
		EXPECT_EQ(printed(e), "--set vm.vcpus: error: tasks.0.vcpu: task \"hog\" is pinned to vCPU 1 but "
				      "the VM has 1 vCPU (vm.vcpus), expected 0 to 0, found \"1\"\n");
		EXPECT_EQ(c.vm.vcpus, 1u); // unchanged
		EXPECT_EQ(c.tasks[0].vcpu, 0);
		EXPECT_NE(c.run.duration, 3 * SIM_S);
	}
	{
		// The check names a key an override set: that override is blamed.
		const char *l[] = { "vm.vcpus=2", "vm.vcpus=1", "tasks.0.vcpu=1" };

		EXPECT_EQ(config_set_list(&c, l, 3, &e), -1);
		EXPECT_EQ(printed(e), "--set tasks.0.vcpu: error: task \"hog\" is pinned to vCPU 1 but the VM has "
				      "1 vCPU (vm.vcpus), expected 0 to 0, found \"1\"\n");
	}
	{
		// A bad value anywhere refuses the whole batch.
		const char *l[] = { "run.duration=3s", "vm.memory=4G" };

		EXPECT_EQ(config_set_list(&c, l, 2, &e), -1);
		EXPECT_EQ(printed(e),
			  "--set vm.memory: error: expected a size with a unit (B, KiB, MiB, GiB, TiB), found \"4G\"\n");
		EXPECT_NE(c.run.duration, 3 * SIM_S);
	}
	config_free(&c);
}

// docs/scenario.md must mention every key of the schema, with its default.
TEST(ConfigDocs, ScenarioMdListsEveryKeyAndDefault)
{
	std::ifstream in(kSource + "/docs/scenario.md");
	std::stringstream ss;

	ASSERT_TRUE(in.good());
	ss << in.rdbuf();
	const std::string doc = ss.str();
	for (const cfg_section *s = cfg_sections; s->path; s++) {
		for (const param_desc *d = s->params; d->key; d++) {
			std::string key = *s->path ? std::string(s->path) + "." + d->key : d->key;
			std::string row = "| `" + key + "` |";
			size_t at = doc.find(row);
			ASSERT_NE(at, std::string::npos) << key << " is missing from docs/scenario.md";
			std::string line = doc.substr(at, doc.find('\n', at) - at);
			EXPECT_NE(line.find("`" + std::string(d->def) + "`"), std::string::npos)
				<< key << ": default " << d->def << " not in its row: " << line;
		}
	}
	for (const param_desc *d = cfg_task_params; d->key; d++)
		EXPECT_NE(doc.find("| `tasks[]." + std::string(d->key) + "` |"), std::string::npos)
			<< "tasks[]." << d->key;
}
