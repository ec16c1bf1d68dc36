#include "CKernels.h"

#if defined(__x86_64__)
#include <cpuid.h>

bool adapt_kernels_available(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return false;
    unsigned xcr0_low, xcr0_high;
    __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    (void)xcr0_high;
    // XMM, YMM, opmask and both halves of the ZMM state must be enabled by the OS.
    if ((xcr0_low & 0xE6) != 0xE6) return false;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    return (ebx & bit_AVX512F) != 0;
}

#else

bool adapt_kernels_available(void) { return false; }

#endif
