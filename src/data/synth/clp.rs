//! `clp`, the clip-art renderer: flat background bands, flat saturated fills, thick dark
//! outlines, no texture, no shading, no noise.

use super::raster::{outline, part_box, Canvas};
use super::scene::Instance;
use super::world::objects;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Push a colour away from its grey level (clip art is saturated).
fn saturate(c: [f32; 3], k: f32) -> [f32; 3] {
    let m = (c[0] + c[1] + c[2]) / 3.0;
    c.map(|v| (m + (v - m) * k).clamp(0.0, 1.0))
}

/// Render `inst` as clip art (HWC bytes).
pub fn render(inst: &Instance, size: usize, r: &mut ChaCha8Rng) -> Vec<u8> {
    let k = r.random_range(1.3..1.8);
    let mut c = Canvas::two_bands(
        size,
        inst.horizon,
        saturate(inst.top, k),
        saturate(inst.bottom, k),
    );
    let width = (size as f32 / 32.0).max(1.0) * r.random_range(1.2..1.8);
    let ink = [0.05, 0.05, 0.08];
    let hy = inst.horizon * size as f32;
    c.line((0.0, hy), (size as f32, hy), width, ink);
    let all = objects();
    for o in &inst.objects {
        for part in &all[o.ty].parts {
            let b = part_box(o, part, size);
            let col = saturate(Instance::role_colour(o, part.role), k);
            let mut hits = vec![];
            c.for_part(part.prim, b, |x, y| hits.push((x, y)));
            for (x, y) in hits {
                c.px[y * size + x] = col;
            }
        }
        for part in &all[o.ty].parts {
            let pts = outline(part.prim, part_box(o, part, size), 24);
            for w in pts.windows(2) {
                c.line(w[0], w[1], width, ink);
            }
        }
    }
    c.to_bytes()
}
