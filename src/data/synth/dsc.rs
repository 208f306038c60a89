//! `dsc`, text descriptions: a few sentences generated from an instance's objects and layout with
//! synonyms, varied templates, colour words, spatial relations and distractor sentences that say
//! nothing about the scene. A description never names its scene category: a sentence that would
//! contain a word of the category name is redrawn (and dropped after a few tries).

use super::scene::{Instance, Obj};
use super::world::objects;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

const COLOURS: &[(&str, [f32; 3])] = &[
    ("red", [0.8, 0.15, 0.15]),
    ("green", [0.2, 0.55, 0.2]),
    ("blue", [0.2, 0.35, 0.75]),
    ("yellow", [0.9, 0.8, 0.2]),
    ("white", [0.93, 0.93, 0.93]),
    ("black", [0.08, 0.08, 0.08]),
    ("grey", [0.5, 0.5, 0.5]),
    ("brown", [0.5, 0.32, 0.18]),
    ("orange", [0.95, 0.55, 0.15]),
    ("pink", [0.9, 0.45, 0.65]),
    ("purple", [0.5, 0.2, 0.55]),
];

const DISTRACTORS: &[&str] = &[
    "The picture was taken a while ago.",
    "It looks like an ordinary day.",
    "The light is soft and even.",
    "Someone took this photo in a hurry.",
    "Nothing much seems to be happening.",
    "The colours are a little faded.",
    "It is quiet here.",
    "The photo is slightly blurry.",
    "I would like to visit this place again.",
    "The weather seems fine.",
];

fn colour_word(c: [f32; 3]) -> &'static str {
    COLOURS
        .iter()
        .min_by(|a, b| {
            let d = |p: [f32; 3]| (0..3).map(|k| (p[k] - c[k]).powi(2)).sum::<f32>();
            d(a.1).total_cmp(&d(b.1))
        })
        .map(|x| x.0)
        .unwrap_or("plain")
}

fn place_words(o: &Obj) -> &'static str {
    let cx = (o.x0 + o.x1) / 2.0;
    let cy = (o.y0 + o.y1) / 2.0;
    if cy < 0.3 {
        "near the top"
    } else if o.y1 > 0.85 {
        "in the foreground"
    } else if cx < 0.33 {
        "on the left"
    } else if cx > 0.67 {
        "on the right"
    } else if cy < 0.55 {
        "in the background"
    } else {
        "in the middle"
    }
}

fn plural(w: &str) -> String {
    if w.ends_with('s') || w.ends_with("sh") || w.ends_with("ch") || w.ends_with('x') {
        format!("{w}es")
    } else if w.ends_with('y') && !w.ends_with("ay") && !w.ends_with("ey") {
        format!("{}ies", &w[..w.len() - 1])
    } else {
        format!("{w}s")
    }
}

fn article(w: &str) -> &'static str {
    if w.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// One sentence about object `o` (and sometimes its neighbour `other`), and whether it names
/// `other` too.
fn sentence(o: &Obj, other: Option<&Obj>, count: usize, r: &mut ChaCha8Rng) -> (String, bool) {
    let all = objects();
    let syn = |o: &Obj, r: &mut ChaCha8Rng| {
        let s = all[o.ty].synonyms;
        s[r.random_range(0..s.len())]
    };
    let w = syn(o, r);
    let col = colour_word(o.colour);
    let at = place_words(o);
    let s = match r.random_range(0..6) {
        0 => format!("There is {} {w} {at}.", article(w)),
        1 => format!("{} {col} {w} can be seen {at}.", capitalise(article(col))),
        2 if count > 1 => format!("I can see {count} {}.", plural(w)),
        3 => format!("{} there is {} {col} {w}.", capitalise(at), article(col)),
        4 if other.is_some() => {
            let b = other.expect("checked");
            let v = syn(b, r);
            let rel = if (o.x0 + o.x1) < (b.x0 + b.x1) {
                "to the left of"
            } else {
                "to the right of"
            };
            return (format!("The {w} is {rel} the {v}."), true);
        }
        _ => format!("You notice {} {w}.", article(w)),
    };
    (s, false)
}

/// A description of `inst`, never containing a word of `category` (split on `_` and `/`), and
/// the object types it names (first-named order, each once): 2–4 of the scene's objects, so a
/// description can miss every signature object.
pub fn describe(inst: &Instance, category: &str, r: &mut ChaCha8Rng) -> (String, Vec<usize>) {
    let banned: Vec<String> = category
        .split(['_', '/', ' '])
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let clean = |s: &str| {
        !s.split(|c: char| !c.is_alphanumeric())
            .any(|w| banned.iter().any(|b| b == &w.to_lowercase()))
    };
    let mut order: Vec<usize> = (0..inst.objects.len()).collect();
    order.shuffle(r);
    let n = r.random_range(2..=4).min(order.len());
    let mut out: Vec<String> = vec![];
    let mut named: Vec<usize> = vec![];
    let mut name = |ty: usize| {
        if !named.contains(&ty) {
            named.push(ty);
        }
    };
    for &i in &order[..n] {
        let o = &inst.objects[i];
        let count = inst.objects.iter().filter(|p| p.ty == o.ty).count();
        let other = order.iter().find(|&&j| j != i).map(|&j| &inst.objects[j]);
        for _ in 0..6 {
            let (s, both) = sentence(o, other, count, r);
            if clean(&s) {
                out.push(s);
                name(o.ty);
                if let (true, Some(b)) = (both, other) {
                    name(b.ty);
                }
                break;
            }
        }
    }
    for _ in 0..r.random_range(1..=2) {
        let d = DISTRACTORS[r.random_range(0..DISTRACTORS.len())];
        let at = r.random_range(0..=out.len());
        if clean(d) {
            out.insert(at, d.to_string());
        }
    }
    (out.join(" "), named)
}
