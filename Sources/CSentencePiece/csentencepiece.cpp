// Implementation of the CSentencePiece shim. Only this file includes SentencePiece headers.
#include "csentencepiece.h"

#include <sentencepiece_processor.h>
#include <cstring>
#include <string>
#include <vector>

struct csp_model {
  sentencepiece::SentencePieceProcessor sp;
};

extern "C" csp_model *csp_load(const char *path, char *err, int32_t err_cap) {
  auto *m = new csp_model();
  auto status = m->sp.Load(path);
  if (!status.ok()) {
    std::string msg = status.ToString();
    if (err_cap > 0) {
      std::strncpy(err, msg.c_str(), (size_t)err_cap - 1);
      err[err_cap - 1] = 0;
    }
    delete m;
    return nullptr;
  }
  return m;
}

extern "C" void csp_free(csp_model *m) { delete m; }

extern "C" int32_t csp_piece_count(const csp_model *m) { return m->sp.GetPieceSize(); }

extern "C" int64_t csp_encode(const csp_model *m, const char *text, int64_t len, char *out, int64_t cap,
                              int32_t *count) {
  std::vector<std::string> pieces;
  auto status = m->sp.Encode(std::string(text, (size_t)len), &pieces);
  if (!status.ok()) return -1;
  int64_t need = 0;
  for (const auto &p : pieces) need += (int64_t)p.size() + 1;
  *count = (int32_t)pieces.size();
  if (need > cap) return need;
  int64_t o = 0;
  for (const auto &p : pieces) {
    std::memcpy(out + o, p.data(), p.size());
    o += (int64_t)p.size();
    out[o++] = 0;
  }
  return need;
}

extern "C" int64_t csp_decode(const csp_model *m, const char *pieces, int64_t len, int32_t count, char *out,
                              int64_t cap) {
  std::vector<std::string> ps;
  ps.reserve((size_t)count);
  int64_t o = 0;
  for (int32_t i = 0; i < count && o < len; i++) {
    size_t n = std::strlen(pieces + o);
    ps.emplace_back(pieces + o, n);
    o += (int64_t)n + 1;
  }
  std::string text;
  auto status = m->sp.Decode(ps, &text);
  if (!status.ok()) return -1;
  if ((int64_t)text.size() <= cap) std::memcpy(out, text.data(), text.size());
  return (int64_t)text.size();
}
