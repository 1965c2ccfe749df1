/* fuzz_set.c — libFuzzer target: `--set KEY=VALUE` overrides (config_set),
 * one per input line, applied to a small valid scenario.  This is also the
 * path of --seed, --protocol and --guest-image.  Properties: no crash or
 * hang; a refused override leaves the config unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/config/config.h"

static const char base[] =
	"vm: {vcpus: 2, memory: 256MiB}\n"
	"run: {duration: 10ms}\n"
	"tasks:\n"
	"  - {name: a, workload: compute}\n"
	"  - {name: b, workload: memhog, count: 2}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apf_config c;
	struct cfg_error e;
	char *text = malloc(size + 1), *line, *save = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_load_string(&c, base, "base.yaml", &e))
		abort();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t seed = c.seed;
		uint32_t ntasks = c.ntasks;

		if (config_set(&c, line, &e) && (c.seed != seed || c.ntasks != ntasks))
			abort(); /* a refused override changed the config */
	}
	config_free(&c);
	free(text);
	return 0;
}
