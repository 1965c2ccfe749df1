// test_util.h — what many test files need: paths in the source tree, a
// file's bytes, the apfsim CLI run with its output captured.  Header-only
// (inline): each *_test.cc is its own translation unit of one binary.
#ifndef APFSIM_TESTS_TEST_UTIL_H
#define APFSIM_TESTS_TEST_UTIL_H

#include <dirent.h>
#include <jansson.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace apfsim_test {

// REL (e.g. "workloads/scenarios/quickstart.yaml") in the source tree.
inline std::string src(const std::string &rel) { return std::string(APFSIM_SOURCE_DIR) + "/" + rel; }

// The whole file; "" when it cannot be read.
inline std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

// Runs the shell command CMD, stdout and stderr together; *status is its
// exit code (-1 when it did not exit normally).
inline std::string sh(const std::string &cmd, int *status)
{
	std::string out;
	FILE *p = popen((cmd + " 2>&1").c_str(), "r");
	char buf[4096];
	size_t k;

	if (!p) {
		*status = -1;
		return out;
	}
	while ((k = fread(buf, 1, sizeof(buf), p)) > 0)
		out.append(buf, k);
	int rc = pclose(p);
	*status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	return out;
}

// `apfsim ARGS`, stdout and stderr together.
inline std::string cli(const std::string &args, int *status)
{
	return sh(std::string(APFSIM_CLI) + " " + args, status);
}

// A fresh directory under /tmp, removed with everything in it at the end
// of the scope.
struct TempDir {
	std::string path;
	TempDir()
	{
		char t[] = "/tmp/apfsim_test_XXXXXX";
		const char *p = mkdtemp(t);
		path = p ? p : "";
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
	~TempDir()
	{
		if (!path.empty())
			std::system(("rm -rf '" + path + "'").c_str());
	}
	std::string operator/(const std::string &name) const { return path + "/" + name; }
	// The names of its entries, sorted.
	std::vector<std::string> list() const
	{
		std::vector<std::string> v;
		DIR *d = opendir(path.c_str());
		while (struct dirent *e = d ? readdir(d) : nullptr)
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				v.push_back(e->d_name);
		if (d)
			closedir(d);
		std::sort(v.begin(), v.end());
		return v;
	}
};

// `apfsim ARGS` with standard output discarded: its exit code and standard
// error.  A run longer than 120 s is killed (exit 124 or 137).
struct ErrResult {
	int status;
	std::string err;
};

inline ErrResult cli_err(const std::string &args)
{
	TempDir d;
	std::string err = d / "stderr";
	int rc = std::system(("timeout -k 5 120 " + std::string(APFSIM_CLI) + " " + args + " >/dev/null 2>" + err).c_str());
	return ErrResult{ WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(err) };
}

// `apfsim run ARGS --quiet --json F`: the JSON document it wrote (nullptr
// when none); *status its exit code, *out (when given) its output.
inline json_t *run_json(const std::string &args, int *status, std::string *out = nullptr)
{
	TempDir d;
	std::string o = cli("run " + args + " --quiet --json " + (d / "run.json"), status);

	if (out)
		*out = o;
	return json_load_file((d / "run.json").c_str(), 0, nullptr);
}

// In an ftrace text, the last SDEI event line that starts before `at`:
// "inject", "dispatch", "complete", or "" when there is none.
inline std::string last_sdei(const std::string &t, size_t at)
{
	size_t best = std::string::npos;
	std::string what;

	for (const char *w : { "inject", "dispatch", "complete" }) {
		size_t p = t.rfind(std::string("apfsim_sdei_") + w + ":", at);
		if (p != std::string::npos && (best == std::string::npos || p > best)) {
			best = p;
			what = w;
		}
	}
	return what;
}

}  // namespace apfsim_test

#endif
