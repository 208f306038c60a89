//! Convolution on the CPU: candle's `conv2d` against xmodal's CPU op (`nn::conv_cpu::conv2d`,
//! own backward) with each of its algorithms (im2col + GEMM; Winograd F(4×4, 3×3), the default
//! for 3×3 stride-1 windows), forward and forward + backward, on the five convolutions of
//! scene-net-s at batch 64. Run: `cargo bench --bench conv`.

use candle_core::{Device, Tensor, Var};
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
    let var = conv_cpu::Algo::VAR;
    // xmodal's algorithms, by the setting that picks them.
    let algos = ["im2col", "winograd4"];
    println!(
        "{:<24} {:>9} {:>9} {:>9}   {:>9} {:>9} {:>9}   (ms; fwd, then fwd+bwd)",
        "layer (batch 64)", "candle", "im2col", "winograd", "candle", "im2col", "winograd"
    );
    let (mut tc, mut ti) = (0.0, [0.0; 2]);
    for (cin, cout, k, s, p, hw) in layers {
        let x =
            Var::from_tensor(&Tensor::randn(0f32, 1.0, (b, cin, hw, hw), &dev).unwrap()).unwrap();
        let w =
            Var::from_tensor(&Tensor::randn(0f32, 0.1, (cout, cin, k, k), &dev).unwrap()).unwrap();
        let cf = time(&mut || {
            x.conv2d(&w, p, s, 1, 1).unwrap();
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
        let (mut fwd, mut both) = ([0.0; 2], [0.0; 2]);
        for (j, algo) in algos.iter().enumerate() {
            std::env::set_var(var, algo);
            fwd[j] = time(&mut || {
                conv_cpu::conv2d(&x, &w, None, s, p).unwrap();
            });
            both[j] = time(&mut || {
                conv_cpu::conv2d(&x, &w, None, s, p)
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .backward()
                    .unwrap();
            });
        }
        std::env::remove_var(var);
        if divisible {
            tc += cb;
            for (t, b) in ti.iter_mut().zip(both) {
                *t += b;
            }
        }
        let ms = |v: f64| format!("{:.1}", v * 1e3);
        println!(
            "{:<24} {:>9} {:>9} {:>9}   {:>9} {:>9} {:>9}",
            format!("{cin}->{cout} k{k} s{s} {hw}x{hw}"),
            ms(cf),
            ms(fwd[0]),
            ms(fwd[1]),
            ms(cb),
            ms(both[0]),
            ms(both[1]),
        );
    }
    println!(
        "forward+backward over the layers candle can differentiate: candle {:.1} ms, im2col {:.1} ms ({:.1}x), winograd where it applies {:.1} ms ({:.1}x)",
        tc * 1e3,
        ti[0] * 1e3,
        tc / ti[0],
        ti[1] * 1e3,
        tc / ti[1]
    );
}
