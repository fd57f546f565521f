// CICU: a stdint-only C shim over system ICU (libicu 72+).
//
// Swift code must never see ICU headers: Foundation on Linux carries its own ICU and the two
// clash ("'UErrorCode' has different definitions"). This header exposes plain integer buffers;
// the ICU headers are included only in cicu.c. See ../shared/design/PLATFORM.md.
#ifndef CICU_H
#define CICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Normalisation forms accepted by `cicu_normalize`.
enum {
  CICU_NFC = 0,
  CICU_NFKC = 1,
  CICU_NFD = 2,
  CICU_NFKD = 3,
};

/// Normalises UTF-16 `src[0..<srcLen]` into `dst` (capacity `dstCap` code units).
/// Returns the length of the result in code units; if it exceeds `dstCap`, nothing useful was
/// written and the caller retries with a buffer of that size. Returns -1 on an ICU error.
int32_t cicu_normalize(int32_t form, const uint16_t *src, int32_t srcLen, uint16_t *dst, int32_t dstCap);

/// 1 if `src` is already in normal form `form` (quick check + full check), 0 if not, -1 on error.
int32_t cicu_is_normalized(int32_t form, const uint16_t *src, int32_t srcLen);

/// Word-break boundaries of UTF-16 `src` using ICU's word break iterator for `locale`
/// (e.g. "zh", "ja", "th"; dictionary-based for Han, Kana, Thai, Lao, Khmer, Myanmar).
/// Writes up to `cap` boundary offsets (in UTF-16 code units, including 0 and srcLen) into
/// `boundaries`, and for each boundary after the first the rule status of the segment ending
/// there into `status` (may be NULL; 0 = none/punctuation/space, 100.. = number,
/// 200.. = letter, 300.. = kana, 400.. = ideographic). Returns the number of boundaries
/// (which may exceed `cap`: retry larger), or -1 on error.
int32_t cicu_word_breaks(const char *locale, const uint16_t *src, int32_t srcLen,
                         int32_t *boundaries, int32_t *status, int32_t cap);

/// ICU general category (UCharCategory value, u_charType) of code point `c`.
int32_t cicu_char_type(uint32_t c);

/// ICU script code (UScriptCode value, uscript_getScript) of code point `c`; -1 on error.
int32_t cicu_script(uint32_t c);

/// Script codes that `cicu_script` can return and the text module cares about.
enum {
  CICU_SCRIPT_COMMON = 0,
  CICU_SCRIPT_INHERITED = 1,
  CICU_SCRIPT_HAN = 17,
  CICU_SCRIPT_HIRAGANA = 20,
  CICU_SCRIPT_KATAKANA = 22,
  CICU_SCRIPT_LAO = 24,
  CICU_SCRIPT_MYANMAR = 28,
  CICU_SCRIPT_THAI = 38,
  CICU_SCRIPT_KHMER = 23,
};

/// 1 if `c` has the Unicode White_Space property.
int32_t cicu_is_white_space(uint32_t c);

/// A compiled ICU regular expression (opaque; one user at a time).
typedef struct cicu_regex cicu_regex;

/// Compiles UTF-16 `pattern`. On failure returns NULL and writes ICU's error name into `err`
/// (NUL-terminated, capacity `errCap`).
cicu_regex *cicu_regex_open(const uint16_t *pattern, int32_t patternLen, char *err, int32_t errCap);

void cicu_regex_close(cicu_regex *re);

/// Number of capture groups of `re`.
int32_t cicu_regex_group_count(cicu_regex *re);

/// Sets the UTF-16 text that `cicu_regex_next` searches (the caller keeps it alive).
int32_t cicu_regex_set_text(cicu_regex *re, const uint16_t *text, int32_t textLen);

/// Finds the next match in the text (the first call starts at 0; `anchored` = 1 requires the
/// match to start at 0, like lookingAt). Writes start/end offsets of group 0..groups into
/// `spans` (2 per group, capacity `cap` pairs; -1 for a group that did not participate).
/// Returns 1 on a match, 0 when there is none, -1 on an error.
int32_t cicu_regex_next(cicu_regex *re, int32_t anchored, int32_t *spans, int32_t cap);

/// The ICU version string, e.g. "72.1", written into `buf` (NUL-terminated); returns its length.
int32_t cicu_version(char *buf, int32_t cap);

#ifdef __cplusplus
}
#endif

#endif
