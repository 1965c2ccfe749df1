// zstd compression of trace files by the extension .zst (docs/traces.md
// "Compression"): the compressed file holds exactly the plain trace, is
// deterministic, and a full disk mid-trace fails the run (exit 1) with
// the other outputs left as they were.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "test_util.h"

namespace {

using apfsim_test::TempDir;
using apfsim_test::ErrResult;
using apfsim_test::cli_err;
using apfsim_test::src;
using apfsim_test::slurp;

// The content of a zstd file ("" and a failure when it is not one frame).
std::string unzstd(const std::string &z)
{
	unsigned long long n = ZSTD_getFrameContentSize(z.data(), z.size());
	ZSTD_DCtx *d = ZSTD_createDCtx();
	std::string out;
	ZSTD_inBuffer in = { z.data(), z.size(), 0 };
	std::string chunk(1 << 20, '\0');
	size_t r = 1;
	(void)n;
	while (in.pos < in.size) {
		ZSTD_outBuffer o = { chunk.data(), chunk.size(), 0 };
		r = ZSTD_decompressStream(d, &o, &in);
		if (ZSTD_isError(r)) {
			ADD_FAILURE() << "zstd: " << ZSTD_getErrorName(r);
			break;
		}
		out.append(chunk.data(), o.pos);
	}
	EXPECT_EQ(r, 0u) << "the frame is not complete";
	ZSTD_freeDCtx(d);
	return out;
}

std::string scenario()
{
	return "run " + src("workloads/scenarios/quickstart.yaml") + " -q --protocol arm64-v4 --set run.duration=200ms";
}

TEST(TraceZstd, CompressedTracesHoldThePlainOnesAndAreDeterministic)
{
	TempDir d;
	ErrResult r = cli_err(scenario() + " --trace-ftrace " + (d / "f.ftrace") + " --trace-perfetto " + (d / "p.json") +
			  " --vcd " + (d / "w.vcd"));
	ASSERT_EQ(r.status, 0) << r.err;
	r = cli_err(scenario() + " --trace-ftrace " + (d / "f.ftrace.zst") + " --trace-perfetto " + (d / "p.json.zst") +
		   " --vcd " + (d / "w.vcd.zst") + " --check-determinism");
	ASSERT_EQ(r.status, 0) << r.err;
	for (const char *f : { "f.ftrace", "p.json", "w.vcd" }) {
		std::string plain = slurp(d / f), z = slurp(d / (std::string(f) + ".zst"));
		ASSERT_GT(plain.size(), 1000u) << f;
		EXPECT_LT(z.size(), plain.size() / 4) << f;
		EXPECT_TRUE(unzstd(z) == plain) << f << ".zst does not hold " << f;
	}
}

TEST(TraceZstd, FullDiskMidTraceExitsOneAndLeavesTheOtherOutputs)
{
	TempDir d;
	{
		std::ofstream(d / "o.json") << "old\n";
	}
	// A .zst name on a device that is always full.
	ASSERT_EQ(symlink("/dev/full", (d / "full.ftrace.zst").c_str()), 0);
	ErrResult r = cli_err(scenario() + " --json " + (d / "o.json") + " --trace-ftrace " + (d / "full.ftrace.zst") +
			  " --vcd " + (d / "w.vcd"));
	EXPECT_EQ(r.status, 1) << r.err;
	EXPECT_NE(r.err.find("--trace-ftrace: cannot write '" + (d / "full.ftrace.zst") + "': " + strerror(ENOSPC)),
		  std::string::npos)
		<< r.err;
	// Nothing half-written is left: the JSON is the old one, no VCD, no temporary.
	EXPECT_EQ(slurp(d / "o.json"), "old\n");
	EXPECT_EQ(d.list(), (std::vector<std::string>{ "full.ftrace.zst", "o.json" }));
}

TEST(TraceZstd, ComparePutsTheProtocolBeforeTheFormatExtension)
{
	TempDir d;
	ErrResult r = cli_err("compare " + src("workloads/scenarios/quickstart.yaml") +
			  " --set run.duration=50ms --protocols sync,arm64-v4 --trace-perfetto " + (d / "p.json.zst"));
	// `apfsim compare` takes no -q: its table goes to /dev/null here.
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(d.list(), (std::vector<std::string>{ "p.arm64-v4.json.zst", "p.sync.json.zst" }));
}

}  // namespace
