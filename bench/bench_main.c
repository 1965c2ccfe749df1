/* bench_main.c — placeholder until the benchmark harness lands. */
#include <stdio.h>
int main(void)
{
	puts("{}");
	return 0;
}
