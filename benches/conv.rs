//! Convolution on the CPU: candle's `conv2d` against xmodal's fused CPU op (`nn::conv_cpu`: per-image im2col + GEMM, own backward)
//! (`nn::conv_cpu::conv2d`), forward and forward + backward, on the five convolutions of
//! scene-net-s at batch 64. Run: `cargo bench --bench conv`.

use candle_core::{DType, Device, Tensor, Var};
use std::time::Instant;
use xmodal::nn::conv_cpu;

mod common;
use common::median;

fn time(f: &mut dyn FnMut()) -> f64 {
    f();
    median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    // As the `xmodal` command does (src/alloc.rs).
    xmodal::alloc::keep_freed_memory();
    // (in, out, k, stride, pad, input size) of scene-net-s's convolutions.
    let layers = [
        (3, 48, 5, 2, 2, 64),
        (48, 128, 3, 1, 1, 16),
        (128, 192, 3, 1, 1, 8),
        (192, 192, 3, 1, 1, 8),
        (192, 128, 3, 1, 1, 8),
    ];
    let dev = Device::Cpu;
    let b = 64;
    println!(
        "{:<28} {:>12} {:>12} {:>12} {:>12}",
        "layer (batch 64)", "candle fwd", "im2col fwd", "candle f+b", "im2col f+b"
    );
    let (mut tc, mut ti) = (0.0, 0.0);
    for (cin, cout, k, s, p, hw) in layers {
        let x =
            Var::from_tensor(&Tensor::randn(0f32, 1.0, (b, cin, hw, hw), &dev).unwrap()).unwrap();
        let w =
            Var::from_tensor(&Tensor::randn(0f32, 0.1, (cout, cin, k, k), &dev).unwrap()).unwrap();
        let cf = time(&mut || {
            x.conv2d(&w, p, s, 1, 1).unwrap();
        });
        let i_f = time(&mut || {
            conv_cpu::conv2d(&x, &w, None, s, p).unwrap();
        });
        // candle's backward breaks when (size + 2p − k) is not a multiple of the stride.
        let divisible = (hw + 2 * p - k) % s == 0;
        let cb = if divisible {
            time(&mut || {
                x.conv2d(&w, p, s, 1, 1)
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .backward()
                    .unwrap();
            })
        } else {
            f64::NAN
        };
        let ib = time(&mut || {
            conv_cpu::conv2d(&x, &w, None, s, p)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
        });
        if divisible {
            tc += cb;
            ti += ib;
        }
        println!(
            "{:<28} {:>10.1}ms {:>10.1}ms {:>10.1}ms {:>10.1}ms",
            format!("{cin}->{cout} k{k} s{s} {hw}x{hw}"),
            cf * 1e3,
            i_f * 1e3,
            cb * 1e3,
            ib * 1e3
        );
        let _ = DType::F32;
    }
    println!("forward+backward over the layers candle can differentiate: candle {:.1} ms, im2col {:.1} ms ({:.1}x)", tc * 1e3, ti * 1e3, tc / ti);
}
