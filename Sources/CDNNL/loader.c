// Opens libdnnl.so.2 and looks up every function the shim calls; creates contexts (a CPU engine and a thread count).
#if __has_include(<oneapi/dnnl/dnnl.h>)
#include "dnnl_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

struct cdnnl_api cdnnl_api;
#define api cdnnl_api

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_message[256];

static void load(void) {
    // One thread unless an op asks for more: OpenMP's default is every core, spinning, for the whole process.
    setenv("OMP_NUM_THREADS", "1", 0);
    void *library = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(load_message, sizeof load_message, "cannot open libdnnl.so.2 (install libdnnl-dev): %s", dlerror());
        return;
    }
#define CDNNL_LOOK_UP(name)                                                                                           \
    if (!(api.name = (__typeof__(&name))dlsym(library, #name))) {                                                     \
        snprintf(load_message, sizeof load_message, "libdnnl.so.2 has no %s", #name);                                 \
        return;                                                                                                       \
    }
    CDNNL_FUNCTIONS(CDNNL_LOOK_UP)
    api.set_omp_threads = (void (*)(int))dlsym(library, "omp_set_num_threads");
    const dnnl_version_t *version = api.dnnl_version();
    const char *runtime = version->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP"
                        : version->cpu_runtime == DNNL_RUNTIME_SEQ ? "sequential"
                        : version->cpu_runtime == DNNL_RUNTIME_THREADPOOL ? "threadpool" : "TBB or other";
    snprintf(load_message, sizeof load_message, "oneDNN %d.%d.%d (cpu runtime: %s)", version->major, version->minor,
             version->patch, runtime);
    loaded = 1;
}

int cdnnl_load(char *message, size_t capacity) {
    pthread_once(&load_once, load);
    if (message && capacity) snprintf(message, capacity, "%s", load_message);
    return loaded;
}

cdnnl_context *cdnnl_context_create(int threads, char *message, size_t capacity) {
    if (!cdnnl_load(message, capacity)) return NULL;
    cdnnl_context *context = calloc(1, sizeof *context);
    if (!context) return NULL;
    context->threads = threads < 1 ? 1 : threads;
    dnnl_status_t status = api.dnnl_engine_create(&context->engine, dnnl_cpu, 0);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "cannot create a CPU engine", status);
        free(context);
        return NULL;
    }
    return context;
}

void cdnnl_context_destroy(cdnnl_context *context) {
    if (!context) return;
    api.dnnl_engine_destroy(context->engine);
    free(context);
}

#endif
