//! `ldr`, the line-drawing renderer: outlines only, dark jittery strokes on white. Parts are
//! first painted white so nearer objects hide the strokes behind them, as a person drawing would.

use super::raster::{outline, part_box, Canvas};
use super::scene::Instance;
use super::world::objects;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Subdivide a polyline and jitter every point by up to `j` pixels.
fn jittery(pts: &[(f32, f32)], j: f32, r: &mut ChaCha8Rng) -> Vec<(f32, f32)> {
    let mut out = vec![];
    for w in pts.windows(2) {
        let len = ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt();
        let n = (len / 3.0).ceil().max(1.0) as usize;
        for i in 0..n {
            let t = i as f32 / n as f32;
            out.push((
                w[0].0 + (w[1].0 - w[0].0) * t + r.random_range(-j..j),
                w[0].1 + (w[1].1 - w[0].1) * t + r.random_range(-j..j),
            ));
        }
    }
    if let Some(&last) = pts.last() {
        out.push(last);
    }
    out
}

/// Render `inst` as a line drawing (HWC bytes).
pub fn render(inst: &Instance, size: usize, r: &mut ChaCha8Rng) -> Vec<u8> {
    let paper = [r.random_range(0.95..1.0); 3];
    let mut c = Canvas::new(size, paper);
    let ink = [r.random_range(0.0..0.3); 3];
    let width = (size as f32 / 64.0).max(0.8) * r.random_range(0.9..1.5);
    let j = size as f32 / 100.0;
    let hy = inst.horizon * size as f32;
    let horizon = jittery(&[(0.0, hy), (size as f32, hy)], j, r);
    for w in horizon.windows(2) {
        c.line(w[0], w[1], width, ink);
    }
    let all = objects();
    for o in &inst.objects {
        for part in &all[o.ty].parts {
            let b = part_box(o, part, size);
            let mut hits = vec![];
            c.for_part(part.prim, b, |x, y| hits.push((x, y)));
            for (x, y) in hits {
                c.px[y * size + x] = paper;
            }
        }
        for part in &all[o.ty].parts {
            let pts = jittery(&outline(part.prim, part_box(o, part, size), 20), j, r);
            for w in pts.windows(2) {
                c.line(w[0], w[1], width, ink);
            }
        }
    }
    c.to_bytes()
}
