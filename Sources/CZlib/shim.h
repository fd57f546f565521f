// zlib (Debian: zlib1g-dev). Only MTIO/GzipDecoder.swift calls it.
#include <zlib.h>

// `inflateInit2` is a macro (it passes ZLIB_VERSION and sizeof(z_stream)), which Swift does not
// import: this wrapper starts a decoder that accepts gzip members only (window 15, +16 = gzip).
static inline int czlib_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}
