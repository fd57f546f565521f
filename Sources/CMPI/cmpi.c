// See include/cmpi.h. Open MPI 4.x ABI: handles are pointers to exported globals and
// MPI_IN_PLACE is (void *)1 (mpi.h: #define MPI_IN_PLACE ((void *) 1)).
#include "cmpi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *Handle;
static int (*p_init)(int *, char ***);
static int (*p_finalize)(void);
static int (*p_comm_rank)(Handle, int *);
static int (*p_comm_size)(Handle, int *);
static int (*p_allreduce)(const void *, void *, int, Handle, Handle, Handle);
static int (*p_allgather)(const void *, int, Handle, void *, int, Handle, Handle);
static int (*p_bcast)(void *, int, Handle, int, Handle);
static int (*p_barrier)(Handle);
static int (*p_abort)(Handle, int);
static Handle comm_world, t_float, t_double, t_uint64, t_byte, op_sum;
static int rank_ = 0, size_ = 1, ready = 0, finalized = 0;
#define IN_PLACE ((void *)1)
#define CHUNK (1LL << 30)

int32_t cmpi_launched(void) {
  const char *s = getenv("OMPI_COMM_WORLD_SIZE");
  return s != NULL && s[0] != 0;
}

static void *sym(void *lib, const char *name, char *err, int32_t cap, int *ok) {
  void *p = dlsym(lib, name);
  if (p == NULL && *ok) {
    snprintf(err, (size_t)cap, "libmpi has no symbol %s (expected Open MPI 4.x): %s", name, dlerror());
    *ok = 0;
  }
  return p;
}

int32_t cmpi_init(char *err, int32_t cap) {
  if (ready) return 0;
  // RTLD_GLOBAL: Open MPI's plugins (mca_*.so) resolve libmpi's symbols from the global scope.
  const char *names[] = {"libmpi.so.40", "libmpi.so"};
  void *lib = NULL;
  for (int i = 0; i < 2 && lib == NULL; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
  if (lib == NULL) {
    snprintf(err, (size_t)cap, "cannot load Open MPI (libmpi.so.40: %s); install libopenmpi3 / libopenmpi-dev", dlerror());
    return 1;
  }
  int ok = 1;
  *(void **)&p_init = sym(lib, "MPI_Init", err, cap, &ok);
  *(void **)&p_finalize = sym(lib, "MPI_Finalize", err, cap, &ok);
  *(void **)&p_comm_rank = sym(lib, "MPI_Comm_rank", err, cap, &ok);
  *(void **)&p_comm_size = sym(lib, "MPI_Comm_size", err, cap, &ok);
  *(void **)&p_allreduce = sym(lib, "MPI_Allreduce", err, cap, &ok);
  *(void **)&p_allgather = sym(lib, "MPI_Allgather", err, cap, &ok);
  *(void **)&p_bcast = sym(lib, "MPI_Bcast", err, cap, &ok);
  *(void **)&p_barrier = sym(lib, "MPI_Barrier", err, cap, &ok);
  *(void **)&p_abort = sym(lib, "MPI_Abort", err, cap, &ok);
  comm_world = sym(lib, "ompi_mpi_comm_world", err, cap, &ok);
  t_float = sym(lib, "ompi_mpi_float", err, cap, &ok);
  t_double = sym(lib, "ompi_mpi_double", err, cap, &ok);
  t_uint64 = sym(lib, "ompi_mpi_uint64_t", err, cap, &ok);
  t_byte = sym(lib, "ompi_mpi_byte", err, cap, &ok);
  op_sum = sym(lib, "ompi_mpi_op_sum", err, cap, &ok);
  if (!ok) return 2;
  int rc = p_init(NULL, NULL);
  if (rc != 0) {
    snprintf(err, (size_t)cap, "MPI_Init failed with error %d", rc);
    return rc;
  }
  p_comm_rank(comm_world, &rank_);
  p_comm_size(comm_world, &size_);
  ready = 1;
  return 0;
}

int32_t cmpi_rank(void) { return rank_; }
int32_t cmpi_size(void) { return size_; }

int32_t cmpi_allreduce_sum_float(float *buf, int64_t count) {
  if (!ready || size_ == 1) return 0;
  for (int64_t off = 0; off < count; off += CHUNK) {
    int64_t n = count - off < CHUNK ? count - off : CHUNK;
    int rc = p_allreduce(IN_PLACE, buf + off, (int)n, t_float, op_sum, comm_world);
    if (rc != 0) return rc;
  }
  return 0;
}

int32_t cmpi_allreduce_sum_double(double *buf, int64_t count) {
  if (!ready || size_ == 1) return 0;
  for (int64_t off = 0; off < count; off += CHUNK) {
    int64_t n = count - off < CHUNK ? count - off : CHUNK;
    int rc = p_allreduce(IN_PLACE, buf + off, (int)n, t_double, op_sum, comm_world);
    if (rc != 0) return rc;
  }
  return 0;
}

int32_t cmpi_allgather_u64(uint64_t value, uint64_t *out) {
  if (!ready || size_ == 1) { out[0] = value; return 0; }
  return p_allgather(&value, 1, t_uint64, out, 1, t_uint64, comm_world);
}

int32_t cmpi_bcast_bytes(void *buf, int64_t count, int32_t root) {
  if (!ready || size_ == 1) return 0;
  char *p = (char *)buf;
  for (int64_t off = 0; off < count; off += CHUNK) {
    int64_t n = count - off < CHUNK ? count - off : CHUNK;
    int rc = p_bcast(p + off, (int)n, t_byte, root, comm_world);
    if (rc != 0) return rc;
  }
  return 0;
}

int32_t cmpi_barrier(void) { return ready && size_ > 1 ? p_barrier(comm_world) : 0; }

void cmpi_abort(int32_t code) {
  if (ready) p_abort(comm_world, code);
  exit(code);
}

int32_t cmpi_finalize(void) {
  if (!ready || finalized) return 0;
  finalized = 1;
  return p_finalize();
}
