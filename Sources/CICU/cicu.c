// Implementation of the CICU shim. Only this file includes ICU headers.
#include "cicu.h"

#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uregex.h>
#include <stdlib.h>
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

struct cicu_regex {
  URegularExpression *re;
};

cicu_regex *cicu_regex_open(const uint16_t *pattern, int32_t patternLen, char *err, int32_t errCap) {
  UErrorCode e = U_ZERO_ERROR;
  UParseError pe;
  URegularExpression *re = uregex_open((const UChar *)pattern, patternLen, 0, &pe, &e);
  if (U_FAILURE(e)) {
    if (errCap > 0) {
      strncpy(err, u_errorName(e), (size_t)errCap - 1);
      err[errCap - 1] = 0;
    }
    return NULL;
  }
  cicu_regex *r = malloc(sizeof *r);
  if (!r) { uregex_close(re); return NULL; }
  r->re = re;
  return r;
}

void cicu_regex_close(cicu_regex *re) {
  if (!re) return;
  uregex_close(re->re);
  free(re);
}

int32_t cicu_regex_group_count(cicu_regex *re) {
  UErrorCode e = U_ZERO_ERROR;
  int32_t n = uregex_groupCount(re->re, &e);
  return U_FAILURE(e) ? -1 : n;
}

int32_t cicu_regex_set_text(cicu_regex *re, const uint16_t *text, int32_t textLen) {
  UErrorCode e = U_ZERO_ERROR;
  uregex_setText(re->re, (const UChar *)text, textLen, &e);
  return U_FAILURE(e) ? -1 : 0;
}

int32_t cicu_regex_next(cicu_regex *re, int32_t anchored, int32_t *spans, int32_t cap) {
  UErrorCode e = U_ZERO_ERROR;
  UBool found = anchored ? uregex_lookingAt(re->re, 0, &e) : uregex_findNext(re->re, &e);
  if (U_FAILURE(e)) return -1;
  if (!found) return 0;
  int32_t groups = uregex_groupCount(re->re, &e);
  for (int32_t g = 0; g <= groups && g < cap; g++) {
    spans[2 * g] = uregex_start(re->re, g, &e);
    spans[2 * g + 1] = uregex_end(re->re, g, &e);
  }
  return U_FAILURE(e) ? -1 : 1;
}
