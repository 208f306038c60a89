//! `viz::top_units`: a planted unit that fires on one category in every modality is found and
//! scores 1; a silent unit scores 0; pool5 of a pixel net gives channel units with masks over
//! images and tf-idf words for descriptions; the script API and JSON.

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use rand::Rng;
use xmodal::data::{synthplaces, Dataset, Modality, Store, SynthOptions};
use xmodal::nn::{CrossModalNet, EncoderSpec, NetConfig};
use xmodal::viz::units::{top_units, UnitOpts, UnitPick};

mod common;

const DIM: usize = 64;
const PLANTED: usize = 37;
const SILENT: usize = 10;
const HOT: usize = 2;

/// Two feature modalities, 4 categories × 12 items; element PLANTED is high on category HOT in
/// both, element SILENT is 0 everywhere, the rest uniform noise.
fn planted() -> (CrossModalNet, Dataset) {
    let mut rng = xmodal::tensor::create::rng(5);
    let mut mods = vec![];
    for name in ["a", "b"] {
        let (mut data, mut labels) = (vec![], vec![]);
        for c in 0..4 {
            for _ in 0..12 {
                let mut v: Vec<f32> = (0..DIM).map(|_| rng.random::<f32>()).collect();
                v[SILENT] = 0.0;
                if c == HOT {
                    v[PLANTED] += 5.0;
                }
                data.push(v.into());
                labels.push(c);
            }
        }
        mods.push(Modality {
            name: name.into(),
            store: Store::Features { dim: DIM, data },
            labels,
            pair_ids: None,
            objects: None,
        });
    }
    let ds = Dataset::new((0..4).map(|c| format!("cat{c}")).collect(), mods, "all").unwrap();
    let specs: Vec<(String, EncoderSpec)> = ["a", "b"]
        .iter()
        .map(|m| (m.to_string(), EncoderSpec::Features { dim: DIM }))
        .collect();
    let cfg = NetConfig {
        pool5: Some(DIM),
        fc6: 8,
        fc7: 8,
        ..Default::default()
    };
    let net =
        CrossModalNet::new(&specs, 4, &cfg, VarBuilder::zeros(DType::F32, &Device::Cpu)).unwrap();
    (net, ds)
}

#[test]
fn the_planted_unit_is_the_most_aligned_and_names_its_category() {
    let (net, ds) = planted();
    let u = top_units(
        &net,
        &ds,
        &UnitOpts {
            units: UnitPick::Count(3),
            k: 5,
            seed: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        u.grid,
        (DIM, 1, 1),
        "features have no space: one element per unit"
    );
    let best = &u.units[0];
    assert_eq!(best.index, PLANTED);
    assert_eq!(best.category, HOT);
    assert_eq!(best.category_name, "cat2");
    assert_eq!(best.score, 1.0);
    assert_eq!(best.agreement, 1.0);
    for t in &best.per_modality {
        assert_eq!(t.labels, vec![HOT; 5], "{}", t.modality);
        assert!(
            t.items.iter().all(|&i| (24..36).contains(&i)),
            "{:?}",
            t.items
        );
        assert!(t.activations.windows(2).all(|w| w[0] >= w[1]), "best first");
        assert!(
            t.masks.iter().all(|m| m.is_none()),
            "no masks without space"
        );
    }
    assert!(
        u.units[1].score < 1.0,
        "noise units are not perfectly aligned"
    );
}

#[test]
fn a_silent_unit_scores_zero_and_a_list_keeps_its_order() {
    let (net, ds) = planted();
    let u = top_units(
        &net,
        &ds,
        &UnitOpts {
            units: UnitPick::List(vec![SILENT, PLANTED]),
            k: 4,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(u.indices(), vec![SILENT, PLANTED]);
    assert_eq!(u.units[0].score, 0.0);
    assert!(u.units[0].per_modality.iter().all(|t| t.silent));
    assert_eq!(u.units[1].score, 1.0);
    let e = top_units(
        &net,
        &ds,
        &UnitOpts {
            units: UnitPick::List(vec![DIM]),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("unit 64 does not exist") && e.contains("64 units"),
        "{e}"
    );
}

#[test]
fn pool5_of_a_pixel_net_has_channel_units_with_masks_and_words() {
    let o = SynthOptions {
        categories: vec!["beach".into(), "kitchen".into(), "forest_path".into()],
        per_category: 4,
        modalities: vec!["nat".into(), "dsc".into()],
        seed: 3,
        ..SynthOptions::default()
    };
    let ds = synthplaces(&o).unwrap();
    let specs = xmodal::nn::feed::specs_for(
        &ds,
        xmodal::nn::PixelArch::SceneNetS,
        xmodal::nn::feed::TextInput::Vectors,
    )
    .unwrap();
    let cfg = NetConfig {
        fc6: 16,
        fc7: 16,
        text_hidden: 16,
        seed: 2,
        ..Default::default()
    };
    let net = CrossModalNet::fresh(&specs, 3, &cfg, DType::F32, &Device::Cpu).unwrap();
    let u = top_units(
        &net,
        &ds,
        &UnitOpts {
            units: UnitPick::Count(4),
            k: 3,
            words: 4,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(u.grid, (128, 4, 4));
    assert_eq!(u.units.len(), 4);
    assert!(u.units.windows(2).all(|w| w[0].score >= w[1].score));
    for unit in &u.units {
        assert!(unit.index < 128);
        let nat = &unit.per_modality[0];
        assert_eq!(nat.modality, "nat");
        assert_eq!(nat.masks.len(), 3);
        for m in nat.masks.iter().flatten() {
            assert_eq!((m.width, m.height, m.grid), (64, 64, (4, 4)));
            assert_eq!(m.pixels.len(), 64 * 64);
        }
        let dsc = &unit.per_modality[1];
        assert!(dsc.masks.iter().all(|m| m.is_none()));
        assert!(
            !dsc.words.is_empty() && dsc.words.len() <= 4,
            "{:?}",
            dsc.words
        );
        // Every word occurs in one of the unit's top descriptions.
        let texts: String = dsc
            .items
            .iter()
            .map(|&i| ds.text("dsc", i).unwrap().to_lowercase())
            .collect();
        assert!(
            dsc.words.iter().all(|w| texts.contains(&w.0)),
            "{:?}",
            dsc.words
        );
    }
    let json: serde_json::Value = serde_json::from_str(&u.to_json_string().unwrap()).unwrap();
    assert_eq!(json["units"].as_array().unwrap().len(), 4);
    assert_eq!(json["layer"], "pool5");
}

#[test]
fn script_api_reports_units_scores_and_json() {
    let v = common::eval(
        r#"
        let d = data::synthplaces(#{ categories: 3, per_category: 3, modalities: ["nat", "clp", "dsc"], seed: 1 });
        let net = nn::cross_modal(d, #{ fc6: 16, fc7: 16, text_hidden: 16, seed: 1 });
        let u = viz::top_units(net, d, #{ layer: "fc7", units: 5, k: 2, seed: 4 });
        let one = u.unit(0);
        let json = u.to_json();
        [u.units.len(), u.scores.len(), u.categories.len(), one.modalities.keys().len(), json.contains("\"per_modality\""), u.to_string()]
        "#,
    );
    let a = v.into_array().unwrap();
    assert_eq!(a[0].as_int().unwrap(), 5);
    assert_eq!(a[1].as_int().unwrap(), 5);
    assert_eq!(a[2].as_int().unwrap(), 5);
    assert_eq!(a[3].as_int().unwrap(), 3);
    assert!(a[4].as_bool().unwrap());
    assert!(a[5]
        .clone()
        .into_string()
        .unwrap()
        .starts_with("Units[fc7: 5 units, k 2"));
    let e = common::err(
        r#"
        let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat"], seed: 1 });
        viz::top_units(nn::cross_modal(d, #{ fc6: 8, fc7: 8 }), d, #{ modalities: ["snd"] })
        "#,
    );
    assert!(e.contains("'snd' is not a modality of both"), "{e}");
}
