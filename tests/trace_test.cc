// trace_test.cc — the tracer (model/trace/trace.c) and its file sinks: ftrace text
// in the exact KVM tracepoint formats of docs/reference.md §5, Chrome/Perfetto
// JSON (parsed back with jansson), VCD waveforms; determinism and I/O
// errors.  Events are hand-built sequences, not a simulation.
#include <gtest/gtest.h>

#include <jansson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "model/trace/trace.h"
}

namespace {

const char *const kTaskNames[] = { "hog", "compute", "say \"hi\"" };

const char *TaskName(void *, uint32_t task)
{
	return task < 3 ? kTaskNames[task] : nullptr;
}

std::string TempPath(const std::string &tag)
{
	return ::testing::TempDir() + "apfsim_trace_" + tag + "_" + std::to_string(getpid());
}

std::string Slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

std::vector<std::string> Lines(const std::string &s)
{
	std::vector<std::string> out;
	std::stringstream ss(s);
	std::string l;
	while (std::getline(ss, l))
		out.push_back(l);
	return out;
}

void InitTracer(tracer *tr, uint32_t nvcpus = 2)
{
	trace_init(tr);
	tr->task_name = TaskName;
	tr->names_ctx = nullptr;
	tr->ntasks = 3;
	tr->nvcpus = nvcpus;
}

void Emit(tracer *tr, sim_time_t t, uint32_t vcpu, uint32_t task, trace_kind k, uint64_t a = 0,
	  uint64_t b = 0, uint64_t c = 0)
{
	trace_emit(tr, t, vcpu, task, k, a, b, c);
}

void EmitWorker(tracer *tr, sim_time_t t, uint32_t worker, uint64_t hva, uint64_t gva)
{
	trace_event e = {};
	e.t = t;
	e.vcpu = TRACE_NO_VCPU;
	e.task = TRACE_NO_TASK;
	e.worker = worker;
	e.kind = TR_KVM_COMPLETED;
	e.a = hva;
	e.b = gva;
	trace_dispatch(tr, &e);
}

// ---- tracer core ----------------------------------------------------------

struct Recorder {
	std::vector<std::string> *log;
	std::string name;
	int finish_ret;
};

void RecEvent(void *ctx, const trace_event *e)
{
	auto *r = static_cast<Recorder *>(ctx);
	r->log->push_back(r->name + ":" + trace_kind_name(e->kind));
}

int RecFinish(void *ctx, sim_time_t)
{
	auto *r = static_cast<Recorder *>(ctx);
	r->log->push_back(r->name + ":finish");
	return r->finish_ret;
}

void RecDestroy(void *ctx)
{
	auto *r = static_cast<Recorder *>(ctx);
	r->log->push_back(r->name + ":destroy");
}

const trace_sink_ops kRecOps = { "rec", RecEvent, RecFinish, RecDestroy };

TEST(Trace, KindAndReasonNamesAreStableAndUnique)
{
	EXPECT_STREQ(trace_kind_name(TR_SDEI_DISPATCH), "sdei_dispatch");
	EXPECT_STREQ(trace_kind_name(TR_KVM_NOT_PRESENT), "kvm_async_pf_not_present");
	EXPECT_STREQ(trace_kind_name(TR_TASK_SWITCH), "task_switch");
	EXPECT_STREQ(trace_kind_name(TR__COUNT), "unknown");
	std::set<std::string> seen;
	for (int k = 0; k < TR__COUNT; k++) {
		std::string n = trace_kind_name(static_cast<trace_kind>(k));
		EXPECT_NE(n, "unknown") << k;
		EXPECT_TRUE(seen.insert(n).second) << n;
	}
	const char *want[] = { "apf_disabled", "kernel_mode", "sdei_busy",
			       "buffer_busy", "limit", "prefault" };
	for (int r = 0; r < TR_SYNC__COUNT; r++)
		EXPECT_STREQ(trace_sync_reason_name(static_cast<trace_sync_reason>(r)), want[r]);
}

TEST(Trace, DispatchReachesEverySinkInOrder)
{
	std::vector<std::string> log;
	Recorder a{ &log, "a", 0 }, b{ &log, "b", 0 };
	tracer tr;
	trace_init(&tr);
	EXPECT_FALSE(trace_on(&tr));
	ASSERT_EQ(trace_add_sink(&tr, &kRecOps, &a), 0);
	ASSERT_EQ(trace_add_sink(&tr, &kRecOps, &b), 0);
	EXPECT_TRUE(trace_on(&tr));
	Emit(&tr, 1, 0, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 1);
	Emit(&tr, 2, 0, TRACE_NO_TASK, TR_IRQ_ACK, 1);
	EXPECT_EQ(trace_finish(&tr, 3), 0);
	std::vector<std::string> want = { "a:ppi_level", "b:ppi_level", "a:irq_ack", "b:irq_ack",
					  "a:finish",    "b:finish",    "a:destroy", "b:destroy" };
	EXPECT_EQ(log, want);
	EXPECT_EQ(tr.nsinks, 0u);
}

TEST(Trace, SinkTableIsBoundedAndFirstFinishErrorWins)
{
	std::vector<std::string> log;
	std::vector<Recorder> recs;
	for (int i = 0; i < TRACE_MAX_SINKS; i++)
		recs.push_back(Recorder{ &log, std::to_string(i), 0 });
	recs[2].finish_ret = -1;
	recs[5].finish_ret = -2;
	tracer tr;
	trace_init(&tr);
	for (auto &r : recs)
		ASSERT_EQ(trace_add_sink(&tr, &kRecOps, &r), 0);
	Recorder extra{ &log, "x", 0 };
	EXPECT_EQ(trace_add_sink(&tr, &kRecOps, &extra), -1);
	EXPECT_EQ(trace_finish(&tr, 0), -1);
	// every sink finished and destroyed despite the errors
	int finished = 0, destroyed = 0;
	for (auto &l : log) {
		finished += l.find(":finish") != std::string::npos;
		destroyed += l.find(":destroy") != std::string::npos;
	}
	EXPECT_EQ(finished, TRACE_MAX_SINKS);
	EXPECT_EQ(destroyed, TRACE_MAX_SINKS);
}

// Every file sink names its option when it cannot start, and leaves the
// tracer as it was.
TEST(Trace, FileSinksNameTheirOptionWhenTheyCannotStart)
{
	tracer tr;
	trace_init(&tr);
	char err[256] = "";
	EXPECT_EQ(trace_ftrace_open(&tr, "/nonexistent-dir/x.ftrace", err, sizeof(err)), -1);
	EXPECT_EQ(std::string(err).rfind("--trace-ftrace: cannot open '/nonexistent-dir/x.ftrace': ", 0), 0u) << err;
	EXPECT_EQ(trace_perfetto_open(&tr, "/nonexistent-dir/x.json", err, sizeof(err)), -1);
	EXPECT_EQ(std::string(err).rfind("--trace-perfetto: cannot open", 0), 0u) << err;

	std::vector<std::string> log;
	std::vector<Recorder> recs(TRACE_MAX_SINKS, Recorder{ &log, "r", 0 });
	for (auto &r : recs)
		ASSERT_EQ(trace_add_sink(&tr, &kRecOps, &r), 0);
	std::string path = TempPath("full");
	EXPECT_EQ(trace_vcd_open(&tr, path.c_str(), err, sizeof(err)), -1);
	EXPECT_STREQ(err, ("--vcd: too many trace sinks (at most " + std::to_string(TRACE_MAX_SINKS) + ")").c_str());
	EXPECT_EQ(trace_finish(&tr, 0), 0);
	std::remove(path.c_str());
}

// ---- ftrace ---------------------------------------------------------------

std::string RunFtrace(void (*feed)(tracer *), sim_time_t end, uint32_t nvcpus = 2)
{
	std::string path = TempPath("ftrace");
	char err[256] = "";
	tracer tr;
	InitTracer(&tr, nvcpus);
	EXPECT_EQ(trace_ftrace_open(&tr, path.c_str(), err, sizeof(err)), 0) << err;
	feed(&tr);
	EXPECT_EQ(trace_finish(&tr, end), 0);
	std::string s = Slurp(path);
	unlink(path.c_str());
	return s;
}

TEST(TraceFtrace, KvmTracepointsInExactFormats)
{
	std::string out = RunFtrace(
		[](tracer *tr) {
			Emit(tr, 123 * SIM_US, 0, TRACE_NO_TASK, TR_KVM_NOT_PRESENT, 0x1003, 0x7f0000);
			Emit(tr, 123 * SIM_US, 1, TRACE_NO_TASK, TR_KVM_TRY_ASYNC_GET_PAGE, 0x7f0000, 0x7f0);
			Emit(tr, 124 * SIM_US, 1, TRACE_NO_TASK, TR_KVM_REPEATED_FAULT, 0, 0);
			EmitWorker(tr, 125 * SIM_US, 3, 0x7fff12340000ull, 0x7f0000);
			Emit(tr, 126 * SIM_US, 0, TRACE_NO_TASK, TR_KVM_READY, 0xffffffff, 0);
		},
		SIM_MS);
	std::vector<std::string> want = {
		"cpus=2",
		"       CPU 0/KVM-1000  [000]     0.000123: kvm_async_pf_not_present: token 0x1003 gva 0x7f0000",
		"       CPU 1/KVM-1001  [001]     0.000123: kvm_try_async_get_page: gva = 0x7f0000, gfn = 0x7f0",
		"       CPU 1/KVM-1001  [001]     0.000124: kvm_async_pf_repeated_fault: gva = 0, gfn = 0",
		"    kworker/u3:0-2003  [005]     0.000125: kvm_async_pf_completed: gva 0x7f0000 address 0x7fff12340000",
		"       CPU 0/KVM-1000  [000]     0.000126: kvm_async_pf_ready: token 0xffffffff gva 0",
	};
	EXPECT_EQ(Lines(out), want);
}

TEST(TraceFtrace, ApfsimEventsAndGuestContexts)
{
	std::string out = RunFtrace(
		[](tracer *tr) {
			Emit(tr, 0, 0, TRACE_NO_TASK, TR_SDEI_DISPATCH, 0x40400001, 0xffff800010001234ull,
			     0x3c5);
			Emit(tr, 0, 1, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 1);
			Emit(tr, 0, 0, TRACE_NO_TASK, TR_APF_SYNC, 0x7f0, TR_SYNC_KERNEL_MODE);
			Emit(tr, 0, 0, 0, TR_TASK_PARK, 0x1000);
			Emit(tr, 0, 0, 0, TR_TASK_SWITCH, 0, 1);
			Emit(tr, 0, 1, TRACE_NO_TASK, TR_TASK_SWITCH, TRACE_NO_TASK, 2);
			Emit(tr, 0, 0, TRACE_NO_TASK, TR_SDEI_INJECT, 0x40400001, (uint64_t)-16);
			Emit(tr, 0, 0, TRACE_NO_TASK, TR_BUF_WRITE, 2, 0x1003, (1ull << 32) | 0x1002);
			Emit(tr, 0, 0, TRACE_NO_TASK, TR_VCPU_STATE, TR_MODE_HOST);
			Emit(tr, 0, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x1003, 0x7f0, 5);
			Emit(tr, 0, 0, TRACE_NO_TASK, TR_APF_WAKE_ALL);
			trace_event note = {};
			note.vcpu = TRACE_NO_VCPU;
			note.task = TRACE_NO_TASK;
			note.kind = TR_NOTE;
			note.text = "run ended";
			trace_dispatch(tr, &note);
		},
		SIM_MS);
	std::vector<std::string> want = {
		"cpus=2",
		"       CPU 0/KVM-1000  [000]     0.000000: apfsim_sdei_dispatch: event=0x40400001 pc=0xffff800010001234 pstate=0x3c5",
		"       CPU 1/KVM-1001  [001]     0.000000: apfsim_ppi_level: intid=18 level=1",
		"       CPU 0/KVM-1000  [000]     0.000000: apfsim_apf_sync: gfn=0x7f0 reason=kernel_mode",
		"             hog-100   [000]     0.000000: apfsim_task_park: token=0x1000",
		"             hog-100   [000]     0.000000: apfsim_task_switch: prev=hog next=compute",
		"          <idle>-0     [001]     0.000000: apfsim_task_switch: prev=<idle> next=say \"hi\"",
		"       CPU 0/KVM-1000  [000]     0.000000: apfsim_sdei_inject: event=0x40400001 result=-16",
		"       CPU 0/KVM-1000  [000]     0.000000: apfsim_buf_write: reason=2 token=0x1003 prev_reason=1 prev_token=0x1002",
		"       CPU 0/KVM-1000  [000]     0.000000: apfsim_vcpu_state: mode=host",
		"       CPU 0/KVM-1000  [000]     0.000000: apfsim_apf_setup: token=0x1003 gfn=0x7f0 outstanding=5",
		"       CPU 0/KVM-1000  [000]     0.000000: apfsim_apf_wake_all:",
		"          apfsim-1     [000]     0.000000: apfsim_note: run ended",
	};
	EXPECT_EQ(Lines(out), want);
}

TEST(TraceFtrace, TimestampsAreSecondsWithSixDecimalsTruncated)
{
	std::string out = RunFtrace(
		[](tracer *tr) {
			const sim_time_t ts[] = { 0, 1, SIM_US, 12345678 * SIM_US, 999999999 * SIM_NS,
						  123456 * SIM_S + 1 };
			for (sim_time_t t : ts)
				Emit(tr, t, 0, TRACE_NO_TASK, TR_IRQ_TAKEN, 18);
		},
		SIM_MS);
	auto lines = Lines(out);
	ASSERT_EQ(lines.size(), 7u);
	// right-aligned in 12 columns; wider values just widen the field
	const char *want[] = { "    0.000000", "    0.000000", "    0.000001",
			       "   12.345678", "    0.999999", "123456.000000" };
	for (int i = 0; i < 6; i++) {
		// "[000]" then the 12-column field then ':'
		auto pos = lines[i + 1].find("] ");
		ASSERT_NE(pos, std::string::npos);
		std::string field = lines[i + 1].substr(pos + 2, lines[i + 1].find(": ") - pos - 2);
		EXPECT_EQ(field, want[i]) << lines[i + 1];
	}
}

TEST(TraceFtrace, ExplicitHeaderWithoutEvents)
{
	EXPECT_EQ(RunFtrace([](tracer *) {}, 0, 4), "cpus=4\n");
}

// ---- Chrome / Perfetto JSON -----------------------------------------------

std::string RunPerfetto(void (*feed)(tracer *), sim_time_t end)
{
	std::string path = TempPath("perfetto");
	char err[256] = "";
	tracer tr;
	InitTracer(&tr);
	EXPECT_EQ(trace_perfetto_open(&tr, path.c_str(), err, sizeof(err)), 0) << err;
	feed(&tr);
	EXPECT_EQ(trace_finish(&tr, end), 0);
	std::string s = Slurp(path);
	unlink(path.c_str());
	return s;
}

// A small APF round trip on vCPU 0: hog faults, parks on 0x1003, compute
// runs, page ready, hog woken; a second token is cancelled; a third stays
// open at the end; vCPU 1 keeps a mode slice open at the end.
void FeedRoundTrip(tracer *tr)
{
	Emit(tr, 0, 0, TRACE_NO_TASK, TR_VCPU_STATE, TR_MODE_USER);
	Emit(tr, 0, 1, TRACE_NO_TASK, TR_VCPU_STATE, TR_MODE_IDLE);
	Emit(tr, 0, 0, 0, TR_TASK_SWITCH, TRACE_NO_TASK, 0);
	Emit(tr, 1 * SIM_US, 0, TRACE_NO_TASK, TR_VCPU_STATE, TR_MODE_HOST);
	Emit(tr, 1 * SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x1003, 0x7f0, 1);
	Emit(tr, 1 * SIM_US + 500, 0, TRACE_NO_TASK, TR_KVM_NOT_PRESENT, 0x1003, 0x7f0000);
	Emit(tr, 2 * SIM_US, 0, TRACE_NO_TASK, TR_SDEI_DISPATCH, 0x40400001, 0x1000, 0x3c5);
	Emit(tr, 2 * SIM_US, 0, TRACE_NO_TASK, TR_VCPU_STATE, TR_MODE_KERNEL);
	Emit(tr, 3 * SIM_US, 0, 0, TR_TASK_PARK, 0x1003);
	Emit(tr, 3 * SIM_US, 0, 0, TR_TASK_SWITCH, 0, 1);
	Emit(tr, 3 * SIM_US, 0, TRACE_NO_TASK, TR_SDEI_COMPLETE, 0x40400001, 0);
	Emit(tr, 3 * SIM_US, 0, TRACE_NO_TASK, TR_VCPU_STATE, TR_MODE_USER);
	Emit(tr, 4 * SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x1004, 0x7f1, 2);
	Emit(tr, 5 * SIM_US, 0, TRACE_NO_TASK, TR_APF_CANCELLED, 0x1004);
	Emit(tr, 5 * SIM_US, 0, TRACE_NO_TASK, TR_APF_RETIRED, 0x1004, 0x7f1, 1);
	Emit(tr, 6 * SIM_US, 0, TRACE_NO_TASK, TR_KVM_READY, 0x1003, 0x7f0000);
	Emit(tr, 6 * SIM_US, 0, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 1);
	Emit(tr, 7 * SIM_US, 0, 0, TR_TASK_WAKE, 0x1003);
	Emit(tr, 7 * SIM_US, 0, TRACE_NO_TASK, TR_IRQ_ACK, 1);
	Emit(tr, 7 * SIM_US, 0, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 0);
	Emit(tr, 7 * SIM_US, 0, TRACE_NO_TASK, TR_APF_RETIRED, 0x1003, 0x7f0, 0);
	Emit(tr, 8 * SIM_US, 1, TRACE_NO_TASK, TR_APF_SETUP, 0x2001, 0x800, 1);
	trace_event note = {};
	note.t = 9 * SIM_US;
	note.vcpu = TRACE_NO_VCPU;
	note.task = TRACE_NO_TASK;
	note.kind = TR_NOTE;
	note.text = "quote \" backslash \\ tab \t end";
	trace_dispatch(tr, &note);
}

struct Parsed {
	json_t *root = nullptr;
	~Parsed() { json_decref(root); }
};

std::string Str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

TEST(TracePerfetto, ValidJsonWithTracksSlicesAsyncAndCounters)
{
	std::string text = RunPerfetto(FeedRoundTrip, 10 * SIM_US);
	Parsed p;
	json_error_t jerr;
	p.root = json_loads(text.c_str(), 0, &jerr);
	ASSERT_NE(p.root, nullptr) << jerr.line << ": " << jerr.text << "\n" << text;
	EXPECT_EQ(Str(p.root, "displayTimeUnit"), "ns");
	json_t *evs = json_object_get(p.root, "traceEvents");
	ASSERT_TRUE(json_is_array(evs));

	std::map<std::string, std::string> meta;	// "pid/tid/what" -> name
	std::map<json_int_t, int> async_open;	// id -> +1 b, -1 e
	std::map<json_int_t, std::string> async_name;
	int counters = 0, instants = 0;
	std::vector<std::string> task_slices, vcpu1_slices;
	size_t i;
	json_t *e;
	json_array_foreach(evs, i, e) {
		std::string ph = Str(e, "ph");
		json_int_t pid = json_integer_value(json_object_get(e, "pid"));
		json_int_t tid = json_integer_value(json_object_get(e, "tid"));
		if (ph == "M") {
			json_t *args = json_object_get(e, "args");
			if (json_object_get(args, "name"))
				meta[std::to_string(pid) + "/" + std::to_string(tid) + "/" +
				     Str(e, "name")] = Str(args, "name");
		} else if (ph == "b" || ph == "e") {
			json_int_t id = json_integer_value(json_object_get(e, "id"));
			EXPECT_EQ(Str(e, "cat"), "apf");
			async_open[id] += ph == "b" ? 1 : -1;
			if (ph == "b")
				async_name[id] = Str(e, "name");
			else
				EXPECT_EQ(async_name[id], Str(e, "name"));
		} else if (ph == "C") {
			counters++;
			EXPECT_TRUE(json_is_integer(json_object_get(json_object_get(e, "args"), "value")));
		} else if (ph == "i") {
			instants++;
		} else if (ph == "X") {
			std::string s = Str(e, "name") + "@" +
					std::to_string(json_real_value(json_object_get(e, "ts")));
			if (pid == 2)
				task_slices.push_back(std::to_string(tid) + ":" + s);
			if (pid == 1 && tid == 1)
				vcpu1_slices.push_back(s);
		} else {
			ADD_FAILURE() << "unexpected phase " << ph;
		}
	}
	EXPECT_EQ(meta["1/0/process_name"], "vCPUs");
	EXPECT_EQ(meta["2/0/process_name"], "tasks");
	EXPECT_EQ(meta["1/0/thread_name"], "vCPU 0");
	EXPECT_EQ(meta["1/1/thread_name"], "vCPU 1");
	EXPECT_EQ(meta["2/0/thread_name"], "hog");
	EXPECT_EQ(meta["2/1/thread_name"], "compute");
	EXPECT_EQ(meta["2/2/thread_name"], "say \"hi\"");	// escaped and parsed back

	// three token instances, each begun and ended once
	ASSERT_EQ(async_open.size(), 3u);
	for (auto &kv : async_open)
		EXPECT_EQ(kv.second, 0) << "async id " << kv.first;
	std::set<std::string> names;
	for (auto &kv : async_name)
		names.insert(kv.second);
	EXPECT_EQ(names, (std::set<std::string>{ "token 0x1003", "token 0x1004", "token 0x2001" }));
	EXPECT_EQ(counters, 5);
	EXPECT_EQ(instants, 6);	// dispatch, complete, 2 PPI, ACK, note

	// hog ran [0,3us), parked [3us,7us); compute ran from 3us to the end
	EXPECT_NE(std::find(task_slices.begin(), task_slices.end(), "0:running@0.000000"),
		  task_slices.end());
	EXPECT_NE(std::find(task_slices.begin(), task_slices.end(), "0:parked@3.000000"),
		  task_slices.end());
	EXPECT_NE(std::find(task_slices.begin(), task_slices.end(), "1:running@3.000000"),
		  task_slices.end());
	EXPECT_EQ(vcpu1_slices, std::vector<std::string>{ "idle@0.000000" });

	// exact decimal text, never through a double
	EXPECT_NE(text.find("\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":0.000000,\"dur\":10.000000"),
		  std::string::npos);
	// the token slice: from setup (1 us) to hog's wake (7 us), not to READY (6 us)
	EXPECT_NE(text.find("\"ph\":\"b\",\"pid\":1,\"tid\":0,\"ts\":1.000000,\"cat\":\"apf\",\"id\":1,\"name\":\"token 0x1003\""),
		  std::string::npos);
	EXPECT_NE(text.find("\"ph\":\"e\",\"pid\":1,\"tid\":0,\"ts\":7.000000,\"cat\":\"apf\",\"id\":1,\"name\":\"token 0x1003\""),
		  std::string::npos);
	// the token left open is closed at the end
	EXPECT_NE(text.find("\"ph\":\"e\",\"pid\":1,\"tid\":1,\"ts\":10.000000,\"cat\":\"apf\",\"id\":3,"),
		  std::string::npos);
}

TEST(TracePerfetto, ReadyWithoutWaiterEndsTheSliceAndPicosecondsAreExact)
{
	std::string text = RunPerfetto(
		[](tracer *tr) {
			Emit(tr, 1, 0, TRACE_NO_TASK, TR_KVM_NOT_PRESENT, 0x5, 0x1000);
			Emit(tr, 123456789, 0, TRACE_NO_TASK, TR_KVM_READY, 0x5, 0x1000);
		},
		SIM_MS);
	EXPECT_NE(text.find("\"ph\":\"b\",\"pid\":1,\"tid\":0,\"ts\":0.000001,"), std::string::npos);
	EXPECT_NE(text.find("\"ph\":\"e\",\"pid\":1,\"tid\":0,\"ts\":123.456789,"), std::string::npos);
	json_error_t jerr;
	json_t *root = json_loads(text.c_str(), 0, &jerr);
	EXPECT_NE(root, nullptr) << jerr.text;
	json_decref(root);
}

// ---- VCD ------------------------------------------------------------------

std::string RunVcd(void (*feed)(tracer *), sim_time_t end)
{
	std::string path = TempPath("vcd");
	char err[256] = "";
	tracer tr;
	InitTracer(&tr);
	EXPECT_EQ(trace_vcd_open(&tr, path.c_str(), err, sizeof(err)), 0) << err;
	feed(&tr);
	EXPECT_EQ(trace_finish(&tr, end), 0);
	std::string s = Slurp(path);
	unlink(path.c_str());
	return s;
}

void FeedPpi(tracer *tr)
{
	Emit(tr, 100, 0, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 1);
	Emit(tr, 150, 0, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 1);	// no change: nothing written
	Emit(tr, 200, 0, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 0);
	Emit(tr, 300, 0, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 1);
	Emit(tr, 300, 1, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 1);	// same time: one "#300"
	Emit(tr, 400, 1, TRACE_NO_TASK, TR_VCPU_STATE, TR_MODE_HOST);
	Emit(tr, 500, 1, TRACE_NO_TASK, TR_SDEI_INJECT, 0x40400001, 0);
	Emit(tr, 600, 1, TRACE_NO_TASK, TR_SDEI_DISPATCH, 0x40400001, 0, 0);
	Emit(tr, 700, 1, TRACE_NO_TASK, TR_SDEI_COMPLETE, 0x40400001, 0);
	Emit(tr, 700, 1, TRACE_NO_TASK, TR_BUF_WRITE, 2, 0x1003, 0);
}

TEST(TraceVcd, HeaderAndValueChanges)
{
	std::string out = RunVcd(FeedPpi, 1000);
	EXPECT_EQ(out.find("$date"), std::string::npos);
	const std::string header =
		"$comment apfsim value change dump $end\n"
		"$timescale 1ps $end\n"
		"$scope module apfsim $end\n"
		"$scope module vcpu0 $end\n"
		"$var wire 1 ! ppi_line $end\n"
		"$var wire 1 \" sdei_pending $end\n"
		"$var wire 1 # sdei_running $end\n"
		"$var reg 2 $ buffer_reason $end\n"
		"$var reg 2 % mode $end\n"
		"$upscope $end\n"
		"$scope module vcpu1 $end\n"
		"$var wire 1 & ppi_line $end\n"
		"$var wire 1 ' sdei_pending $end\n"
		"$var wire 1 ( sdei_running $end\n"
		"$var reg 2 ) buffer_reason $end\n"
		"$var reg 2 * mode $end\n"
		"$upscope $end\n"
		"$upscope $end\n"
		"$enddefinitions $end\n"
		"#0\n"
		"$dumpvars\n"
		"0!\n0\"\n0#\nb00 $\nbxx %\n"
		"0&\n0'\n0(\nb00 )\nbxx *\n"
		"$end\n";
	const std::string changes =
		"#100\n1!\n"
		"#200\n0!\n"
		"#300\n1!\n1&\n"
		"#400\nb10 *\n"
		"#500\n1'\n"
		"#600\n0'\n1(\n"
		"#700\n0(\nb10 )\n"
		"#1000\n";
	EXPECT_EQ(out, header + changes);
}

TEST(TraceVcd, IdenticalStreamsGiveIdenticalBytes)
{
	std::string a = RunVcd(FeedPpi, 1000);
	std::string b = RunVcd(FeedPpi, 1000);
	EXPECT_EQ(a, b);
	EXPECT_EQ(RunPerfetto(FeedRoundTrip, 10 * SIM_US), RunPerfetto(FeedRoundTrip, 10 * SIM_US));
	EXPECT_EQ(RunFtrace(FeedRoundTrip, 10 * SIM_US), RunFtrace(FeedRoundTrip, 10 * SIM_US));
}

TEST(TraceVcd, TimeNeverGoesBackwards)
{
	std::string out = RunVcd(
		[](tracer *tr) {
			Emit(tr, 500, 0, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 1);
			Emit(tr, 400, 1, TRACE_NO_TASK, TR_PPI_LEVEL, 18, 1);	// vCPU 1 lags
		},
		0);
	EXPECT_NE(out.find("#500\n1!\n1&\n"), std::string::npos) << out;
	EXPECT_EQ(out.find("#400"), std::string::npos);
}

// ---- errors ---------------------------------------------------------------

TEST(TraceErrors, WriteErrorSurfacesAtFinish)
{
	int (*opens[])(tracer *, const char *, char *, size_t) = { trace_ftrace_open,
								    trace_perfetto_open,
								    trace_vcd_open };
	for (auto open : opens) {
		char err[256] = "";
		tracer tr;
		InitTracer(&tr);
		ASSERT_EQ(open(&tr, "/dev/full", err, sizeof(err)), 0) << err;
		for (int i = 0; i < 1000; i++)
			Emit(&tr, (sim_time_t)i * SIM_NS, 0, TRACE_NO_TASK, TR_PPI_LEVEL, 18, i & 1);
		EXPECT_EQ(trace_finish(&tr, SIM_MS), -1);
		// The message names the option, the file and the reason.
		std::string msg = tr.error;
		EXPECT_EQ(msg.rfind("--", 0), 0u) << msg;
		EXPECT_NE(msg.find("cannot write '/dev/full': "), std::string::npos) << msg;
		EXPECT_NE(msg.find(strerror(ENOSPC)), std::string::npos) << msg;
	}
}

TEST(TraceErrors, OpenFailureNamesTheOptionAndPath)
{
	char err[256] = "";
	tracer tr;
	InitTracer(&tr);
	EXPECT_EQ(trace_ftrace_open(&tr, "/nonexistent/dir/t.txt", err, sizeof(err)), -1);
	EXPECT_NE(std::string(err).find("--trace-ftrace"), std::string::npos) << err;
	EXPECT_NE(std::string(err).find("/nonexistent/dir/t.txt"), std::string::npos) << err;
	EXPECT_EQ(tr.nsinks, 0u);
}

}  // namespace
