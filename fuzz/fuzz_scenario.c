/* fuzz_scenario.c — libFuzzer target: a scenario file, parsed and validated
 * exactly as `apfsim validate` does (config_load_* then the task count).
 * Properties: never crashes, never hangs, never leaks; a failed load
 * leaves a config with defaults and no tasks and a located message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apf_config c;
	struct cfg_error e;

	if (config_load_text(&c, (const char *)data, size, "fuzz.yaml", &e) == 0) {
		uint32_t n = 0;

		for (uint32_t i = 0; i < c.ntasks; i++)
			n += c.tasks[i].count;
		/* n == 0 passes validation (every task with count: 0, which
		 * explore's shrinking relies on per task): noted in
		 * docs/reliability.md, not a crash. */
		if (n > CFG_MAX_TASKS || c.vm.vcpus == 0 || c.vm.vcpus > CFG_MAX_VCPUS)
			abort(); /* validate() lets through what it promises to refuse */
	} else {
		if (c.ntasks != 0 || e.msg[0] == '\0' || strlen(e.msg) >= sizeof(e.msg))
			abort();
	}
	config_free(&c);
	return 0;
}
