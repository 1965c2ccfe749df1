/* cpu_image.c — guest kernel images: ELF64 little-endian, EM_AARCH64.
 *
 * Built on glibc <elf.h> only (UNICORN-NOTES.md §1).  cpu_image_load_*
 * validates the whole file up front: header, program headers, PT_LOAD
 * bounds, and the .symtab/.strtab pair when present.  Every offset and size
 * read from the file is checked against the file length before use, so a
 * truncated or hostile file yields an error message, never a crash.
 * cpu_image_place() copies each PT_LOAD at its physical address (p_paddr:
 * the MMU is off) and zero-fills up to p_memsz.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

#define IMAGE_MAX_BYTES (256u << 20)

struct image_sym {
	const char *name;	/* points into the image's copy of .strtab */
	uint64_t value;
};

struct cpu_image {
	uint8_t *data;		/* the whole file */
	size_t len;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	struct image_sym *syms;
	size_t n_syms;
};

/* [off, off + size) lies inside a buffer of len bytes, without overflow. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int parse_symbols(struct cpu_image *img, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = img->eh;
	const Elf64_Shdr *sh, *symtab = NULL, *strtab;
	const Elf64_Sym *sym;
	const char *str;
	size_t n;

	if (eh->e_shnum == 0)
		return 0;	/* stripped: no symbols, not an error */
	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), img->len) ||
	    eh->e_shoff % 8) {
		snprintf(err, errlen, "ELF section headers lie outside the file (truncated?)");
		return -1;
	}
	sh = (const Elf64_Shdr *)(img->data + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = &sh[i];
	if (!symtab)
		return 0;
	if (symtab->sh_link >= eh->e_shnum || sh[symtab->sh_link].sh_type != SHT_STRTAB) {
		snprintf(err, errlen, "ELF .symtab has no string table");
		return -1;
	}
	strtab = &sh[symtab->sh_link];
	if (symtab->sh_entsize != sizeof(Elf64_Sym) || symtab->sh_offset % 8 ||
	    !in_file(symtab->sh_offset, symtab->sh_size, img->len) ||
	    !in_file(strtab->sh_offset, strtab->sh_size, img->len) || strtab->sh_size == 0 ||
	    img->data[strtab->sh_offset + strtab->sh_size - 1] != '\0') {
		snprintf(err, errlen, "ELF .symtab or .strtab lies outside the file (truncated?)");
		return -1;
	}
	sym = (const Elf64_Sym *)(img->data + symtab->sh_offset);
	str = (const char *)(img->data + strtab->sh_offset);
	n = symtab->sh_size / sizeof(Elf64_Sym);
	img->syms = calloc(n ? n : 1, sizeof(*img->syms));
	if (!img->syms) {
		snprintf(err, errlen, "out of memory for %zu symbols", n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned type = ELF64_ST_TYPE(sym[i].st_info);

		if (sym[i].st_name == 0 || sym[i].st_name >= strtab->sh_size ||
		    type == STT_SECTION || type == STT_FILE)
			continue;
		img->syms[img->n_syms].name = str + sym[i].st_name;
		img->syms[img->n_syms].value = sym[i].st_value;
		img->n_syms++;
	}
	return 0;
}

static int validate(struct cpu_image *img, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh;

	if (img->len < EI_NIDENT || memcmp(img->data, ELFMAG, SELFMAG) != 0) {
		snprintf(err, errlen, "not an ELF file");
		return -1;
	}
	if (img->data[EI_CLASS] != ELFCLASS64) {
		snprintf(err, errlen, "not a 64-bit ELF file (EI_CLASS=%u, expected ELFCLASS64)",
			 img->data[EI_CLASS]);
		return -1;
	}
	if (img->data[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "not a little-endian ELF file (EI_DATA=%u)", img->data[EI_DATA]);
		return -1;
	}
	if (img->len < sizeof(Elf64_Ehdr)) {
		snprintf(err, errlen, "ELF header truncated (%zu bytes)", img->len);
		return -1;
	}
	eh = img->eh = (const Elf64_Ehdr *)img->data;
	if (eh->e_machine != EM_AARCH64) {
		snprintf(err, errlen, "wrong machine: e_machine=%u, expected %u (EM_AARCH64)",
			 eh->e_machine, EM_AARCH64);
		return -1;
	}
	if (eh->e_type != ET_EXEC) {
		snprintf(err, errlen, "not an executable (e_type=%u, expected ET_EXEC)", eh->e_type);
		return -1;
	}
	if (eh->e_phnum == 0 || eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff % 8 ||
	    !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), img->len)) {
		snprintf(err, errlen, "ELF program headers missing or outside the file (truncated?)");
		return -1;
	}
	img->ph = (const Elf64_Phdr *)(img->data + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (!in_file(p->p_offset, p->p_filesz, img->len)) {
			snprintf(err, errlen, "PT_LOAD segment %u: file bytes [0x%" PRIx64 ", +0x%" PRIx64
				 ") outside the file (truncated?)", i, p->p_offset, p->p_filesz);
			return -1;
		}
		if (p->p_filesz > p->p_memsz) {
			snprintf(err, errlen, "PT_LOAD segment %u: p_filesz > p_memsz", i);
			return -1;
		}
	}
	return parse_symbols(img, err, errlen);
}

struct cpu_image *cpu_image_load_memory(const void *elf, size_t len, char *err, size_t errlen)
{
	struct cpu_image *img;

	if (len > IMAGE_MAX_BYTES) {
		snprintf(err, errlen, "image too large (%zu bytes)", len);
		return NULL;
	}
	img = calloc(1, sizeof(*img));
	if (!img) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* A private, 8-byte aligned copy: the structs below point into it. */
	img->data = malloc(len ? len : 1);
	if (!img->data) {
		free(img);
		snprintf(err, errlen, "out of memory for a %zu-byte image", len);
		return NULL;
	}
	if (len)
		memcpy(img->data, elf, len);
	img->len = len;
	if (validate(img, err, errlen) != 0) {
		cpu_image_free(img);
		return NULL;
	}
	return img;
}

struct cpu_image *cpu_image_load_file(const char *path, char *err, size_t errlen)
{
	struct cpu_image *img = NULL;
	char msg[256];
	FILE *f;
	void *buf = NULL;
	long size;

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: cannot determine the size", path);
		goto out;
	}
	if ((unsigned long)size > IMAGE_MAX_BYTES) {
		snprintf(err, errlen, "%s: image too large (%ld bytes)", path, size);
		goto out;
	}
	buf = malloc(size ? (size_t)size : 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	img = cpu_image_load_memory(buf, (size_t)size, msg, sizeof(msg));
	if (!img)
		snprintf(err, errlen, "%s: %s", path, msg);
out:
	free(buf);
	fclose(f);
	return img;
}

int cpu_image_code_ranges(const struct cpu_image *img, uint64_t (*out)[2], unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < img->eh->e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];

		if (p->p_type != PT_LOAD || !(p->p_flags & PF_X) || p->p_memsz == 0)
			continue;
		if (n == max)
			return -1;
		out[n][0] = p->p_paddr;
		out[n][1] = p->p_paddr + p->p_memsz;
		n++;
	}
	return (int)n;
}

static int image_place(const struct cpu_image *img, void *ram, uint64_t ram_base, uint64_t ram_size,
		       bool ram_zero, char *err, size_t errlen)
{
	/* Step 1: every segment must fit before anything is written. */
	for (unsigned i = 0; i < img->eh->e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_paddr < ram_base || p->p_paddr - ram_base > ram_size ||
		    p->p_memsz > ram_size - (p->p_paddr - ram_base)) {
			snprintf(err, errlen, "PT_LOAD segment %u [0x%" PRIx64 ", 0x%" PRIx64
				 ") outside guest RAM [0x%" PRIx64 ", 0x%" PRIx64 ")", i, p->p_paddr,
				 p->p_paddr + p->p_memsz, ram_base, ram_base + ram_size);
			return -1;
		}
	}
	/* Step 2: copy p_filesz bytes, zero the rest up to p_memsz (.bss). */
	for (unsigned i = 0; i < img->eh->e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		uint8_t *dst;

		if (p->p_type != PT_LOAD)
			continue;
		dst = (uint8_t *)ram + (p->p_paddr - ram_base);
		memcpy(dst, img->data + p->p_offset, p->p_filesz);
		if (!ram_zero)
			memset(dst + p->p_filesz, 0, p->p_memsz - p->p_filesz);
	}
	return 0;
}

int cpu_image_place(const struct cpu_image *img, void *ram, uint64_t ram_base, uint64_t ram_size,
		    char *err, size_t errlen)
{
	return image_place(img, ram, ram_base, ram_size, false, err, errlen);
}

int cpu_image_place_zeroed(const struct cpu_image *img, void *ram, uint64_t ram_base, uint64_t ram_size,
			   char *err, size_t errlen)
{
	return image_place(img, ram, ram_base, ram_size, true, err, errlen);
}

int cpu_image_symbol(const struct cpu_image *img, const char *name, uint64_t *addr)
{
	/* Global definitions win over local ones of the same name only by order;
	 * guest images keep their symbol names unique. */
	for (size_t i = 0; i < img->n_syms; i++) {
		if (strcmp(img->syms[i].name, name) == 0) {
			*addr = img->syms[i].value;
			return 0;
		}
	}
	return -1;
}

uint64_t cpu_image_entry(const struct cpu_image *img)
{
	return img->eh->e_entry;
}

void cpu_image_free(struct cpu_image *img)
{
	if (!img)
		return;
	free(img->syms);
	free(img->data);
	free(img);
}
