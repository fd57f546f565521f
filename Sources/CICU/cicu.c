// Implementation of the CICU shim. Only this file includes ICU headers.
#include "cicu.h"

#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uversion.h>

static const UNormalizer2 *cicu_normalizer(int32_t form, UErrorCode *err) {
  switch (form) {
  case CICU_NFC: return unorm2_getNFCInstance(err);
  case CICU_NFKC: return unorm2_getNFKCInstance(err);
  case CICU_NFD: return unorm2_getNFDInstance(err);
  case CICU_NFKD: return unorm2_getNFKDInstance(err);
  default: *err = U_ILLEGAL_ARGUMENT_ERROR; return NULL;
  }
}

int32_t cicu_normalize(int32_t form, const uint16_t *src, int32_t srcLen, uint16_t *dst, int32_t dstCap) {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2 *n = cicu_normalizer(form, &err);
  if (U_FAILURE(err)) return -1;
  int32_t len = unorm2_normalize(n, (const UChar *)src, srcLen, (UChar *)dst, dstCap, &err);
  if (err == U_BUFFER_OVERFLOW_ERROR) return len;
  if (U_FAILURE(err)) return -1;
  return len;
}

int32_t cicu_is_normalized(int32_t form, const uint16_t *src, int32_t srcLen) {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2 *n = cicu_normalizer(form, &err);
  if (U_FAILURE(err)) return -1;
  UBool ok = unorm2_isNormalized(n, (const UChar *)src, srcLen, &err);
  if (U_FAILURE(err)) return -1;
  return ok ? 1 : 0;
}

int32_t cicu_word_breaks(const char *locale, const uint16_t *src, int32_t srcLen,
                         int32_t *boundaries, int32_t *status, int32_t cap) {
  UErrorCode err = U_ZERO_ERROR;
  UBreakIterator *bi = ubrk_open(UBRK_WORD, locale, (const UChar *)src, srcLen, &err);
  if (U_FAILURE(err)) return -1;
  int32_t count = 0;
  int32_t pos = ubrk_first(bi);
  while (pos != UBRK_DONE) {
    if (count < cap) {
      boundaries[count] = pos;
      if (status) status[count] = count == 0 ? 0 : ubrk_getRuleStatus(bi);
    }
    count++;
    pos = ubrk_next(bi);
  }
  ubrk_close(bi);
  return count;
}

int32_t cicu_char_type(uint32_t c) { return (int32_t)u_charType((UChar32)c); }

int32_t cicu_script(uint32_t c) {
  UErrorCode err = U_ZERO_ERROR;
  UScriptCode s = uscript_getScript((UChar32)c, &err);
  if (U_FAILURE(err)) return -1;
  return (int32_t)s;
}

int32_t cicu_is_white_space(uint32_t c) { return u_isUWhiteSpace((UChar32)c) ? 1 : 0; }

int32_t cicu_version(char *buf, int32_t cap) {
  UVersionInfo v;
  char tmp[U_MAX_VERSION_STRING_LENGTH];
  u_getVersion(v);
  u_versionToString(v, tmp);
  int32_t len = (int32_t)strlen(tmp);
  if (cap > 0) {
    int32_t n = len < cap - 1 ? len : cap - 1;
    memcpy(buf, tmp, (size_t)n);
    buf[n] = 0;
  }
  return len;
}
