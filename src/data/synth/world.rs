//! The SynthPlaces world: a shared vocabulary of object types (shape parts, colour, layout prior,
//! sound signature, synonyms) and scene categories defined by their signature objects.
//!
//! A category is a fixed function of its name and of the other names of its world (never of the
//! data seed): its *setting* (home, public interior, urban, nature, water) comes from keywords of
//! the name; its three signature objects are the ones it prefers (object names inside its name,
//! then its setting's pool, then the rest, in a hash order of the name) that no earlier category
//! of the world took, so the categories of a world differ by content (`Category::world`).

/// Where in the picture an object type lives (y is 0 at the top, 1 at the bottom).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In the sky: centre high up.
    Sky,
    /// On the wall of an interior: centre between 0.15 and the horizon.
    Wall,
    /// Standing on the ground: bottom edge near the horizon (far away).
    Stand,
    /// On the floor, near the viewer: bottom edge low in the frame.
    Floor,
}

/// A drawing primitive inside an object's unit box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    Rect,
    Ellipse,
    /// A triangle with its apex at the top middle.
    TriUp,
}

/// One part of an object: a primitive over `[x0, x1] × [y0, y1]` of the object's box, filled with
/// a colour role (0 main, 1 secondary, 2 dark, 3 light).
#[derive(Debug, Clone, Copy)]
pub struct Part {
    pub prim: Prim,
    pub b: [f32; 4],
    pub role: u8,
}

/// The sound signature of an object type.
#[derive(Debug, Clone, Copy)]
pub enum Voice {
    /// A harmonic tone at `f` Hz.
    Tone(f32),
    /// Noise band-passed around `f` Hz.
    Noise(f32),
    /// A tone at `f` Hz gated on and off `rate` times per second.
    Pulse(f32, f32),
    /// A tone gliding from `f` to 2f, repeated once per second.
    Chirp(f32),
}

/// An object type of the shared vocabulary.
#[derive(Debug, Clone)]
pub struct ObjectType {
    pub name: &'static str,
    /// Words a description may use for it (the name first).
    pub synonyms: &'static [&'static str],
    pub place: Place,
    /// Width as a fraction of the image: uniform in [lo, hi].
    pub width: (f32, f32),
    /// Height / width.
    pub aspect: f32,
    pub colour: [u8; 3],
    pub colour2: [u8; 3],
    pub parts: Vec<Part>,
}

const fn p(prim: Prim, x0: f32, y0: f32, x1: f32, y1: f32, role: u8) -> Part {
    Part {
        prim,
        b: [x0, y0, x1, y1],
        role,
    }
}
use Prim::{Ellipse as E, Rect as R, TriUp as T};

macro_rules! obj {
    ($name:expr, [$($syn:expr),*], $place:ident, $w0:expr, $w1:expr, $asp:expr, $c:expr, $c2:expr, [$($part:expr),* $(,)?]) => {
        ObjectType { name: $name, synonyms: &[$name, $($syn),*], place: Place::$place, width: ($w0, $w1),
            aspect: $asp, colour: $c, colour2: $c2, parts: vec![$($part),*] }
    };
}

/// The object vocabulary (54 types). Index order is fixed: sound signatures derive from it.
pub fn objects() -> &'static [ObjectType] {
    static OBJECTS: std::sync::OnceLock<Vec<ObjectType>> = std::sync::OnceLock::new();
    OBJECTS.get_or_init(|| {
        vec![
            obj!(
                "bed",
                ["mattress", "cot"],
                Floor,
                0.35,
                0.55,
                0.45,
                [180, 60, 60],
                [240, 240, 235],
                [
                    p(R, 0.0, 0.35, 1.0, 0.85, 0),
                    p(R, 0.05, 0.15, 0.3, 0.4, 1),
                    p(R, 0.0, 0.0, 0.06, 1.0, 2),
                    p(R, 0.94, 0.3, 1.0, 1.0, 2)
                ]
            ),
            obj!(
                "lamp",
                ["light", "lampshade"],
                Floor,
                0.08,
                0.14,
                2.6,
                [240, 210, 120],
                [60, 60, 60],
                [
                    p(T, 0.0, 0.0, 1.0, 0.35, 0),
                    p(R, 0.42, 0.35, 0.58, 0.95, 1),
                    p(R, 0.15, 0.92, 0.85, 1.0, 1)
                ]
            ),
            obj!(
                "chair",
                ["seat", "stool"],
                Floor,
                0.1,
                0.17,
                1.5,
                [150, 95, 50],
                [110, 70, 40],
                [
                    p(R, 0.0, 0.0, 0.18, 1.0, 0),
                    p(R, 0.0, 0.5, 1.0, 0.62, 0),
                    p(R, 0.82, 0.5, 1.0, 1.0, 1)
                ]
            ),
            obj!(
                "table",
                ["desk surface", "bench top"],
                Floor,
                0.2,
                0.35,
                0.5,
                [140, 90, 45],
                [90, 60, 30],
                [
                    p(R, 0.0, 0.0, 1.0, 0.2, 0),
                    p(R, 0.05, 0.2, 0.15, 1.0, 1),
                    p(R, 0.85, 0.2, 0.95, 1.0, 1)
                ]
            ),
            obj!(
                "sofa",
                ["couch", "settee"],
                Floor,
                0.3,
                0.45,
                0.5,
                [70, 100, 160],
                [50, 70, 120],
                [
                    p(R, 0.0, 0.0, 1.0, 0.55, 1),
                    p(R, 0.0, 0.45, 1.0, 0.9, 0),
                    p(R, 0.0, 0.3, 0.12, 1.0, 0),
                    p(R, 0.88, 0.3, 1.0, 1.0, 0)
                ]
            ),
            obj!(
                "window",
                ["pane", "windowpane"],
                Wall,
                0.15,
                0.25,
                1.1,
                [170, 210, 240],
                [245, 245, 245],
                [
                    p(R, 0.0, 0.0, 1.0, 1.0, 1),
                    p(R, 0.08, 0.08, 0.46, 0.46, 0),
                    p(R, 0.54, 0.08, 0.92, 0.46, 0),
                    p(R, 0.08, 0.54, 0.46, 0.92, 0),
                    p(R, 0.54, 0.54, 0.92, 0.92, 0)
                ]
            ),
            obj!(
                "painting",
                ["picture", "canvas", "artwork"],
                Wall,
                0.12,
                0.22,
                0.75,
                [200, 140, 60],
                [60, 120, 80],
                [
                    p(R, 0.0, 0.0, 1.0, 1.0, 0),
                    p(R, 0.12, 0.12, 0.88, 0.88, 1),
                    p(E, 0.3, 0.3, 0.6, 0.6, 3)
                ]
            ),
            obj!(
                "shelf",
                ["bookcase", "shelves"],
                Floor,
                0.15,
                0.25,
                1.4,
                [120, 80, 45],
                [190, 60, 60],
                [
                    p(R, 0.0, 0.0, 1.0, 1.0, 0),
                    p(R, 0.08, 0.05, 0.92, 0.3, 1),
                    p(R, 0.08, 0.37, 0.92, 0.62, 3),
                    p(R, 0.08, 0.69, 0.92, 0.95, 1)
                ]
            ),
            obj!(
                "rug",
                ["carpet", "mat"],
                Floor,
                0.3,
                0.5,
                0.15,
                [160, 50, 70],
                [220, 190, 120],
                [p(E, 0.0, 0.0, 1.0, 1.0, 0), p(E, 0.2, 0.25, 0.8, 0.75, 1)]
            ),
            obj!(
                "plant",
                ["houseplant", "fern"],
                Floor,
                0.08,
                0.15,
                1.6,
                [50, 140, 60],
                [170, 90, 50],
                [p(E, 0.0, 0.0, 1.0, 0.65, 0), p(R, 0.25, 0.62, 0.75, 1.0, 1)]
            ),
            obj!(
                "clock",
                ["timepiece", "dial"],
                Wall,
                0.06,
                0.1,
                1.0,
                [245, 245, 240],
                [30, 30, 30],
                [
                    p(E, 0.0, 0.0, 1.0, 1.0, 1),
                    p(E, 0.1, 0.1, 0.9, 0.9, 0),
                    p(R, 0.47, 0.2, 0.53, 0.52, 2)
                ]
            ),
            obj!(
                "television",
                ["tv", "monitor set"],
                Floor,
                0.16,
                0.26,
                0.7,
                [30, 30, 35],
                [90, 120, 200],
                [
                    p(R, 0.0, 0.0, 1.0, 0.8, 0),
                    p(R, 0.07, 0.08, 0.93, 0.72, 1),
                    p(R, 0.4, 0.8, 0.6, 1.0, 0)
                ]
            ),
            obj!(
                "door",
                ["doorway", "entrance"],
                Stand,
                0.1,
                0.16,
                2.0,
                [130, 85, 50],
                [220, 190, 80],
                [
                    p(R, 0.0, 0.0, 1.0, 1.0, 0),
                    p(R, 0.1, 0.06, 0.9, 0.45, 2),
                    p(E, 0.75, 0.52, 0.87, 0.58, 1)
                ]
            ),
            obj!(
                "curtain",
                ["drape", "drapes"],
                Wall,
                0.1,
                0.18,
                2.2,
                [150, 40, 90],
                [110, 30, 70],
                [
                    p(R, 0.0, 0.0, 1.0, 1.0, 0),
                    p(R, 0.3, 0.0, 0.4, 1.0, 1),
                    p(R, 0.7, 0.0, 0.8, 1.0, 1)
                ]
            ),
            obj!(
                "bathtub",
                ["tub", "bath"],
                Floor,
                0.3,
                0.42,
                0.4,
                [235, 235, 240],
                [160, 200, 230],
                [
                    p(R, 0.0, 0.2, 1.0, 0.85, 0),
                    p(R, 0.06, 0.2, 0.94, 0.4, 1),
                    p(R, 0.08, 0.85, 0.16, 1.0, 2),
                    p(R, 0.84, 0.85, 0.92, 1.0, 2)
                ]
            ),
            obj!(
                "stove",
                ["oven", "cooker"],
                Floor,
                0.16,
                0.24,
                1.0,
                [200, 200, 205],
                [40, 40, 40],
                [
                    p(R, 0.0, 0.0, 1.0, 1.0, 0),
                    p(R, 0.1, 0.35, 0.9, 0.9, 1),
                    p(E, 0.1, 0.05, 0.4, 0.25, 2),
                    p(E, 0.6, 0.05, 0.9, 0.25, 2)
                ]
            ),
            obj!(
                "fridge",
                ["refrigerator", "icebox"],
                Floor,
                0.14,
                0.2,
                2.3,
                [235, 240, 245],
                [120, 120, 130],
                [
                    p(R, 0.0, 0.0, 1.0, 1.0, 0),
                    p(R, 0.0, 0.33, 1.0, 0.36, 1),
                    p(R, 0.82, 0.1, 0.9, 0.28, 1)
                ]
            ),
            obj!(
                "sink",
                ["basin", "washbasin"],
                Floor,
                0.14,
                0.22,
                0.8,
                [225, 230, 235],
                [150, 150, 160],
                [p(E, 0.0, 0.0, 1.0, 0.4, 0), p(R, 0.38, 0.35, 0.62, 1.0, 1)]
            ),
            obj!(
                "counter",
                ["bar top", "countertop"],
                Floor,
                0.35,
                0.6,
                0.35,
                [110, 70, 50],
                [200, 200, 190],
                [p(R, 0.0, 0.0, 1.0, 0.15, 1), p(R, 0.02, 0.15, 0.98, 1.0, 0)]
            ),
            obj!(
                "screen",
                ["display", "projection"],
                Wall,
                0.25,
                0.4,
                0.6,
                [240, 240, 250],
                [50, 50, 60],
                [p(R, 0.0, 0.0, 1.0, 1.0, 1), p(R, 0.04, 0.06, 0.96, 0.94, 0)]
            ),
            obj!(
                "person",
                ["man", "woman", "figure"],
                Stand,
                0.06,
                0.1,
                2.8,
                [60, 80, 150],
                [230, 190, 160],
                [
                    p(E, 0.28, 0.0, 0.72, 0.16, 1),
                    p(R, 0.1, 0.16, 0.9, 0.58, 0),
                    p(R, 0.15, 0.58, 0.45, 1.0, 2),
                    p(R, 0.55, 0.58, 0.85, 1.0, 2)
                ]
            ),
            obj!(
                "sign",
                ["signboard", "placard"],
                Stand,
                0.1,
                0.18,
                1.2,
                [230, 200, 40],
                [90, 90, 90],
                [p(R, 0.0, 0.0, 1.0, 0.5, 0), p(R, 0.44, 0.5, 0.56, 1.0, 1)]
            ),
            obj!(
                "column",
                ["pillar", "pole"],
                Stand,
                0.06,
                0.1,
                4.0,
                [220, 215, 200],
                [180, 175, 160],
                [
                    p(R, 0.0, 0.0, 1.0, 0.08, 1),
                    p(R, 0.12, 0.08, 0.88, 0.92, 0),
                    p(R, 0.0, 0.92, 1.0, 1.0, 1)
                ]
            ),
            obj!(
                "bottle",
                ["flask", "jar"],
                Floor,
                0.04,
                0.07,
                2.5,
                [60, 150, 80],
                [230, 230, 230],
                [
                    p(R, 0.35, 0.0, 0.65, 0.3, 0),
                    p(R, 0.0, 0.3, 1.0, 1.0, 0),
                    p(R, 0.0, 0.5, 1.0, 0.7, 1)
                ]
            ),
            obj!(
                "desk",
                ["workdesk", "bureau"],
                Floor,
                0.25,
                0.38,
                0.55,
                [100, 70, 45],
                [150, 110, 70],
                [
                    p(R, 0.0, 0.0, 1.0, 0.18, 0),
                    p(R, 0.0, 0.18, 0.35, 1.0, 1),
                    p(R, 0.9, 0.18, 1.0, 1.0, 0)
                ]
            ),
            obj!(
                "computer",
                ["laptop", "pc"],
                Floor,
                0.1,
                0.16,
                0.8,
                [70, 70, 80],
                [120, 180, 230],
                [
                    p(R, 0.0, 0.0, 1.0, 0.7, 0),
                    p(R, 0.08, 0.08, 0.92, 0.62, 1),
                    p(R, 0.3, 0.7, 0.7, 1.0, 0)
                ]
            ),
            obj!(
                "building",
                ["block", "edifice"],
                Stand,
                0.2,
                0.35,
                1.6,
                [170, 150, 130],
                [90, 120, 160],
                [
                    p(R, 0.0, 0.0, 1.0, 1.0, 0),
                    p(R, 0.12, 0.1, 0.32, 0.25, 1),
                    p(R, 0.4, 0.1, 0.6, 0.25, 1),
                    p(R, 0.68, 0.1, 0.88, 0.25, 1),
                    p(R, 0.12, 0.4, 0.32, 0.55, 1),
                    p(R, 0.4, 0.4, 0.6, 0.55, 1),
                    p(R, 0.68, 0.4, 0.88, 0.55, 1),
                    p(R, 0.4, 0.75, 0.6, 1.0, 2)
                ]
            ),
            obj!(
                "car",
                ["automobile", "vehicle"],
                Floor,
                0.2,
                0.3,
                0.45,
                [200, 40, 40],
                [30, 30, 30],
                [
                    p(R, 0.2, 0.0, 0.75, 0.45, 0),
                    p(R, 0.0, 0.35, 1.0, 0.8, 0),
                    p(R, 0.28, 0.08, 0.68, 0.38, 3),
                    p(E, 0.1, 0.6, 0.32, 1.0, 1),
                    p(E, 0.68, 0.6, 0.9, 1.0, 1)
                ]
            ),
            obj!(
                "streetlight",
                ["lamppost", "street lamp"],
                Stand,
                0.05,
                0.08,
                5.0,
                [60, 60, 70],
                [250, 230, 150],
                [p(R, 0.4, 0.1, 0.6, 1.0, 0), p(E, 0.0, 0.0, 1.0, 0.12, 1)]
            ),
            obj!(
                "bus",
                ["coach", "minibus"],
                Stand,
                0.35,
                0.5,
                0.45,
                [230, 180, 30],
                [40, 40, 50],
                [
                    p(R, 0.0, 0.0, 1.0, 0.85, 0),
                    p(R, 0.05, 0.1, 0.95, 0.4, 3),
                    p(E, 0.1, 0.72, 0.25, 1.0, 1),
                    p(E, 0.75, 0.72, 0.9, 1.0, 1)
                ]
            ),
            obj!(
                "bench",
                ["park bench", "pew"],
                Floor,
                0.2,
                0.3,
                0.4,
                [120, 80, 40],
                [50, 50, 50],
                [
                    p(R, 0.0, 0.0, 1.0, 0.3, 0),
                    p(R, 0.0, 0.45, 1.0, 0.6, 0),
                    p(R, 0.05, 0.6, 0.12, 1.0, 1),
                    p(R, 0.88, 0.6, 0.95, 1.0, 1)
                ]
            ),
            obj!(
                "tower",
                ["spire", "turret"],
                Stand,
                0.08,
                0.14,
                4.5,
                [150, 140, 130],
                [120, 60, 50],
                [
                    p(T, 0.0, 0.0, 1.0, 0.2, 1),
                    p(R, 0.1, 0.2, 0.9, 1.0, 0),
                    p(R, 0.35, 0.35, 0.65, 0.45, 2)
                ]
            ),
            obj!(
                "bridge",
                ["span", "overpass"],
                Stand,
                0.5,
                0.8,
                0.3,
                [140, 120, 100],
                [90, 80, 70],
                [
                    p(R, 0.0, 0.0, 1.0, 0.25, 0),
                    p(R, 0.05, 0.25, 0.15, 1.0, 1),
                    p(R, 0.45, 0.25, 0.55, 1.0, 1),
                    p(R, 0.85, 0.25, 0.95, 1.0, 1)
                ]
            ),
            obj!(
                "fence",
                ["railing", "palisade"],
                Stand,
                0.3,
                0.6,
                0.2,
                [200, 190, 170],
                [150, 140, 120],
                [
                    p(R, 0.0, 0.3, 1.0, 0.45, 1),
                    p(R, 0.05, 0.0, 0.12, 1.0, 0),
                    p(R, 0.3, 0.0, 0.37, 1.0, 0),
                    p(R, 0.55, 0.0, 0.62, 1.0, 0),
                    p(R, 0.8, 0.0, 0.87, 1.0, 0)
                ]
            ),
            obj!(
                "house",
                ["cottage", "home"],
                Stand,
                0.2,
                0.32,
                0.9,
                [220, 200, 160],
                [170, 50, 40],
                [
                    p(T, 0.0, 0.0, 1.0, 0.4, 1),
                    p(R, 0.1, 0.4, 0.9, 1.0, 0),
                    p(R, 0.42, 0.65, 0.58, 1.0, 2),
                    p(R, 0.18, 0.5, 0.34, 0.64, 3)
                ]
            ),
            obj!(
                "truck",
                ["lorry", "pickup"],
                Floor,
                0.28,
                0.4,
                0.5,
                [60, 110, 60],
                [30, 30, 30],
                [
                    p(R, 0.0, 0.0, 0.65, 0.78, 0),
                    p(R, 0.65, 0.25, 1.0, 0.78, 0),
                    p(R, 0.72, 0.3, 0.92, 0.5, 3),
                    p(E, 0.08, 0.62, 0.28, 1.0, 1),
                    p(E, 0.7, 0.62, 0.9, 1.0, 1)
                ]
            ),
            obj!(
                "dome",
                ["cupola", "rotunda"],
                Stand,
                0.25,
                0.4,
                0.8,
                [200, 190, 170],
                [100, 140, 120],
                [
                    p(E, 0.1, 0.0, 0.9, 0.7, 1),
                    p(R, 0.0, 0.35, 1.0, 1.0, 0),
                    p(R, 0.4, 0.65, 0.6, 1.0, 2)
                ]
            ),
            obj!(
                "tree",
                ["oak", "pine"],
                Stand,
                0.14,
                0.26,
                1.7,
                [40, 120, 40],
                [100, 65, 35],
                [p(R, 0.4, 0.5, 0.6, 1.0, 1), p(E, 0.0, 0.0, 1.0, 0.65, 0)]
            ),
            obj!(
                "mountain",
                ["peak", "summit"],
                Stand,
                0.45,
                0.8,
                0.55,
                [110, 100, 110],
                [245, 245, 250],
                [p(T, 0.0, 0.0, 1.0, 1.0, 0), p(T, 0.36, 0.0, 0.64, 0.28, 1)]
            ),
            obj!(
                "cloud",
                ["cloudbank", "haze"],
                Sky,
                0.18,
                0.32,
                0.4,
                [240, 240, 245],
                [210, 210, 220],
                [
                    p(E, 0.0, 0.3, 0.6, 1.0, 0),
                    p(E, 0.3, 0.0, 0.8, 0.8, 0),
                    p(E, 0.55, 0.35, 1.0, 1.0, 1)
                ]
            ),
            obj!(
                "sun",
                ["sunlight", "sunshine"],
                Sky,
                0.08,
                0.13,
                1.0,
                [255, 220, 60],
                [255, 250, 190],
                [p(E, 0.0, 0.0, 1.0, 1.0, 0), p(E, 0.25, 0.25, 0.75, 0.75, 1)]
            ),
            obj!(
                "rock",
                ["boulder", "stone"],
                Floor,
                0.1,
                0.22,
                0.6,
                [130, 125, 115],
                [90, 85, 80],
                [p(E, 0.0, 0.1, 1.0, 1.0, 0), p(E, 0.2, 0.0, 0.7, 0.6, 1)]
            ),
            obj!(
                "bush",
                ["shrub", "hedge"],
                Floor,
                0.12,
                0.22,
                0.6,
                [60, 130, 50],
                [40, 100, 40],
                [
                    p(E, 0.0, 0.2, 0.55, 1.0, 0),
                    p(E, 0.45, 0.15, 1.0, 1.0, 0),
                    p(E, 0.2, 0.0, 0.8, 0.7, 1)
                ]
            ),
            obj!(
                "flower",
                ["blossom", "bloom"],
                Floor,
                0.04,
                0.07,
                2.0,
                [230, 60, 140],
                [50, 150, 50],
                [
                    p(R, 0.42, 0.4, 0.58, 1.0, 1),
                    p(E, 0.0, 0.0, 1.0, 0.5, 0),
                    p(E, 0.3, 0.12, 0.7, 0.38, 3)
                ]
            ),
            obj!(
                "bird",
                ["sparrow", "gull"],
                Sky,
                0.05,
                0.09,
                0.5,
                [60, 50, 45],
                [230, 160, 40],
                [
                    p(E, 0.15, 0.3, 0.85, 1.0, 0),
                    p(T, 0.0, 0.0, 0.5, 0.6, 0),
                    p(T, 0.5, 0.0, 1.0, 0.6, 0),
                    p(E, 0.8, 0.45, 1.0, 0.7, 1)
                ]
            ),
            obj!(
                "tent",
                ["shelter", "canopy"],
                Stand,
                0.16,
                0.26,
                0.7,
                [220, 110, 40],
                [60, 40, 30],
                [p(T, 0.0, 0.0, 1.0, 1.0, 0), p(T, 0.35, 0.4, 0.65, 1.0, 1)]
            ),
            obj!(
                "cow",
                ["cattle", "calf"],
                Floor,
                0.14,
                0.22,
                0.65,
                [240, 240, 235],
                [40, 35, 30],
                [
                    p(E, 0.1, 0.1, 0.85, 0.65, 0),
                    p(E, 0.2, 0.2, 0.45, 0.45, 1),
                    p(E, 0.75, 0.0, 1.0, 0.3, 0),
                    p(R, 0.2, 0.55, 0.3, 1.0, 1),
                    p(R, 0.65, 0.55, 0.75, 1.0, 1)
                ]
            ),
            obj!(
                "wave",
                ["surf", "breaker"],
                Floor,
                0.35,
                0.6,
                0.22,
                [40, 110, 190],
                [240, 250, 255],
                [
                    p(E, 0.0, 0.3, 0.5, 1.0, 0),
                    p(E, 0.45, 0.2, 1.0, 1.0, 0),
                    p(E, 0.1, 0.2, 0.45, 0.5, 1),
                    p(E, 0.55, 0.1, 0.9, 0.4, 1)
                ]
            ),
            obj!(
                "boat",
                ["rowboat", "dinghy"],
                Stand,
                0.2,
                0.32,
                0.4,
                [150, 60, 40],
                [240, 240, 230],
                [
                    p(R, 0.0, 0.45, 1.0, 0.75, 0),
                    p(E, 0.05, 0.55, 0.95, 1.0, 0),
                    p(R, 0.35, 0.1, 0.65, 0.45, 1)
                ]
            ),
            obj!(
                "sailboat",
                ["yacht", "sloop"],
                Stand,
                0.18,
                0.28,
                1.2,
                [250, 250, 245],
                [40, 60, 120],
                [
                    p(T, 0.2, 0.0, 0.8, 0.75, 0),
                    p(R, 0.48, 0.0, 0.52, 0.8, 1),
                    p(R, 0.0, 0.78, 1.0, 1.0, 1)
                ]
            ),
            obj!(
                "fish",
                ["trout", "goldfish"],
                Floor,
                0.08,
                0.14,
                0.5,
                [250, 140, 40],
                [250, 230, 200],
                [
                    p(E, 0.0, 0.0, 0.75, 1.0, 0),
                    p(T, 0.7, 0.1, 1.0, 0.9, 0),
                    p(E, 0.1, 0.3, 0.22, 0.5, 2)
                ]
            ),
            obj!(
                "umbrella",
                ["parasol", "sunshade"],
                Floor,
                0.14,
                0.22,
                1.1,
                [230, 70, 60],
                [240, 240, 240],
                [
                    p(E, 0.0, 0.0, 1.0, 0.5, 0),
                    p(R, 0.0, 0.25, 1.0, 0.32, 3),
                    p(R, 0.47, 0.3, 0.53, 1.0, 1)
                ]
            ),
            obj!(
                "lighthouse",
                ["beacon", "light tower"],
                Stand,
                0.08,
                0.12,
                3.5,
                [240, 240, 240],
                [200, 40, 40],
                [
                    p(T, 0.1, 0.0, 0.9, 0.12, 1),
                    p(R, 0.2, 0.12, 0.8, 1.0, 0),
                    p(R, 0.2, 0.35, 0.8, 0.5, 1),
                    p(R, 0.2, 0.7, 0.8, 0.85, 1)
                ]
            ),
            obj!(
                "pier",
                ["jetty", "wharf"],
                Stand,
                0.3,
                0.5,
                0.2,
                [130, 100, 70],
                [80, 60, 40],
                [
                    p(R, 0.0, 0.0, 1.0, 0.35, 0),
                    p(R, 0.05, 0.35, 0.12, 1.0, 1),
                    p(R, 0.45, 0.35, 0.52, 1.0, 1),
                    p(R, 0.85, 0.35, 0.92, 1.0, 1)
                ]
            ),
            obj!(
                "moon",
                ["crescent", "moonlight"],
                Sky,
                0.06,
                0.1,
                1.0,
                [240, 240, 210],
                [200, 200, 190],
                [p(E, 0.0, 0.0, 1.0, 1.0, 0), p(E, 0.3, 0.2, 0.5, 0.4, 1)]
            ),
        ]
    })
}

/// The index of an object type by name (panics on an unknown name: the tables are static).
fn idx(name: &str) -> usize {
    objects()
        .iter()
        .position(|o| o.name == name)
        .unwrap_or_else(|| panic!("synth world: unknown object '{name}'"))
}

/// The sound signature of object type `i`: kinds cycle, pitches climb in small steps so every
/// type has its own place on the mel axis.
pub fn voice(i: usize) -> Voice {
    let f = 150.0 * 1.058_f32.powi(i as i32);
    match i % 4 {
        0 => Voice::Tone(f),
        1 => Voice::Noise(f * 1.5),
        2 => Voice::Pulse(f, 2.0 + (i % 5) as f32),
        _ => Voice::Chirp(f),
    }
}

/// A broad kind of scene: decides the background and the pool of plausible objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Home,
    Public,
    Urban,
    Nature,
    Water,
}

impl Setting {
    /// The objects that plausibly appear in this kind of scene.
    pub fn pool(self) -> Vec<usize> {
        let names: &[&str] = match self {
            Setting::Home => &[
                "bed",
                "lamp",
                "chair",
                "table",
                "sofa",
                "window",
                "painting",
                "shelf",
                "rug",
                "plant",
                "clock",
                "television",
                "door",
                "curtain",
                "bathtub",
                "stove",
                "fridge",
                "sink",
                "computer",
                "bottle",
            ],
            Setting::Public => &[
                "chair", "table", "counter", "shelf", "screen", "lamp", "person", "door", "window",
                "sign", "column", "bottle", "desk", "computer", "painting", "clock", "plant",
                "bench",
            ],
            Setting::Urban => &[
                "building",
                "car",
                "streetlight",
                "person",
                "sign",
                "tree",
                "bus",
                "bench",
                "tower",
                "bridge",
                "fence",
                "house",
                "truck",
                "dome",
                "cloud",
                "sun",
                "column",
                "door",
            ],
            Setting::Nature => &[
                "tree", "mountain", "cloud", "sun", "rock", "bush", "flower", "bird", "tent",
                "fence", "cow", "house", "person", "moon", "bridge",
            ],
            Setting::Water => &[
                "wave",
                "boat",
                "sailboat",
                "cloud",
                "sun",
                "bird",
                "rock",
                "pier",
                "umbrella",
                "fish",
                "lighthouse",
                "person",
                "moon",
                "bridge",
            ],
        };
        names.iter().map(|n| idx(n)).collect()
    }
}

/// A scene category: its setting and its signature, the objects that define it.
#[derive(Debug, Clone)]
pub struct Category {
    pub name: String,
    pub setting: Setting,
    /// The signature objects (object-type indices): a scene of this category holds 1–4 objects
    /// drawn from them (`scene::SIGNATURE_COUNT`). Disjoint from the other categories'
    /// signatures of the same world while the vocabulary allows (up to
    /// `objects().len() / SIGNATURE_SIZE` categories).
    pub signature: Vec<usize>,
}

fn setting_of(name: &str) -> Setting {
    let has = |keys: &[&str]| keys.iter().any(|k| name.contains(k));
    if has(&[
        "coast",
        "ocean",
        "harbor",
        "dock",
        "boat",
        "raft",
        "river",
        "creek",
        "pond",
        "swimming",
        "sea_",
        "marsh",
        "bayou",
        "islet",
        "iceberg",
        "sandbar",
        "underwater",
        "lighthouse",
        "boardwalk",
        "watering_hole",
        "dam",
        "hot_spring",
        "swamp",
    ]) {
        Setting::Water
    } else if has(&[
        "bedroom",
        "living",
        "kitchen",
        "dining",
        "bathroom",
        "dorm",
        "nursery",
        "attic",
        "basement",
        "closet",
        "_home",
        "hotel_room",
        "game_room",
        "kitchenette",
        "pantry",
        "shower",
        "home_office",
        "parlor",
        "hospital_room",
        "jail",
        "galley",
    ]) {
        Setting::Home
    } else if has(&[
        "forest",
        "mountain",
        "field",
        "garden",
        "canyon",
        "desert",
        "valley",
        "badlands",
        "butte",
        "crevasse",
        "pasture",
        "orchard",
        "rainforest",
        "snowfield",
        "sky",
        "volcano",
        "wheat",
        "corn",
        "rice",
        "campsite",
        "golf",
        "fairway",
        "ski_",
        "trench",
        "tree_farm",
        "cliff",
        "rock_arch",
        "yard",
        "picnic",
        "wind",
        "igloo",
        "excavation",
        "playground",
    ]) {
        Setting::Nature
    } else if has(&[
        "outdoor",
        "street",
        "alley",
        "building",
        "abbey",
        "castle",
        "tower",
        "bridge",
        "crosswalk",
        "parking",
        "highway",
        "plaza",
        "courtyard",
        "driveway",
        "gas_station",
        "residential",
        "skyscraper",
        "facade",
        "viaduct",
        "aqueduct",
        "arch",
        "slum",
        "medina",
        "kasbah",
        "pagoda",
        "temple",
        "palace",
        "mansion",
        "ruin",
        "railroad",
        "runway",
        "construction",
        "cemetery",
        "chalet",
        "motel",
        "shed",
        "amusement",
        "stadium",
        "racecourse",
        "fountain",
        "patio",
        "veranda",
        "mausoleum",
        "shopfront",
        "phone_booth",
        "fire_escape",
        "garbage",
        "doorway",
        "pavilion",
        "schoolhouse",
        "courthouse",
        "water_tower",
        "windmill",
    ]) {
        Setting::Urban
    } else {
        Setting::Public
    }
}

/// FNV-1a: a stable hash of a category name (the world must not depend on Rust's hasher).
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Signature objects per category.
pub const SIGNATURE_SIZE: usize = 3;

/// The version of the world's design: bump it whenever a change alters generated samples, so
/// that caches keyed by it (the pre-trained teacher) are rebuilt.
pub const WORLD_VERSION: u32 = 2;

/// A stable pseudo-random rank of object `i` for category `name` (the order in which a category
/// prefers objects of one tier).
fn preference(name: &str, i: usize) -> u64 {
    super::mix(fnv(name) ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// The objects a category prefers, best first: objects named inside its name (`bedroom` →
/// bed), then its setting's pool, then the rest of the vocabulary, each tier in a hash order of
/// the name. A fixed function of the name.
fn preferences(name: &str, setting: Setting) -> Vec<usize> {
    let objs = objects();
    let words: Vec<&str> = name.split(['_', '/']).collect();
    let pool = setting.pool();
    let tier = |i: usize| {
        if words.iter().any(|w| w.starts_with(objs[i].name)) {
            0
        } else if pool.contains(&i) {
            1
        } else {
            2
        }
    };
    let mut order: Vec<usize> = (0..objs.len()).collect();
    order.sort_by_key(|&i| (tier(i), preference(name, i)));
    order
}

impl Category {
    /// The categories of one world, in label order. Each takes the `SIGNATURE_SIZE` objects it
    /// prefers (see `preferences`) that no earlier category of the list took, so signatures are
    /// disjoint; past `objects().len() / SIGNATURE_SIZE` categories, objects are reused (least
    /// used first) and only the signature *sets* differ.
    pub fn world(names: &[String]) -> Vec<Category> {
        let n_obj = objects().len();
        let mut uses = vec![0usize; n_obj];
        let mut taken: Vec<Vec<usize>> = vec![];
        let mut out = vec![];
        for name in names {
            let setting = setting_of(name);
            let prefs = preferences(name, setting);
            let mut sig: Vec<usize> = vec![];
            // Least used first; among equals, the category's preference order.
            let mut order = prefs.clone();
            order.sort_by_key(|&i| uses[i]);
            for &i in &order {
                if sig.len() == SIGNATURE_SIZE {
                    break;
                }
                sig.push(i);
            }
            // A set an earlier category already has: swap in the next preference until it differs.
            let mut k = SIGNATURE_SIZE;
            loop {
                let mut sorted = sig.clone();
                sorted.sort_unstable();
                if !taken.contains(&sorted) || k >= order.len() {
                    taken.push(sorted);
                    break;
                }
                sig[SIGNATURE_SIZE - 1] = order[k];
                k += 1;
            }
            for &i in &sig {
                uses[i] += 1;
            }
            out.push(Category {
                name: name.clone(),
                setting,
                signature: sig,
            });
        }
        out
    }

    /// The category named `name` alone in its world (its first preferences).
    pub fn new(name: &str) -> Category {
        Self::world(&[name.to_string()]).remove(0)
    }
}

/// The objects no category of `cats` has in its signature: scenes draw their context objects
/// from these, so context never points at another category. When the signatures use the whole
/// vocabulary, every object.
pub fn fillers(cats: &[Category]) -> Vec<usize> {
    let used: std::collections::BTreeSet<usize> = cats
        .iter()
        .flat_map(|c| c.signature.iter().copied())
        .collect();
    let free: Vec<usize> = (0..objects().len()).filter(|i| !used.contains(i)).collect();
    if free.is_empty() {
        (0..objects().len()).collect()
    } else {
        free
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_has_at_least_forty_distinct_objects() {
        let o = objects();
        assert!(o.len() >= 40);
        let mut names: Vec<_> = o.iter().map(|x| x.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), o.len());
    }

    #[test]
    fn signatures_are_disjoint_within_a_world_and_fixed_by_the_names() {
        let names = crate::data::synth::categories_from_count(18).unwrap();
        let w = Category::world(&names);
        let mut all: Vec<usize> = w.iter().flat_map(|c| c.signature.clone()).collect();
        assert_eq!(all.len(), 18 * SIGNATURE_SIZE);
        all.sort_unstable();
        all.dedup();
        assert_eq!(
            all.len(),
            18 * SIGNATURE_SIZE,
            "18 x 3 objects fit the 54 disjointly"
        );
        // The same names give the same world; a bedroom takes the bed it is named after.
        let again = Category::world(&names);
        assert!(w
            .iter()
            .zip(&again)
            .all(|(a, b)| a.signature == b.signature));
        assert!(Category::new("bedroom").signature.contains(&idx("bed")));
    }

    #[test]
    fn past_the_vocabulary_signature_sets_still_differ() {
        let names = crate::data::synth::categories_from_count(60).unwrap();
        let w = Category::world(&names);
        let mut sets: Vec<Vec<usize>> = w
            .iter()
            .map(|c| {
                let mut s = c.signature.clone();
                s.sort_unstable();
                s
            })
            .collect();
        sets.sort();
        sets.dedup();
        assert_eq!(sets.len(), 60);
        assert!(fillers(&w).len() == objects().len());
    }
}
