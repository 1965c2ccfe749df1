/* text_guard.h — the checks every text passes before libfyaml sees it.
 *
 * libfyaml 0.7.12 loops forever on some invalid UTF-8 inside a directive
 * ("%\x82", found by a user and by fuzz/scenario) and silently ends the
 * stream at other bad bytes ("a: 1\n\x82..." loads as "a: 1").  So every
 * text that goes to the YAML parser (scenario files, --set values, which
 * carry --seed/--protocol/--guest-image too) is checked here first: UTF-8
 * that is well formed (no overlong forms, no surrogates, nothing above
 * U+10FFFF) and made of YAML 1.2 printable characters (tab, LF, CR,
 * U+0020..U+007E, U+0085, U+00A0..U+D7FF, U+E000..U+FFFD, U+10000..).
 */
#ifndef APFSIM_MODEL_SCENARIO_TEXT_GUARD_H
#define APFSIM_MODEL_SCENARIO_TEXT_GUARD_H

#include <stddef.h>
#include <stdint.h>

struct text_fault {
	uint32_t line, col;	/* 1-based; col counts characters, as libfyaml does */
	char what[96];		/* "found the byte 0x82 (not valid UTF-8)" */
};

/* 0 when text[0..len) is printable UTF-8; -1 with *f at the first bad byte. */
int text_guard(const char *text, size_t len, struct text_fault *f);

#endif
