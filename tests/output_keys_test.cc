// The JSON documents apfsim writes match their documentation (issue 21 item
// 8): every key a run, `compare` or `explore` writes is listed in
// docs/output.md ("Every key", the ```keys run|compare|explore blocks), and
// every listed key is written by at least one run here.  The runs: every
// example scenario (workloads/scenarios/*.yaml, published/*.yaml) under every
// protocol preset, shortened to 300 ms, plus one run per documented
// condition (injections, a migration started by injection, oracle
// violations), one `compare --explain` and one failing `explore`.  Every
// document also carries format_version == APFSIM_JSON_FORMAT_VERSION.
// On failure the message prints the exact lines to add to (or the keys to
// remove from) the doc.
#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <jansson.h>

extern "C" {
#include "model/vm/machine_report.h"
}

namespace {

const char *const kProtocols[] = { "sync", "arm64-v4", "x86-int-ack", "x86-int-noack", "x86-legacy" };
const char *const kHist[] = { "count", "mean", "p50", "p90", "p99", "max", "min" };

using KeySet = std::set<std::string>;

// The documented keys of each ```keys NAME block, {hist} expanded.
std::map<std::string, KeySet> ReadDoc(const std::string &path)
{
	std::map<std::string, KeySet> doc;
	std::ifstream in(path);
	std::string line, block;
	bool inside = false;
	while (std::getline(in, line)) {
		if (!inside && line.rfind("```keys ", 0) == 0) {
			inside = true;
			block = line.substr(8);
			doc[block];
			continue;
		}
		if (inside && line.rfind("```", 0) == 0) {
			inside = false;
			continue;
		}
		if (!inside || line.empty())
			continue;
		std::string key = line.substr(0, line.find(" | "));
		key.erase(key.find_last_not_of(' ') + 1);
		const std::string hist = "{hist}";
		if (key.size() > hist.size() && key.compare(key.size() - hist.size(), hist.size(), hist) == 0) {
			std::string base = key.substr(0, key.size() - hist.size());
			for (const char *h : kHist)
				doc[block].insert(base + "." + h);
		} else {
			doc[block].insert(key);
		}
	}
	return doc;
}

// Every leaf path of v (scalars and null), array indices written [].
void Leaves(json_t *v, const std::string &p, KeySet &out)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
			Leaves(x, p.empty() ? k : p + "." + k, out);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			Leaves(x, p + "[]", out);
	} else {
		out.insert(p);
	}
}

std::string Tmp(const std::string &name)
{
	const char *d = getenv("TMPDIR");
	return std::string(d && *d ? d : "/tmp") + "/apfsim-outkeys-" + std::to_string(getpid()) + "-" + name;
}

// Runs the CLI; returns the JSON document it wrote (NULL, with a test
// failure, if none).  Exit 1 (violations found) is expected for some runs.
json_t *RunJson(const std::string &args, const std::string &name)
{
	std::string json = Tmp(name + ".json"), err = Tmp(name + ".err");
	std::string cmd = std::string("cd ") + APFSIM_SOURCE_DIR + " && " + APFSIM_CLI + " " + args + " --json " +
			  json + " >/dev/null 2>" + err;
	int rc = std::system(cmd.c_str());
	json_error_t je;
	json_t *doc = json_load_file(json.c_str(), 0, &je);
	EXPECT_TRUE(doc) << cmd << " (rc " << rc << "): no JSON written";
	if (doc) {
		json_t *v = json_object_get(doc, "format_version");
		EXPECT_TRUE(json_is_integer(v) && json_integer_value(v) == APFSIM_JSON_FORMAT_VERSION)
			<< cmd << ": format_version";
	}
	unlink(json.c_str());
	unlink(err.c_str());
	return doc;
}

std::vector<std::string> Scenarios()
{
	std::vector<std::string> out;
	for (const char *dir : { "workloads/scenarios", "workloads/scenarios/published" }) {
		std::string d = std::string(APFSIM_SOURCE_DIR) + "/" + dir;
		DIR *dp = opendir(d.c_str());
		if (!dp)
			continue;
		while (struct dirent *e = readdir(dp)) {
			std::string n = e->d_name;
			if (n.size() > 5 && n.compare(n.size() - 5, 5, ".yaml") == 0)
				out.push_back(std::string(dir) + "/" + n);
		}
		closedir(dp);
	}
	std::sort(out.begin(), out.end());
	return out;
}

// Written keys of a compare document: results.{protocol} subtrees go to
// `run`, bucket names of explain[] become {bucket}.
void SplitCompare(json_t *doc, KeySet &cmp, KeySet &run)
{
	const char *k;
	json_t *x;
	json_object_foreach(doc, k, x) {
		if (std::string(k) == "results") {
			const char *p;
			json_t *r;
			json_object_foreach(x, p, r) {
				cmp.insert("results.{protocol}");
				Leaves(r, "", run);
			}
			continue;
		}
		KeySet raw;
		Leaves(x, k, raw);
		for (std::string s : raw) {
			size_t b = s.find(".buckets.");
			if (b != std::string::npos) {
				size_t start = b + 9, end = s.find('.', start);
				s = s.substr(0, start) + "{bucket}" + (end == std::string::npos ? "" : s.substr(end));
			}
			cmp.insert(s);
		}
	}
}

// Folds the seven histogram keys of one prefix back into `prefix{hist}`.
std::vector<std::string> DocLines(const KeySet &keys)
{
	std::vector<std::string> lines;
	KeySet left = keys;
	for (const std::string &k : keys) {
		size_t dot = k.rfind('.');
		if (dot == std::string::npos || k.compare(dot + 1, std::string::npos, "count") != 0)
			continue;
		std::string base = k.substr(0, dot);
		bool all = true;
		for (const char *h : kHist)
			all = all && left.count(base + "." + h);
		if (!all)
			continue;
		for (const char *h : kHist)
			left.erase(base + "." + h);
		lines.push_back(base + "{hist} | TODO meaning");
	}
	for (const std::string &k : left)
		lines.push_back(k + " | TODO meaning");
	std::sort(lines.begin(), lines.end());
	return lines;
}

TEST(OutputKeys, EveryWrittenKeyIsDocumentedAndEveryDocumentedKeyIsWritten)
{
	std::map<std::string, KeySet> doc = ReadDoc(std::string(APFSIM_SOURCE_DIR) + "/docs/output.md");
	ASSERT_TRUE(doc.count("run") && doc.count("compare") && doc.count("explore"))
		<< "docs/output.md lacks a ```keys run / compare / explore block";
	ASSERT_GT(doc["run"].size(), 100u);

	std::map<std::string, KeySet> written;
	std::map<std::string, std::string> first_writer;	// block:key -> run that wrote it
	auto add = [&](const std::string &block, const KeySet &keys, const std::string &who) {
		for (const std::string &k : keys) {
			written[block].insert(k);
			first_writer.emplace(block + ":" + k, who);
		}
	};

	const std::string shorten = " --quiet --set run.duration=300ms";
	int n = 0;
	std::vector<std::string> scenarios = Scenarios();
	ASSERT_GE(scenarios.size(), 15u);
	for (const std::string &s : scenarios) {
		for (const char *p : kProtocols) {
			std::string args = "run " + s + " --protocol " + p + shorten;
			json_t *d = RunJson(args, std::to_string(n++));
			KeySet k;
			Leaves(d, "", k);
			add("run", k, args);
			json_decref(d);
		}
	}
	// The conditional keys: one run per condition of the doc.
	const std::vector<std::string> extra = {
		// injections (faults.*): every scheduled kind, and the draws
		"run workloads/scenarios/multi-vcpu.yaml --protocol arm64-v4" + shorten +
			" --set faults.kick_delay=1us --set faults.host_flush_at=100ms"
			" --set faults.memory_spike_at=50ms --set faults.memory_spike=64MiB"
			" --set faults.cpu_offline_at=120ms --set faults.cpu_offline_vcpu=1"
			" --set faults.apf_toggle_at=150ms --set faults.apf_toggle_vcpu=0",
		"run workloads/scenarios/ack-race.yaml --protocol arm64-v4" + shorten +
			" --set faults.sdei_refuse=0.5 --set faults.worker_fail=0.5"
			" --set faults.sdei_other_at=1ms --set guest.resched_ipi_delay=1us",
		"run workloads/scenarios/precopy.yaml --protocol sync" + shorten + " --set faults.migrate_random=true",
		// a guest handler's own load faulting at EL1 (faults.handler_touch)
		"run workloads/scenarios/quickstart.yaml --protocol arm64-v4 --set run.duration=170ms"
		" --set guest.handler_touches_page=pageready",
		// oracle violations (oracle.list[]): the late page-ready of docs/oracle.md
		"run workloads/scenarios/ack-race.yaml --protocol x86-int-noack" + shorten +
			" --set apf.delivery_bound=1ns --set faults.smm_exit_at=1ms",
	};
	for (const std::string &args : extra) {
		json_t *d = RunJson(args, std::to_string(n++));
		KeySet k;
		Leaves(d, "", k);
		add("run", k, args);
		json_decref(d);
	}
	{
		std::string args = "compare workloads/scenarios/quickstart.yaml --protocols sync,arm64-v4 --explain"
				   " --set run.duration=200ms";
		json_t *d = RunJson(args, "compare");
		KeySet cmp, run;
		if (d)
			SplitCompare(d, cmp, run);
		add("compare", cmp, args);
		add("run", run, args);
		json_decref(d);
	}
	{
		std::string args = "explore workloads/scenarios/ack-race.yaml --protocol x86-int-noack"
				   " --set apf.delivery_bound=1ns --set run.duration=100ms --runs 2 --jobs 1";
		json_t *d = RunJson(args, "explore");
		KeySet k;
		Leaves(d, "", k);
		add("explore", k, args);
		json_decref(d);
	}

	for (const char *block : { "run", "compare", "explore" }) {
		KeySet undocumented, unwritten;
		for (const std::string &k : written[block])
			if (!doc[block].count(k))
				undocumented.insert(k);
		for (const std::string &k : doc[block])
			if (!written[block].count(k))
				unwritten.insert(k);
		std::ostringstream msg;
		if (!undocumented.empty()) {
			msg << "keys written but not in docs/output.md; add to the ```keys " << block << " block:\n";
			for (const std::string &l : DocLines(undocumented))
				msg << l << "\n";
			msg << "(first written by: apfsim "
			    << first_writer[std::string(block) + ":" + *undocumented.begin()] << ")\n";
		}
		EXPECT_TRUE(undocumented.empty()) << msg.str();
		std::ostringstream msg2;
		if (!unwritten.empty()) {
			msg2 << "keys in the ```keys " << block
			     << " block of docs/output.md that no run of this test wrote"
				" (remove them, or add a run here that writes them):\n";
			for (const std::string &k : unwritten)
				msg2 << k << "\n";
		}
		EXPECT_TRUE(unwritten.empty()) << msg2.str();
	}
}

}  // namespace
