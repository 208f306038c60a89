//! Scene instances: one draw of a category's world. An instance holds the objects (type, box,
//! colours), the horizon and the background colours; every renderer reads the same instance, so
//! paired samples show the same scene in different modalities.
//!
//! Draw: n ~ U{3..7} objects with probability ∝ category weight, plus with probability 1/2 one
//! object from the whole vocabulary (a distractor); boxes from each type's layout prior; colours
//! from the type's colours with hue/brightness jitter. Objects are sorted far to near.

use super::world::{objects, Category, Place, Setting};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// One placed object; coordinates are fractions of the image side (y down).
#[derive(Debug, Clone)]
pub struct Obj {
    pub ty: usize,
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub colour: [f32; 3],
    pub colour2: [f32; 3],
}

/// A scene instance.
#[derive(Debug, Clone)]
pub struct Instance {
    pub category: usize,
    pub setting: Setting,
    pub horizon: f32,
    /// Background colour above and below the horizon (0..1 RGB).
    pub top: [f32; 3],
    pub bottom: [f32; 3],
    pub objects: Vec<Obj>,
}

fn jitter(c: [u8; 3], r: &mut ChaCha8Rng, amount: f32) -> [f32; 3] {
    let bright = r.random_range(0.75..1.2_f32);
    let mut out = [0.0; 3];
    for k in 0..3 {
        let v = c[k] as f32 / 255.0 * bright + r.random_range(-amount..amount);
        out[k] = v.clamp(0.0, 1.0);
    }
    out
}

fn rgb(r: &mut ChaCha8Rng, lo: [f32; 3], hi: [f32; 3]) -> [f32; 3] {
    [
        r.random_range(lo[0]..hi[0]),
        r.random_range(lo[1]..hi[1]),
        r.random_range(lo[2]..hi[2]),
    ]
}

/// Index drawn with probability ∝ weights.
pub fn weighted(r: &mut ChaCha8Rng, w: &[f32]) -> usize {
    let total: f32 = w.iter().sum();
    let mut u = r.random_range(0.0..total);
    for (i, &x) in w.iter().enumerate() {
        if u < x {
            return i;
        }
        u -= x;
    }
    w.len() - 1
}

impl Instance {
    /// Draw an instance of `cat` (label `category`).
    pub fn draw(category: usize, cat: &Category, r: &mut ChaCha8Rng) -> Instance {
        let setting = cat.setting;
        let horizon = match setting {
            Setting::Home | Setting::Public => r.random_range(0.55..0.7),
            _ => r.random_range(0.42..0.6),
        };
        // Backgrounds overlap across settings on purpose (a grey sky, a grey wall), so the
        // mean colour does not give the setting away.
        let (top, bottom) = match setting {
            Setting::Home => (
                rgb(r, [0.55, 0.45, 0.35], [0.95, 0.9, 0.85]),
                rgb(r, [0.3, 0.2, 0.1], [0.7, 0.55, 0.45]),
            ),
            Setting::Public => (
                rgb(r, [0.5, 0.5, 0.5], [0.92, 0.92, 0.92]),
                rgb(r, [0.25, 0.25, 0.25], [0.7, 0.65, 0.6]),
            ),
            Setting::Urban => (
                rgb(r, [0.4, 0.5, 0.6], [0.8, 0.85, 0.98]),
                rgb(r, [0.2, 0.2, 0.2], [0.6, 0.6, 0.6]),
            ),
            Setting::Nature => (
                rgb(r, [0.35, 0.5, 0.65], [0.8, 0.9, 1.0]),
                rgb(r, [0.2, 0.3, 0.1], [0.6, 0.65, 0.4]),
            ),
            Setting::Water => (
                rgb(r, [0.4, 0.55, 0.7], [0.85, 0.92, 1.0]),
                rgb(r, [0.05, 0.2, 0.4], [0.35, 0.55, 0.75]),
            ),
        };
        let all = objects();
        let n = r.random_range(3..=7);
        let mut types: Vec<usize> = (0..n).map(|_| weighted(r, &cat.weights)).collect();
        if r.random_bool(0.5) {
            types.push(r.random_range(0..all.len()));
        }
        let mut objs: Vec<Obj> = types
            .into_iter()
            .map(|ty| {
                let o = &all[ty];
                let w = r.random_range(o.width.0..o.width.1);
                let h = (w * o.aspect * r.random_range(0.85..1.15)).min(0.95);
                let cx = r.random_range(0.02..0.98_f32);
                let y1 = match o.place {
                    Place::Sky => r.random_range(0.08..(horizon - 0.1_f32).max(0.12)) + h,
                    Place::Wall => r.random_range(0.12..(horizon - 0.05_f32).max(0.15)) + h * 0.5,
                    Place::Stand => horizon + r.random_range(-0.02..0.12),
                    Place::Floor => r.random_range((horizon + 0.1).min(0.95)..1.02),
                };
                Obj {
                    ty,
                    x0: cx - w / 2.0,
                    x1: cx + w / 2.0,
                    y0: y1 - h,
                    y1,
                    colour: jitter(o.colour, r, 0.12),
                    colour2: jitter(o.colour2, r, 0.08),
                }
            })
            .collect();
        // Painter's order: sky, then far (higher bottom edge) to near.
        objs.sort_by(|a, b| {
            let key = |o: &Obj| match all[o.ty].place {
                Place::Sky => -1.0,
                Place::Wall => -0.5,
                _ => o.y1,
            };
            key(a).total_cmp(&key(b))
        });
        Instance {
            category,
            setting,
            horizon,
            top,
            bottom,
            objects: objs,
        }
    }

    /// The colour of a part role for object `o`.
    pub fn role_colour(o: &Obj, role: u8) -> [f32; 3] {
        match role {
            0 => o.colour,
            1 => o.colour2,
            2 => o.colour.map(|c| c * 0.4),
            _ => o.colour.map(|c| c * 0.4 + 0.6),
        }
    }
}
