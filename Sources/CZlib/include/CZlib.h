#ifndef CZLIB_H
#define CZLIB_H
// The one doorway to zlib (Debian: zlib1g-dev), for the gzip-compressed IDX files Debian ships.
// Only Sources/AdaptEngine/Data/Gzip.swift imports this module.
#include <zlib.h>

// inflateInit2 is a macro over inflateInit2_ with version and struct-size arguments Swift cannot form.
static inline int CZlib_inflateInitGzip(z_stream *stream) {
    // 16 + MAX_WBITS: expect a gzip header (not raw zlib), with the largest window.
    return inflateInit2(stream, 16 + MAX_WBITS);
}
#endif
