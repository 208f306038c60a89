//! The one-dimensional minimal filtering algorithms F(m, 3) that the 2-D tiles nest (Lavin &
//! Gray 2016, section 4): an input patch of m + 2 values, a 3-tap filter, m outputs of the
//! correlation y_i = Σ_k d_{i+k} g_k from m + 2 multiplications. Each algorithm is three
//! matrices (Bᵀ for the input, G for the filter, Aᵀ for the output) given here as functions,
//! with their transposes (the adjoints the gradients need).

use candle_core::WithDType;

/// F(M, 3) with patches of P = M + 2 values.
pub trait Minimal<const M: usize, const P: usize> {
    /// Bᵀ d: one column (or row) of an input patch.
    fn bt<T: WithDType>(d: [T; P]) -> [T; P];
    /// B v: the adjoint of [`Minimal::bt`].
    fn b<T: WithDType>(v: [T; P]) -> [T; P];
    /// G g: one column of a filter.
    fn g<T: WithDType>(f: [T; 3]) -> [T; P];
    /// Gᵀ u: the adjoint of [`Minimal::g`].
    fn gt<T: WithDType>(u: [T; P]) -> [T; 3];
    /// Aᵀ m: one column of a transformed output tile.
    fn at<T: WithDType>(m: [T; P]) -> [T; M];
    /// A y: the adjoint of [`Minimal::at`].
    fn a<T: WithDType>(y: [T; M]) -> [T; P];
}

#[inline(always)]
fn k<T: WithDType>(v: f64) -> T {
    T::from_f64(v)
}

/// F(2, 3), interpolation points 0, 1, −1, ∞: constants 1 and ½ only, rounding as small as
/// the direct sum's.
pub struct F2;

impl Minimal<2, 4> for F2 {
    #[inline(always)]
    fn bt<T: WithDType>([d0, d1, d2, d3]: [T; 4]) -> [T; 4] {
        [d0 - d2, d1 + d2, d2 - d1, d1 - d3]
    }
    #[inline(always)]
    fn b<T: WithDType>([v0, v1, v2, v3]: [T; 4]) -> [T; 4] {
        [v0, v1 - v2 + v3, v1 + v2 - v0, T::zero() - v3]
    }
    #[inline(always)]
    fn g<T: WithDType>([g0, g1, g2]: [T; 3]) -> [T; 4] {
        let half = k::<T>(0.5);
        [g0, (g0 + g1 + g2) * half, (g0 - g1 + g2) * half, g2]
    }
    #[inline(always)]
    fn gt<T: WithDType>([u0, u1, u2, u3]: [T; 4]) -> [T; 3] {
        let half = k::<T>(0.5);
        [
            u0 + (u1 + u2) * half,
            (u1 - u2) * half,
            (u1 + u2) * half + u3,
        ]
    }
    #[inline(always)]
    fn at<T: WithDType>([m0, m1, m2, m3]: [T; 4]) -> [T; 2] {
        [m0 + m1 + m2, m1 - m2 - m3]
    }
    #[inline(always)]
    fn a<T: WithDType>([y0, y1]: [T; 2]) -> [T; 4] {
        [y0, y0 + y1, y0 - y1, T::zero() - y1]
    }
}

/// F(4, 3), interpolation points 0, ±1, ±2, ∞ (the matrices of Lavin & Gray's F(4×4, 3×3)):
/// 36 multiplications per 4×4 tile instead of 144; constants up to 8 and 1/24, so rounding is
/// a few times the direct sum's.
pub struct F4;

impl Minimal<4, 6> for F4 {
    #[inline(always)]
    fn bt<T: WithDType>([d0, d1, d2, d3, d4, d5]: [T; 6]) -> [T; 6] {
        let (four, five, two) = (k::<T>(4.0), k::<T>(5.0), k::<T>(2.0));
        [
            four * d0 - five * d2 + d4,
            d3 + d4 - four * (d1 + d2),
            four * (d1 - d2) + d4 - d3,
            two * (d3 - d1) + d4 - d2,
            two * (d1 - d3) + d4 - d2,
            four * d1 - five * d3 + d5,
        ]
    }
    #[inline(always)]
    fn b<T: WithDType>([v0, v1, v2, v3, v4, v5]: [T; 6]) -> [T; 6] {
        let (four, five, two) = (k::<T>(4.0), k::<T>(5.0), k::<T>(2.0));
        [
            four * v0,
            four * (v2 - v1 + v5) + two * (v4 - v3),
            T::zero() - five * v0 - four * (v1 + v2) - v3 - v4,
            v1 - v2 + two * (v3 - v4) - five * v5,
            v0 + v1 + v2 + v3 + v4,
            v5,
        ]
    }
    #[inline(always)]
    fn g<T: WithDType>([g0, g1, g2]: [T; 3]) -> [T; 6] {
        let (sixth, twelfth, t24) = (k::<T>(1.0 / 6.0), k::<T>(1.0 / 12.0), k::<T>(1.0 / 24.0));
        [
            g0 * k::<T>(0.25),
            T::zero() - (g0 + g1 + g2) * sixth,
            (g1 - g0 - g2) * sixth,
            g0 * t24 + g1 * twelfth + g2 * sixth,
            g0 * t24 - g1 * twelfth + g2 * sixth,
            g2,
        ]
    }
    #[inline(always)]
    fn gt<T: WithDType>([u0, u1, u2, u3, u4, u5]: [T; 6]) -> [T; 3] {
        let (sixth, twelfth, t24) = (k::<T>(1.0 / 6.0), k::<T>(1.0 / 12.0), k::<T>(1.0 / 24.0));
        [
            u0 * k::<T>(0.25) - (u1 + u2) * sixth + (u3 + u4) * t24,
            (u2 - u1) * sixth + (u3 - u4) * twelfth,
            (u3 + u4 - u1 - u2) * sixth + u5,
        ]
    }
    #[inline(always)]
    fn at<T: WithDType>([m0, m1, m2, m3, m4, m5]: [T; 6]) -> [T; 4] {
        let (two, four, eight) = (k::<T>(2.0), k::<T>(4.0), k::<T>(8.0));
        let (s12, d12, s34, d34) = (m1 + m2, m1 - m2, m3 + m4, m3 - m4);
        [
            m0 + s12 + s34,
            d12 + two * d34,
            s12 + four * s34,
            d12 + eight * d34 + m5,
        ]
    }
    #[inline(always)]
    fn a<T: WithDType>([y0, y1, y2, y3]: [T; 4]) -> [T; 6] {
        let (two, four, eight) = (k::<T>(2.0), k::<T>(4.0), k::<T>(8.0));
        [
            y0,
            y0 + y1 + y2 + y3,
            y0 - y1 + y2 - y3,
            y0 + two * y1 + four * y2 + eight * y3,
            y0 - two * y1 + four * y2 - eight * y3,
            y3,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<const N: usize>(seed: usize) -> [f64; N] {
        std::array::from_fn(|i| (((i + seed) * 7919 + seed * 31) % 23) as f64 / 7.0 - 1.5)
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// Aᵀ[(G g) ⊙ (Bᵀ d)] is the correlation, and each transform's partner is its adjoint.
    fn check<W: Minimal<M, P>, const M: usize, const P: usize>() {
        let (d, f) = (values::<P>(1), values::<3>(2));
        let (v, u) = (W::bt(d), W::g(f));
        let y = W::at(std::array::from_fn(|i| v[i] * u[i]));
        for (i, &got) in y.iter().enumerate() {
            let want: f64 = (0..3).map(|j| d[i + j] * f[j]).sum();
            assert!(
                (got - want).abs() < 1e-12,
                "F({M}, 3) output {i}: {got} vs {want}"
            );
        }
        let (x, z, w) = (values::<P>(3), values::<P>(4), values::<M>(5));
        let pairs = [
            (dot(&W::bt(x), &z), dot(&x, &W::b(z)), "B"),
            (dot(&W::g(f), &z), dot(&f, &W::gt(z)), "G"),
            (dot(&W::at(x), &w), dot(&x, &W::a(w)), "A"),
        ];
        for (lhs, rhs, name) in pairs {
            assert!(
                (lhs - rhs).abs() < 1e-12,
                "F({M}, 3) {name}: {lhs} vs {rhs}"
            );
        }
    }

    #[test]
    fn f2_computes_the_correlation_and_its_adjoints() {
        check::<F2, 2, 4>();
    }

    #[test]
    fn f4_computes_the_correlation_and_its_adjoints() {
        check::<F4, 4, 6>();
    }
}
