/*
 * compute_native.c - the compute benchmark as an ordinary host process:
 * fib(N), naive and recursive, either with the very instructions the guest
 * runs (bench/fib.inc, linked in as fib_asm) or as plain C compiled by the
 * host compiler. Prints fib(N) like the guest does.
 *
 * usage: compute_native asm|c N
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bench/fib.inc, assembled by bench/fib_native.asm. */
uint64_t fib_asm(uint64_t n);

/* The same algorithm in C. noinline keeps one call per fib() as in the
 * assembly; the compiler may still rearrange the body. */
static __attribute__((noinline)) uint64_t fib_c(uint64_t n)
{
	return n < 2 ? n : fib_c(n - 1) + fib_c(n - 2);
}

int main(int argc, char **argv)
{
	uint64_t n, result;

	if (argc != 3 || (strcmp(argv[1], "asm") != 0 && strcmp(argv[1], "c") != 0)) {
		fprintf(stderr, "usage: %s asm|c N\n", argv[0]);
		return 2;
	}
	n = strtoull(argv[2], NULL, 0);
	result = strcmp(argv[1], "asm") == 0 ? fib_asm(n) : fib_c(n);
	printf("%llu\n", (unsigned long long)result);
	return 0;
}
