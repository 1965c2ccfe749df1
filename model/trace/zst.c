/* zst.c — zstd compression of a trace file (docs/traces.md "Compression").
 *
 * A trace whose name ends in ".zst" is written as one zstd frame (level 3,
 * with the content checksum) through the sink's own buffer: trace_out
 * hands each full buffer to trace_zst_write(), which compresses it and
 * writes what the compressor produced.  Single-threaded compression at a
 * fixed level is a pure function of the input bytes, so identical event
 * streams still give identical files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "model/trace/sinks.h"

#define ZST_LEVEL 3

bool trace_zst_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 4 && !strcmp(name + n - 4, ".zst");
}

int trace_zst_start(struct trace_out *o)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();

	if (!c)
		return -1;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, ZST_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1))) {
		ZSTD_freeCCtx(c);
		return -1;
	}
	o->zcap = ZSTD_CStreamOutSize();
	o->zbuf = malloc(o->zcap);
	if (!o->zbuf) {
		ZSTD_freeCCtx(c);
		return -1;
	}
	o->zc = c;
	return 0;
}

int trace_zst_write(struct trace_out *o, const char *p, size_t n, bool end)
{
	ZSTD_inBuffer in = { p, n, 0 };
	size_t left;

	do {
		ZSTD_outBuffer out = { o->zbuf, o->zcap, 0 };

		left = ZSTD_compressStream2(o->zc, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left))
			return EIO;
		errno = 0;
		if (out.pos && fwrite(o->zbuf, 1, out.pos, o->f) != out.pos)
			return errno ? errno : EIO;
	} while (end ? left != 0 : in.pos < in.size);
	return 0;
}

void trace_zst_free(struct trace_out *o)
{
	ZSTD_freeCCtx(o->zc);
	o->zc = NULL;
	free(o->zbuf);
	o->zbuf = NULL;
}
