/* params.h — table-driven parameter schema shared by the scenario parser,
 * the workloads and the documentation.
 *
 * A table of struct param_desc describes a C struct field by field: the YAML
 * key, the value type (with its unit rules), the field's offset, a default
 * written as scenario text (parsed by the very same code as user input, so
 * there is one source of truth), bounds and a one-line doc.  The parser
 * fills defaults first, then user values, reporting FILE:LINE:COL errors.
 */
#ifndef APFSIM_MODEL_PARAMS_H
#define APFSIM_MODEL_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum param_type {
	PT_U32,	     /* plain integer, uint32_t */
	PT_U64,	     /* plain integer, uint64_t */
	PT_DOUBLE,   /* plain number, double */
	PT_FRACTION, /* double in [0,1]: "0.9" or "90%" */
	PT_SIZE,     /* uint64_t bytes: "4GiB", "512MiB", "4096B" */
	PT_TIME,     /* uint64_t picoseconds: "250us", "10ms", "6500cycles" */
	PT_FREQ,     /* uint64_t Hz: "2GHz" */
	PT_BOOL,     /* bool: true/false */
	PT_ENUM,     /* uint32_t index into enum_names */
	PT_DIST,     /* struct dist of picoseconds: "15us" or {dist: ..., ...} */
	PT_STRING,   /* char[PARAM_STRING_MAX] */
};

#define PARAM_STRING_MAX 256
/* Bytes of a task's workload params struct (struct task_cfg.params): here,
 * beside the schema type, so that workloads/ need no more of model/config. */
#define CFG_WL_PARAMS_MAX 512

struct param_desc {
	const char *key;
	enum param_type type;
	size_t offset;
	const char *def;		/* default as scenario text; NULL = required */
	double min, max;		/* inclusive bounds in the field's unit; min > max = unbounded */
	const char *const *enum_names;	/* PT_ENUM: NULL-terminated */
	const char *doc;		/* one line, with the source of a modelled default */
};

#define PARAM_END { NULL, 0, 0, NULL, 0, 0, NULL, NULL }

#endif
