//! The paper's unit study (CMPlaces section 5.2) measured instead of judged.
//!
//! The paper showed human subjects the top five activations of 100 `pool5` units in each
//! modality, kept the units where at least 4 of the natural images showed one common concept,
//! and counted how often the subjects found that concept in at least one (and at least two)
//! of the top images of *every* other modality: 33% (19%) of the units for Method A against 25%
//! (14%) for BL-Ind. Generated data knows which objects every sample shows
//! ([`Dataset::objects`]), so the same protocol runs exactly: the concept of a unit is the object
//! shown by the most of its top natural images, the unit counts when at least `min_real` of them
//! show it, and then the share of counted units whose concept appears in ≥ 1 (≥ 2) of the top
//! items of each other modality is reported.
//!
//! A unit of a spatial layer is a channel (its activation on an item: the maximum over the
//! channel's positions; encoders without space emit the same flat layout, see
//! [`super::units`]); `channels` gives how many. Top items are the `k` highest activations of a
//! modality (ties by the lower item index); a modality on which the unit is silent (the same
//! activation on every item) shows nothing.

use crate::data::Dataset;
use crate::error::{Context, Error, Result};
use crate::eval::FeatureSet;

/// Options of [`object_units`].
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectUnitOpts {
    /// Units of the layer: its channels (128 for scene-net-s pool5); the feature width must be a
    /// multiple of it.
    pub channels: usize,
    /// The modality whose top items define a unit's concept (the paper's "real" images).
    pub real: String,
    /// Top items per modality (the paper's 5).
    pub k: usize,
    /// Top real items that must show the concept for the unit to count (the paper's 4).
    pub min_real: usize,
}

impl Default for ObjectUnitOpts {
    fn default() -> Self {
        ObjectUnitOpts {
            channels: 128,
            real: "nat".into(),
            k: 5,
            min_real: 4,
        }
    }
}

/// One counted unit: its concept and, per other modality, how many top items show it.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectUnit {
    pub index: usize,
    pub object: String,
    /// (modality, top items showing the object), the real modality first.
    pub shown: Vec<(String, usize)>,
}

/// The result of [`object_units`].
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectUnits {
    /// Units examined (all channels).
    pub examined: usize,
    /// The units whose top real items show one object at least `min_real` times.
    pub consistent: Vec<ObjectUnit>,
    /// Share of consistent units whose object is in ≥ 1 top item of every other modality.
    pub at_least_one: f64,
    /// Share of consistent units whose object is in ≥ 2 top items of every other modality.
    pub at_least_two: f64,
}

/// Run the section 5.2 protocol on the features `f` of the items of `ds` (rows of modality m in
/// item order, as `net.features` and `eval::concat` give them).
pub fn object_units(f: &FeatureSet, ds: &Dataset, o: &ObjectUnitOpts) -> Result<ObjectUnits> {
    let op = "viz::object_units";
    let content = ds.content().ok_or_else(|| {
        Error::invalid(
            op,
            "data",
            "the data does not know the objects of its samples (only generated SynthPlaces data does)",
        )
    })?;
    if o.k == 0 || o.min_real == 0 || o.min_real > o.k {
        return Err(Error::invalid(
            op,
            "min_real",
            format!(
                "need 1 <= min_real <= k, got min_real {} and k {}",
                o.min_real, o.k
            ),
        ));
    }
    let (n, dim) = f.x.dims2().op(op)?;
    if o.channels == 0 || dim % o.channels != 0 {
        return Err(Error::invalid(
            op,
            "channels",
            format!(
                "the features are {dim} wide, not a multiple of {} channels",
                o.channels
            ),
        ));
    }
    let s = dim / o.channels;
    let x = crate::tensor::to_f32_vec(&f.x)?;
    let mut mods = f.modality_names();
    let Some(pos) = mods.iter().position(|m| *m == o.real) else {
        return Err(Error::invalid(
            op,
            "real",
            format!(
                "the features have no modality '{}' ({})",
                o.real,
                mods.join(", ")
            ),
        ));
    };
    let real = mods.remove(pos);
    mods.insert(0, real);
    // Per modality: its feature rows and the objects of its items, in item order.
    let mut per = vec![];
    for m in &mods {
        let rows = f.rows_of(m)?;
        let objs = ds.objects(m)?.ok_or_else(|| {
            Error::invalid(
                op,
                "data",
                format!("modality '{m}' does not know its objects"),
            )
        })?;
        if objs.len() != rows.len() {
            return Err(Error::invalid(
                op,
                "data",
                format!(
                    "modality '{m}' has {} items but the features {} rows: extract them from this data",
                    objs.len(),
                    rows.len()
                ),
            ));
        }
        per.push((m.clone(), rows, objs));
    }
    debug_assert!(per.iter().all(|(_, r, _)| r.iter().all(|&i| i < n)));
    let act = |row: usize, unit: usize| -> f32 {
        let base = row * dim + unit * s;
        x[base..base + s].iter().fold(f32::MIN, |m, &v| m.max(v))
    };
    // The top-k items of a modality for a unit, or None when the unit is silent there.
    let top = |rows: &[usize], unit: usize| -> Option<Vec<usize>> {
        let a: Vec<f32> = rows.iter().map(|&r| act(r, unit)).collect();
        let (lo, hi) = a
            .iter()
            .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        let spread = hi - lo;
        if spread.is_nan() || spread <= 1e-7 * (1.0 + hi.abs()) {
            return None;
        }
        let mut order: Vec<usize> = (0..a.len()).collect();
        order.sort_by(|&i, &j| a[j].total_cmp(&a[i]).then(i.cmp(&j)));
        order.truncate(o.k);
        Some(order)
    };
    let mut consistent = vec![];
    let (mut one, mut two) = (0usize, 0usize);
    for unit in 0..o.channels {
        let (_, rows, objs) = &per[0];
        let Some(items) = top(rows, unit) else {
            continue;
        };
        // The object most of the top real items show (the lower object id among ties).
        let mut count = vec![0usize; content.object_names.len()];
        for &i in &items {
            let mut seen = objs[i].clone();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                count[t as usize] += 1;
            }
        }
        let (best, &hits) = count
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
            .expect("objects");
        if hits < o.min_real {
            continue;
        }
        let mut shown = vec![(per[0].0.clone(), hits)];
        for (m, rows, objs) in &per[1..] {
            let c = top(rows, unit).map_or(0, |items| {
                items
                    .iter()
                    .filter(|&&i| objs[i].contains(&(best as u16)))
                    .count()
            });
            shown.push((m.clone(), c));
        }
        if shown[1..].iter().all(|(_, c)| *c >= 1) {
            one += 1;
        }
        if shown[1..].iter().all(|(_, c)| *c >= 2) {
            two += 1;
        }
        consistent.push(ObjectUnit {
            index: unit,
            object: content.object_names[best].clone(),
            shown,
        });
    }
    let c = consistent.len().max(1) as f64;
    Ok(ObjectUnits {
        examined: o.channels,
        at_least_one: one as f64 / c,
        at_least_two: two as f64 / c,
        consistent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Content, Dataset, Modality, Store};
    use candle_core::Tensor;
    use std::sync::Arc;

    /// Two modalities of four items, two units, k = 2. Unit 0 fires most on the natural images
    /// 0 and 1, which both show object 3, and on descriptions 2 and 3, of which one names it:
    /// consistent, shown in ≥ 1 but not ≥ 2 top descriptions. Unit 1's top images (2 and 3)
    /// share no object: not counted.
    #[test]
    fn the_section_5_2_protocol_on_a_hand_made_case() {
        let objects = |v: &[&[u16]]| Some(v.iter().map(|o| o.to_vec()).collect());
        let feat = |n: usize| Store::Features {
            dim: 1,
            data: (0..n).map(|_| Arc::from(vec![0.0_f32])).collect(),
        };
        let nat = Modality {
            name: "nat".into(),
            store: feat(4),
            labels: vec![0, 0, 1, 1],
            pair_ids: None,
            objects: objects(&[&[3, 1], &[3], &[0], &[2]]),
        };
        let dsc = Modality {
            name: "dsc".into(),
            store: feat(4),
            labels: vec![0, 0, 1, 1],
            pair_ids: None,
            objects: objects(&[&[1], &[0], &[3], &[2]]),
        };
        let ds = Dataset::new(vec!["a".into(), "b".into()], vec![nat, dsc], "val")
            .unwrap()
            .with_content(Content {
                object_names: (0..4).map(|i| format!("o{i}")).collect(),
                signatures: vec![vec![3], vec![2]],
            });
        // Rows: nat items 0..4, then dsc items 0..4; columns: unit 0, unit 1.
        let x = Tensor::from_vec(
            vec![
                9.0_f32, 0.0, 8.0, 1.0, 1.0, 7.0, 0.0, 6.0, // nat
                0.0, 5.0, 1.0, 4.0, 7.0, 0.0, 6.0, 1.0, // dsc
            ],
            (8, 2),
            &candle_core::Device::Cpu,
        )
        .unwrap();
        let f = FeatureSet::new(
            x,
            vec![0, 0, 1, 1, 0, 0, 1, 1],
            ["nat", "nat", "nat", "nat", "dsc", "dsc", "dsc", "dsc"]
                .map(String::from)
                .to_vec(),
        )
        .unwrap();
        let o = ObjectUnitOpts {
            channels: 2,
            real: "nat".into(),
            k: 2,
            min_real: 2,
        };
        let r = object_units(&f, &ds, &o).unwrap();
        assert_eq!(r.examined, 2);
        assert_eq!(r.consistent.len(), 1);
        let u = &r.consistent[0];
        assert_eq!((u.index, u.object.as_str()), (0, "o3"));
        assert_eq!(
            u.shown,
            vec![("nat".to_string(), 2), ("dsc".to_string(), 1)]
        );
        assert_eq!((r.at_least_one, r.at_least_two), (1.0, 0.0));
        // min_real above k is refused, as is a width that is not a multiple of the channels.
        assert!(object_units(
            &f,
            &ds,
            &ObjectUnitOpts {
                min_real: 3,
                ..o.clone()
            }
        )
        .is_err());
        assert!(object_units(&f, &ds, &ObjectUnitOpts { channels: 3, ..o }).is_err());
    }
}
