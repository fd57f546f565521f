// CMPI: a stdint-only C shim over Open MPI, loaded with dlopen only when a process runs under
// mpirun. A plain `mt-train` never loads libmpi (nor needs it installed); under `mpirun`,
// `cmpi_init` opens libmpi.so.40 (Debian's libopenmpi3, Open MPI 4.x) and resolves the few
// calls data-parallel training uses. Handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) are Open
// MPI's exported globals (`ompi_mpi_comm_world`, …), so no mpi.h is needed to build.
// Every call returns 0 on success or an MPI error code; MPI's default error handler
// (MPI_ERRORS_ARE_FATAL) already aborts the job when a peer has died.
#ifndef CMPI_H
#define CMPI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the environment says this process was started by Open MPI's mpirun/orted
/// (OMPI_COMM_WORLD_SIZE is set), else 0. Does not load anything.
int32_t cmpi_launched(void);

/// Opens libmpi and calls MPI_Init. On failure returns nonzero and writes a message into
/// `err` (capacity `errCap`, NUL-terminated).
int32_t cmpi_init(char *err, int32_t errCap);

int32_t cmpi_rank(void);
int32_t cmpi_size(void);

/// In-place Σ over all ranks (MPI_Allreduce with MPI_IN_PLACE), in chunks of at most 2^30
/// elements.
int32_t cmpi_allreduce_sum_float(float *buf, int64_t count);
int32_t cmpi_allreduce_sum_double(double *buf, int64_t count);

/// `out[r]` = rank r's `value` (MPI_Allgather of one uint64), `out` holding `size` values.
int32_t cmpi_allgather_u64(uint64_t value, uint64_t *out);

/// Rank `root`'s bytes into every rank's `buf`.
int32_t cmpi_bcast_bytes(void *buf, int64_t count, int32_t root);

int32_t cmpi_barrier(void);

/// MPI_Abort(MPI_COMM_WORLD, code): ends every rank of the job.
void cmpi_abort(int32_t code);

/// MPI_Finalize (once; later calls do nothing).
int32_t cmpi_finalize(void);

#ifdef __cplusplus
}
#endif
#endif
