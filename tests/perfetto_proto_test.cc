// The Perfetto protobuf trace (docs/traces.md "Perfetto protobuf"): every
// packet decodes with protoc against tests/data/perfetto_subset.proto
// (written from the field numbers of Perfetto's perfetto_trace.proto);
// sequence flags and interning follow the TrackEvent rules; every event's
// track is declared before it; begins and ends pair up per track; and the
// slices and counters are those of the JSON writer for the same run.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <jansson.h>

#include "test_util.h"

namespace {

using apfsim_test::TempDir;
using apfsim_test::src;
using apfsim_test::slurp;

int sh(const std::string &cmd)
{
	int rc = std::system(cmd.c_str());
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// One decoded packet, as far as the checks need it.
struct Packet {
	bool has_ts = false;
	uint64_t ts = 0, seq_id = 0, flags = 0, desc_uuid = 0, track = 0, name_iid = 0;
	bool desc = false, event = false;
	std::string type, name;
	std::map<uint64_t, std::string> names;	// interned event names
	std::vector<uint64_t> cats, dbg_iids;
	std::set<uint64_t> new_cats, new_dbg;
};

std::string value(const std::string &line)
{
	std::string v = line.substr(line.find(':') + 2);
	if (v.size() >= 2 && v.front() == '"')
		v = v.substr(1, v.size() - 2);
	return v;
}

// protoc's text format: "field: value" and "message {" ... "}" lines.
std::vector<Packet> parse_text(const std::string &text, size_t *unknown)
{
	std::vector<Packet> v;
	std::vector<std::string> path;
	std::stringstream ss(text);
	std::string l;
	uint64_t iid = 0;
	*unknown = 0;
	while (std::getline(ss, l)) {
		size_t b = l.find_first_not_of(' ');
		if (b == std::string::npos)
			continue;
		std::string t = l.substr(b);
		if (t[0] >= '0' && t[0] <= '9')
			++*unknown;	// a field the subset schema does not know
		if (t == "}") {
			path.pop_back();
			continue;
		}
		if (t.back() == '{') {
			std::string m = t.substr(0, t.size() - 2);
			path.push_back(m);
			if (path.size() == 1)
				v.emplace_back();
			continue;
		}
		Packet &p = v.back();
		std::string ctx = path.size() > 1 ? path[1] : "", leaf = path.empty() ? "" : path.back();
		std::string key = t.substr(0, t.find(':'));
		if (path.size() == 1) {
			if (key == "timestamp")
				p.has_ts = true, p.ts = std::stoull(value(t));
			else if (key == "trusted_packet_sequence_id")
				p.seq_id = std::stoull(value(t));
			else if (key == "sequence_flags")
				p.flags = std::stoull(value(t));
		} else if (ctx == "track_descriptor" && path.size() == 2 && key == "uuid") {
			p.desc = true, p.desc_uuid = std::stoull(value(t));
		} else if (ctx == "track_event" && path.size() == 2) {
			p.event = true;
			if (key == "type")
				p.type = value(t);
			else if (key == "track_uuid")
				p.track = std::stoull(value(t));
			else if (key == "name_iid")
				p.name_iid = std::stoull(value(t));
			else if (key == "name")
				p.name = value(t);
			else if (key == "category_iids")
				p.cats.push_back(std::stoull(value(t)));
		} else if (ctx == "track_event" && leaf == "debug_annotations" && key == "name_iid") {
			p.dbg_iids.push_back(std::stoull(value(t)));
		} else if (ctx == "interned_data") {
			if (key == "iid")
				iid = std::stoull(value(t));
			else if (key == "name" && leaf == "event_names")
				p.names[iid] = value(t);
			if (key == "iid" && leaf == "event_categories")
				p.new_cats.insert(iid);
			if (key == "iid" && leaf == "debug_annotation_names")
				p.new_dbg.insert(iid);
		}
	}
	return v;
}

// Top-level records of the binary file: each must be field 1, length-delimited.
size_t count_packets(const std::string &bin, bool *ok)
{
	size_t i = 0, n = 0;
	auto varint = [&](uint64_t *v) {
		*v = 0;
		for (int s = 0; i < bin.size() && s < 64; s += 7) {
			uint8_t c = (uint8_t)bin[i++];
			*v |= (uint64_t)(c & 0x7f) << s;
			if (!(c & 0x80))
				return true;
		}
		return false;
	};
	*ok = true;
	while (i < bin.size()) {
		uint64_t key, len;
		if (!varint(&key) || key != (1 << 3 | 2) || !varint(&len) || i + len > bin.size()) {
			*ok = false;
			return n;
		}
		i += len;
		n++;
	}
	return n;
}

// A slice as both writers give it: name, begin and end in nanoseconds.
using Slice = std::tuple<std::string, uint64_t, uint64_t>;

uint64_t ps(json_t *v) { return (uint64_t)std::llround(json_number_value(v) * 1e6); }

TEST(PerfettoProto, DecodesAndHoldsTheJsonWritersSlices)
{
	if (sh("command -v protoc >/dev/null 2>&1") != 0)
		GTEST_SKIP() << "protoc (Debian protobuf-compiler, scripts/setup-deps.sh) is not installed";
	TempDir d;
	std::string run = std::string(APFSIM_CLI) + " run " + src("workloads/scenarios/quickstart.yaml") +
			  " -q --protocol arm64-v4 --set run.duration=200ms --trace-perfetto ";
	ASSERT_EQ(sh(run + d / "t.json"), 0);
	ASSERT_EQ(sh(run + d / "t.pftrace"), 0);
	std::string bin = slurp(d / "t.pftrace");
	ASSERT_GT(bin.size(), 1000u);
	ASSERT_EQ(sh("protoc --proto_path=" + src("tests/data") + " --decode=perfetto.protos.Trace perfetto_subset.proto <" +
		     d / "t.pftrace" + " >" + d / "t.txt"), 0);
	bool framed;
	size_t nbin = count_packets(bin, &framed);
	ASSERT_TRUE(framed);
	size_t unknown;
	std::vector<Packet> pk = parse_text(slurp(d / "t.txt"), &unknown);
	EXPECT_EQ(pk.size(), nbin) << "every packet decodes";
	EXPECT_EQ(unknown, 0u) << "fields outside the subset schema";

	// Sequence rules; interned names, categories and tracks known before use.
	std::map<uint64_t, std::string> names;
	std::set<uint64_t> cats, dbg, tracks;
	std::map<uint64_t, std::vector<std::pair<std::string, uint64_t>>> per_track;
	std::map<uint64_t, std::string> open_name;
	std::vector<Slice> proto_slices;
	size_t counters = 0;
	for (size_t i = 0; i < pk.size(); i++) {
		const Packet &p = pk[i];
		EXPECT_EQ(p.seq_id, 1u);
		EXPECT_EQ(p.flags, i == 0 ? 1u : 2u) << "packet " << i;
		names.insert(p.names.begin(), p.names.end());
		cats.insert(p.new_cats.begin(), p.new_cats.end());
		dbg.insert(p.new_dbg.begin(), p.new_dbg.end());
		if (p.desc) {
			EXPECT_TRUE(tracks.insert(p.desc_uuid).second) << "track " << p.desc_uuid << " declared twice";
		}
		if (!p.event)
			continue;
		ASSERT_TRUE(p.has_ts);
		EXPECT_TRUE(tracks.count(p.track)) << "packet " << i << ": track " << p.track << " not declared";
		for (uint64_t c : p.cats)
			EXPECT_TRUE(cats.count(c)) << "category iid " << c;
		for (uint64_t c : p.dbg_iids)
			EXPECT_TRUE(dbg.count(c)) << "annotation iid " << c;
		if (p.name_iid) {
			EXPECT_TRUE(names.count(p.name_iid)) << "name iid " << p.name_iid;
		}
		if (p.type == "TYPE_SLICE_BEGIN" || p.type == "TYPE_SLICE_END") {
			auto &seq = per_track[p.track];
			bool begin = p.type == "TYPE_SLICE_BEGIN";
			// non-overlapping slices per track: begin, end, begin, end ...
			ASSERT_EQ(begin, seq.size() % 2 == 0) << "track " << p.track << " packet " << i;
			if (begin) {
				open_name[p.track] = p.name_iid ? names[p.name_iid] : p.name;
			} else {
				ASSERT_GE(p.ts, seq.back().second);
				proto_slices.emplace_back(open_name[p.track], seq.back().second, p.ts);
			}
			seq.emplace_back(p.type, p.ts);
		} else if (p.type == "TYPE_COUNTER") {
			counters++;
		}
	}
	for (auto &t : per_track)
		EXPECT_EQ(t.second.size() % 2, 0u) << "track " << t.first << " ends inside a slice";

	// The JSON writer's slices of the same run: X complete, b/e async pairs.
	json_error_t e;
	json_t *doc = json_load_file((d / "t.json").c_str(), 0, &e);
	ASSERT_NE(doc, nullptr) << e.text;
	std::vector<Slice> json_slices;
	std::map<uint64_t, std::pair<std::string, uint64_t>> open;
	size_t jcounters = 0, i;
	json_t *ev;
	json_array_foreach(json_object_get(doc, "traceEvents"), i, ev) {
		std::string ph = json_string_value(json_object_get(ev, "ph"));
		const char *name = json_string_value(json_object_get(ev, "name"));
		if (ph == "X") {
			uint64_t t = ps(json_object_get(ev, "ts")), dur = ps(json_object_get(ev, "dur"));
			json_slices.emplace_back(name, t / 1000, (t + dur) / 1000);
		} else if (ph == "b") {
			open[json_integer_value(json_object_get(ev, "id"))] = { name, ps(json_object_get(ev, "ts")) / 1000 };
		} else if (ph == "e") {
			auto &o = open[json_integer_value(json_object_get(ev, "id"))];
			json_slices.emplace_back(o.first, o.second, ps(json_object_get(ev, "ts")) / 1000);
		} else if (ph == "C") {
			jcounters++;
		}
	}
	json_decref(doc);
	std::sort(json_slices.begin(), json_slices.end());
	std::sort(proto_slices.begin(), proto_slices.end());
	EXPECT_GT(json_slices.size(), 1000u);
	// the token slices are there
	EXPECT_GT(std::count_if(json_slices.begin(), json_slices.end(),
				[](const Slice &s) { return std::get<0>(s).rfind("token 0x", 0) == 0; }),
		  100);
	EXPECT_EQ(proto_slices.size(), json_slices.size());
	EXPECT_TRUE(proto_slices == json_slices) << "slices (name, begin ns, end ns) differ from the JSON writer's";
	EXPECT_EQ(counters, jcounters);
}

}  // namespace
