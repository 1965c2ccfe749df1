/* fuzz_guest_elf.c — libFuzzer target: a guest kernel image (ELF64,
 * EM_AARCH64) through the loader and the placement into guest RAM that
 * `--guest-image` uses (cpu/cpu_image.c), plus the symbol layout checks of
 * model/vm/platform.c (platform_check_image).  Properties: every offset,
 * size and address from the file is checked without wrapping; no crash,
 * no out-of-bounds access, no hang. */
#include <stdint.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "model/vm/platform.h"
#include "workloads/guest/guest_abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	char err[256];
	struct cpu_image *img;
	struct platform_syms syms;

	if (!ram && !(ram = malloc(GUEST_KERNEL_SIZE)))
		return 0;
	img = cpu_image_load_memory(data, size, err, sizeof(err));
	if (!img)
		return 0;
	if (platform_check_image(img, "fuzz.elf", &syms, err, sizeof(err)) == 0)
		(void)cpu_image_place(img, ram, GUEST_RAM_BASE, GUEST_KERNEL_SIZE, err, sizeof(err));
	cpu_image_free(img);
	return 0;
}
