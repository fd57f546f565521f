// A small C interface to libsentencepiece (C++), so Swift sees no C++ headers.
// Pieces cross the boundary as UTF-8 strings, each followed by a NUL byte.
#ifndef CSENTENCEPIECE_H
#define CSENTENCEPIECE_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csp_model csp_model;

/// Loads a SentencePiece model file; NULL on failure with the reason in err (NUL-terminated).
csp_model *csp_load(const char *path, char *err, int32_t err_cap);
void csp_free(csp_model *m);
/// Pieces of the model's vocabulary.
int32_t csp_piece_count(const csp_model *m);
/// Encodes UTF-8 text into pieces written to out as NUL-terminated strings; returns the bytes
/// needed (call again with a larger buffer when it exceeds cap), or -1 on error. *count is set
/// to the number of pieces.
int64_t csp_encode(const csp_model *m, const char *text, int64_t len, char *out, int64_t cap, int32_t *count);
/// Decodes `count` NUL-terminated pieces (in `pieces`, `len` bytes) to UTF-8 text in out;
/// returns the bytes needed (without a terminator), or -1 on error.
int64_t csp_decode(const csp_model *m, const char *pieces, int64_t len, int32_t count, char *out, int64_t cap);

#ifdef __cplusplus
}
#endif
#endif
