//! `nat`, the "natural image" renderer: vertical gradients and value-noise texture on the
//! background, objects shaded top-to-bottom and by a random light direction with their own
//! texture, a global illumination ramp and colour cast, a box blur and pixel noise.

use super::raster::{part_box, Canvas};
use super::scene::Instance;
use super::world::objects;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Smooth noise in [-1, 1] from a coarse random grid, bilinearly interpolated.
fn value_noise(size: usize, cells: usize, r: &mut ChaCha8Rng) -> Vec<f32> {
    let g = cells + 1;
    let grid: Vec<f32> = (0..g * g).map(|_| r.random_range(-1.0..1.0)).collect();
    let mut out = vec![0.0; size * size];
    for y in 0..size {
        let fy = y as f32 / size as f32 * cells as f32;
        let (iy, ty) = (fy as usize, fy.fract());
        for x in 0..size {
            let fx = x as f32 / size as f32 * cells as f32;
            let (ix, tx) = (fx as usize, fx.fract());
            let a = grid[iy * g + ix] * (1.0 - tx) + grid[iy * g + ix + 1] * tx;
            let b = grid[(iy + 1) * g + ix] * (1.0 - tx) + grid[(iy + 1) * g + ix + 1] * tx;
            out[y * size + x] = a * (1.0 - ty) + b * ty;
        }
    }
    out
}

/// Render `inst` as a `size`×`size` natural image (HWC bytes).
pub fn render(inst: &Instance, size: usize, r: &mut ChaCha8Rng) -> Vec<u8> {
    let mut c = Canvas::two_bands(size, inst.horizon, inst.top, inst.bottom);
    let tex = value_noise(size, 8, r);
    let hy = inst.horizon * size as f32;
    for y in 0..size {
        // Sky/wall brighten upwards; ground/floor darkens towards the viewer.
        let g = if (y as f32) < hy {
            1.0 + 0.25 * (1.0 - y as f32 / hy.max(1.0))
        } else {
            1.0 - 0.3 * (y as f32 - hy) / (size as f32 - hy).max(1.0)
        };
        for x in 0..size {
            let t = 1.0 + 0.12 * tex[y * size + x];
            let p = &mut c.px[y * size + x];
            *p = p.map(|v| v * g * t);
        }
    }
    let light: f32 = r.random_range(-1.0..1.0);
    let all = objects();
    for o in &inst.objects {
        let otex = value_noise(size, r.random_range(4..16), r);
        let amp = r.random_range(0.05..0.2);
        let (ox0, ox1, oy0, oy1) = (
            o.x0 * size as f32,
            o.x1 * size as f32,
            o.y0 * size as f32,
            o.y1 * size as f32,
        );
        for part in &all[o.ty].parts {
            let b = part_box(o, part, size);
            let col = Instance::role_colour(o, part.role);
            let mut hits = vec![];
            c.for_part(part.prim, b, |x, y| hits.push((x, y)));
            for (x, y) in hits {
                let u = (x as f32 - ox0) / (ox1 - ox0).max(1.0) - 0.5;
                let v = (y as f32 - oy0) / (oy1 - oy0).max(1.0);
                let shade = 1.1 - 0.35 * v + 0.25 * light * u;
                let t = 1.0 + amp * otex[y * size + x];
                c.px[y * size + x] = col.map(|k| k * shade * t);
            }
        }
    }
    // Global light: a random linear ramp and a colour cast.
    let (ax, ay) = (r.random_range(-0.3..0.3_f32), r.random_range(-0.3..0.3_f32));
    let cast = [
        r.random_range(0.85..1.15_f32),
        r.random_range(0.85..1.15),
        r.random_range(0.85..1.15),
    ];
    for y in 0..size {
        for x in 0..size {
            let l = 1.0 + ax * (x as f32 / size as f32 - 0.5) + ay * (y as f32 / size as f32 - 0.5);
            let p = &mut c.px[y * size + x];
            *p = [p[0] * l * cast[0], p[1] * l * cast[1], p[2] * l * cast[2]];
        }
    }
    c.blur(1);
    let noise = Normal::new(0.0, 0.035).expect("fixed std");
    for p in c.px.iter_mut() {
        for v in p.iter_mut() {
            *v += noise.sample(r) as f32;
        }
    }
    c.to_bytes()
}
