//! `spt`, spatial text: the names of the objects written at their positions on a plain
//! background with the embedded DejaVu Sans (`crate::assets::FONT_TTF`, rasterised by
//! `ab_glyph`), sized to the object's width, so layout survives and appearance does not.

use super::raster::Canvas;
use super::scene::Instance;
use super::world::objects;
use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

fn font() -> &'static FontRef<'static> {
    static FONT: std::sync::OnceLock<FontRef<'static>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(crate::assets::FONT_TTF).expect("the embedded font parses")
    })
}

/// Write `text` centred at (cx, cy) with height `px`, blending `ink` by glyph coverage.
pub fn write(c: &mut Canvas, text: &str, cx: f32, cy: f32, px: f32, ink: [f32; 3]) {
    let f = font();
    let sf = f.as_scaled(PxScale::from(px));
    let width: f32 = text.chars().map(|ch| sf.h_advance(f.glyph_id(ch))).sum();
    let baseline = cy + (sf.ascent() + sf.descent()) / 2.0;
    let mut caret = cx - width / 2.0;
    let size = c.size as i32;
    for ch in text.chars() {
        let mut g = sf.scaled_glyph(ch);
        g.position = point(caret, baseline);
        caret += sf.h_advance(g.id);
        if let Some(og) = f.outline_glyph(g) {
            let bb = og.px_bounds();
            og.draw(|gx, gy, cov| {
                let (x, y) = (bb.min.x as i32 + gx as i32, bb.min.y as i32 + gy as i32);
                if (0..size).contains(&x) && (0..size).contains(&y) {
                    let p = &mut c.px[(y * size + x) as usize];
                    let a = cov.clamp(0.0, 1.0);
                    *p = [0, 1, 2].map(|k| p[k] * (1.0 - a) + ink[k] * a);
                }
            });
        }
    }
}

/// Render `inst` as spatial text (HWC bytes).
pub fn render(inst: &Instance, size: usize, r: &mut ChaCha8Rng) -> Vec<u8> {
    let bg = r.random_range(0.9..1.0);
    let mut c = Canvas::new(size, [bg, bg, bg * r.random_range(0.93..1.0)]);
    let s = size as f32;
    let all = objects();
    for o in &inst.objects {
        let name = all[o.ty].name;
        let w = (o.x1 - o.x0) * s;
        // DejaVu's mean advance is ~0.55 em: fit the word to the object's width.
        let px = (w / (0.55 * name.len() as f32)).clamp(s / 9.0, s / 4.0);
        let (cx, cy) = (
            ((o.x0 + o.x1) / 2.0 * s).clamp(0.0, s),
            ((o.y0 + o.y1) / 2.0 * s).clamp(px / 2.0, s - px / 2.0),
        );
        let ink = [
            r.random_range(0.0..0.35),
            r.random_range(0.0..0.35),
            r.random_range(0.0..0.35),
        ];
        write(&mut c, name, cx, cy, px, ink);
    }
    c.to_bytes()
}
