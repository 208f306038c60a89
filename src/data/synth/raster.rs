//! A tiny RGB rasteriser shared by the image renderers: a float canvas, coverage tests for the
//! primitives (rect, ellipse, upward triangle) of an object part, lines, a box blur and the
//! conversion to 8-bit HWC bytes.

use super::scene::Obj;
use super::world::{Part, Prim};

/// An RGB float image, row-major HWC, values in 0..1.
pub struct Canvas {
    pub size: usize,
    pub px: Vec<[f32; 3]>,
}

/// A part's box in pixel coordinates.
pub fn part_box(o: &Obj, part: &Part, size: usize) -> [f32; 4] {
    let s = size as f32;
    let (w, h) = (o.x1 - o.x0, o.y1 - o.y0);
    [
        (o.x0 + part.b[0] * w) * s,
        (o.y0 + part.b[1] * h) * s,
        (o.x0 + part.b[2] * w) * s,
        (o.y0 + part.b[3] * h) * s,
    ]
}

/// Whether the pixel centre (x, y) lies inside primitive `prim` over box `b`.
pub fn inside(prim: Prim, b: [f32; 4], x: f32, y: f32) -> bool {
    if x < b[0] || x > b[2] || y < b[1] || y > b[3] {
        return false;
    }
    let (w, h) = ((b[2] - b[0]).max(1e-3), (b[3] - b[1]).max(1e-3));
    let (u, v) = ((x - b[0]) / w, (y - b[1]) / h);
    match prim {
        Prim::Rect => true,
        Prim::Ellipse => (u - 0.5).powi(2) + (v - 0.5).powi(2) <= 0.25,
        // Apex at (0.5, 0): half-width grows linearly with v.
        Prim::TriUp => (u - 0.5).abs() <= 0.5 * v,
    }
}

/// The pixel range a box covers, clipped to the canvas.
pub fn pixel_range(b: [f32; 4], size: usize) -> (usize, usize, usize, usize) {
    let c = |v: f32| (v.max(0.0) as usize).min(size);
    (
        c(b[0].floor()),
        c(b[1].floor()),
        c(b[2].ceil()),
        c(b[3].ceil()),
    )
}

impl Canvas {
    pub fn new(size: usize, fill: [f32; 3]) -> Canvas {
        Canvas {
            size,
            px: vec![fill; size * size],
        }
    }

    /// Fill the rows above `horizon` (a fraction) with `top` and the rest with `bottom`.
    pub fn two_bands(size: usize, horizon: f32, top: [f32; 3], bottom: [f32; 3]) -> Canvas {
        let mut c = Canvas::new(size, top);
        let hy = (horizon * size as f32) as usize;
        for y in hy.min(size)..size {
            for x in 0..size {
                c.px[y * size + x] = bottom;
            }
        }
        c
    }

    /// Call `f(x, y)` for every pixel inside the part, and mark it in `mask` if given.
    pub fn for_part(&self, prim: Prim, b: [f32; 4], mut f: impl FnMut(usize, usize)) {
        let (x0, y0, x1, y1) = pixel_range(b, self.size);
        for y in y0..y1 {
            for x in x0..x1 {
                if inside(prim, b, x as f32 + 0.5, y as f32 + 0.5) {
                    f(x, y);
                }
            }
        }
    }

    /// A line of the given width (in pixels) from (ax, ay) to (bx, by), drawn as dots.
    pub fn line(&mut self, a: (f32, f32), b: (f32, f32), width: f32, col: [f32; 3]) {
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let steps = (len * 2.0).ceil().max(1.0) as usize;
        let r = width / 2.0;
        for i in 0..=steps {
            let t = i as f32 / steps as f32;
            let (cx, cy) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            let (x0, y0, x1, y1) = pixel_range([cx - r, cy - r, cx + r, cy + r], self.size);
            for y in y0..y1 {
                for x in x0..x1 {
                    let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                    if dx * dx + dy * dy <= r * r + 0.25 {
                        self.px[y * self.size + x] = col;
                    }
                }
            }
        }
    }

    /// A 3×3 box blur applied `times` times (edges clamp).
    pub fn blur(&mut self, times: usize) {
        let s = self.size as isize;
        for _ in 0..times {
            let src = self.px.clone();
            for y in 0..s {
                for x in 0..s {
                    let mut acc = [0.0; 3];
                    for dy in -1..=1 {
                        for dx in -1..=1 {
                            let (xx, yy) = ((x + dx).clamp(0, s - 1), (y + dy).clamp(0, s - 1));
                            let p = src[(yy * s + xx) as usize];
                            for k in 0..3 {
                                acc[k] += p[k];
                            }
                        }
                    }
                    self.px[(y * s + x) as usize] = acc.map(|v| v / 9.0);
                }
            }
        }
    }

    /// 8-bit HWC bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.px
            .iter()
            .flat_map(|p| p.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8))
            .collect()
    }
}

/// Points along the outline of a primitive over box `b` (pixel coordinates), closed.
pub fn outline(prim: Prim, b: [f32; 4], n: usize) -> Vec<(f32, f32)> {
    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let (rx, ry) = ((b[2] - b[0]) / 2.0, (b[3] - b[1]) / 2.0);
    match prim {
        Prim::Ellipse => (0..=n)
            .map(|i| {
                let t = i as f32 / n as f32 * std::f32::consts::TAU;
                (cx + rx * t.cos(), cy + ry * t.sin())
            })
            .collect(),
        Prim::Rect => vec![
            (b[0], b[1]),
            (b[2], b[1]),
            (b[2], b[3]),
            (b[0], b[3]),
            (b[0], b[1]),
        ],
        Prim::TriUp => vec![(cx, b[1]), (b[2], b[3]), (b[0], b[3]), (cx, b[1])],
    }
}
