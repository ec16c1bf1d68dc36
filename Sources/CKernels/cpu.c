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

bool adapt_kernels_vnni_available(void) {
    if (!adapt_kernels_available()) return false;
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    // vpdpbusd on 512-bit vectors, and AVX512BW/VL for the 16-byte masked stores of int8 outputs.
    return (ecx & bit_AVX512VNNI) && (ebx & bit_AVX512BW) && (ebx & bit_AVX512VL);
}

#else

bool adapt_kernels_available(void) { return false; }
bool adapt_kernels_vnni_available(void) { return false; }

#endif
