//! Scene instances: one draw of a category's world. An instance holds the objects (type, box,
//! colours), the horizon and the background colours; every renderer reads the same instance, so
//! paired samples show the same scene in different modalities.
//!
//! Draw (see docs/data.md for the reasons): 1–4 objects drawn from the category's signature
//! (`SIGNATURE_COUNT`); 0–1 context objects from the world's fillers (objects in no
//! signature); boxes follow each type's layout prior with every object at least `MIN_SIDE` on
//! the side of its area; colours are the type's with hue/brightness jitter.
//! Background colours and horizon follow the category's setting only when the world's
//! `setting_cue` is on; otherwise every instance takes a setting at random, so the background
//! says nothing about the category. Objects are sorted far to near.

use super::world::{objects, Category, Place, Setting};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// How many signature objects a scene holds (uniform in this range, each drawn from the
/// category's signature, so a kitchen may show two stoves and no fridge).
pub const SIGNATURE_COUNT: (usize, usize) = (1, 4);
/// Smallest square root of an object's area, as a fraction of the image side (19 px at 64 px).
pub const MIN_SIDE: f32 = 0.3;
/// An object is visible when at least this fraction of the image shows it unoccluded.
pub const VISIBLE_FRACTION: f32 = 0.01;

/// What a scene is drawn from besides its category.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// Objects in no signature of the world: the context objects of every scene.
    pub fillers: &'a [usize],
    /// Backgrounds and horizon follow the category's setting (a cue beside the objects).
    pub setting_cue: bool,
}

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

impl Instance {
    /// Draw an instance of `cat` (label `category`).
    pub fn draw(category: usize, cat: &Category, ctx: &Context, r: &mut ChaCha8Rng) -> Instance {
        const SETTINGS: [Setting; 5] = [
            Setting::Home,
            Setting::Public,
            Setting::Urban,
            Setting::Nature,
            Setting::Water,
        ];
        let setting = if ctx.setting_cue {
            cat.setting
        } else {
            SETTINGS[r.random_range(0..SETTINGS.len())]
        };
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
        let sig = &cat.signature;
        let mut types: Vec<usize> = (0..r.random_range(SIGNATURE_COUNT.0..=SIGNATURE_COUNT.1))
            .map(|_| sig[r.random_range(0..sig.len())])
            .collect();
        for _ in 0..r.random_range(0..=1) {
            types.push(ctx.fillers[r.random_range(0..ctx.fillers.len())]);
        }
        let mut objs: Vec<Obj> = types
            .into_iter()
            .map(|ty| {
                let o = &all[ty];
                // At least MIN_SIDE² of area, so a 64-px image shows every object.
                let least = MIN_SIDE / o.aspect.sqrt() * r.random_range(1.0..1.2_f32);
                let w = r.random_range(o.width.0..o.width.1).max(least).min(0.7);
                let h = (w * o.aspect * r.random_range(0.85..1.15)).min(0.9);
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

    /// The object types a viewer can see: those with at least `VISIBLE_FRACTION` of the image
    /// showing them unoccluded (painter's order, on a 32×32 grid of the parts' coverage), each
    /// once, in first-seen order. The images' ideal observer reads these.
    pub fn visible_types(&self) -> Vec<usize> {
        const G: usize = 32;
        let all = objects();
        let mut top = vec![usize::MAX; G * G];
        for (k, o) in self.objects.iter().enumerate() {
            for part in &all[o.ty].parts {
                let b = super::raster::part_box(o, part, G);
                let (x0, x1) = (
                    b[0].max(0.0) as usize,
                    (b[2].ceil().max(0.0) as usize).min(G),
                );
                let (y0, y1) = (
                    b[1].max(0.0) as usize,
                    (b[3].ceil().max(0.0) as usize).min(G),
                );
                for y in y0..y1 {
                    for x in x0..x1 {
                        if super::raster::inside(part.prim, b, x as f32 + 0.5, y as f32 + 0.5) {
                            top[y * G + x] = k;
                        }
                    }
                }
            }
        }
        let mut count = vec![0usize; self.objects.len()];
        for &k in top.iter().filter(|&&k| k != usize::MAX) {
            count[k] += 1;
        }
        let least = (VISIBLE_FRACTION * (G * G) as f32).ceil() as usize;
        let mut seen = vec![];
        for (k, o) in self.objects.iter().enumerate() {
            if count[k] >= least && !seen.contains(&o.ty) {
                seen.push(o.ty);
            }
        }
        seen
    }
}
