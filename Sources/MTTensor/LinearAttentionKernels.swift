import CKernels

/// The recurrent linear-attention step's inner loops (CKernels/linear_attention_step.c: AVX-512
/// or AVX where the CPU has it, every body the same bits as the scalar loop), for one row and
/// head: `CausalLinearAttention.step` updates the state and reads it, `CrossLinearAttention.step`
/// only reads its fixed state.
extension Kernels {
    /// For each feature j < r: when φk[j] ≠ 0, S[j, :] += φk[j] · v and z[j] += φk[j]; when
    /// φq[j] ≠ 0, o += φq[j] · S[j, :] and den += φq[j] · z[j] (in Double); then
    /// o *= Float(1 / max(den, eps)). o is overwritten.
    @inline(__always)
    public static func linearAttentionStep(features r: Int, headDim dh: Int,
                                           state s: UnsafeMutablePointer<Float>,   // [r, dh]
                                           normaliser z: UnsafeMutablePointer<Float>,  // [r]
                                           phiKey fk: UnsafePointer<Float>,        // [r]
                                           phiQuery fq: UnsafePointer<Float>,      // [r]
                                           value v: UnsafePointer<Float>,          // [dh]
                                           into o: UnsafeMutablePointer<Float>,    // [dh]
                                           epsilon eps: Double) {
        mt_linear_attention_step(Int32(r), Int32(dh), s, z, fk, fq, v, o, eps)
    }

    /// o = Σ_j φq[j] · S[j, :] over the features with φq[j] ≠ 0, times Float(1 / max(|den|, eps))
    /// with den = Σ_j φq[j] · z[j] in Double. o is overwritten.
    @inline(__always)
    public static func linearAttentionRead(features r: Int, headDim dh: Int,
                                           state s: UnsafePointer<Float>,          // [r, dh]
                                           normaliser z: UnsafePointer<Float>,     // [r]
                                           phiQuery fq: UnsafePointer<Float>,      // [r]
                                           into o: UnsafeMutablePointer<Float>,    // [dh]
                                           epsilon eps: Double) {
        mt_linear_attention_read(Int32(r), Int32(dh), s, z, fq, o, eps)
    }
}
