//! Evaluation against scikit-learn (fixtures in tests/fixtures/eval/, made by make_fixtures.py
//! beside them), hand-computed ranks, a planted classification rule, and the Rhai bindings.

use candle_core::{DType, Device, Tensor};
use serde_json::Value;
use xmodal::eval::{self, FeatureSet, Queries, RankOpts, RetrievalOpts, TransferOpts};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/eval/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn features(v: &Value, dtype: DType) -> FeatureSet {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v["x"].clone()).unwrap();
    let (n, d) = (rows.len(), rows[0].len());
    let flat: Vec<f64> = rows.into_iter().flatten().collect();
    let x = Tensor::from_vec(flat, (n, d), &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap();
    FeatureSet::new(
        x,
        serde_json::from_value(v["labels"].clone()).unwrap(),
        serde_json::from_value(v["modalities"].clone()).unwrap(),
    )
    .unwrap()
}

fn all() -> RetrievalOpts {
    RetrievalOpts {
        queries: Queries::All,
        ..Default::default()
    }
}

/// Every per-query AP, pair mAP and chance level of the fixture, to `tol`.
fn check_against_fixture(name: &str, dtype: DType, batch: usize, tol: f64) {
    let v = fixture(name);
    let t = eval::retrieval(&features(&v, dtype), &RetrievalOpts { batch, ..all() }).unwrap();
    let mut checked = 0;
    for e in v["per_query"].as_array().unwrap() {
        let q = e["query"].as_u64().unwrap() as usize;
        let target = e["target"].as_str().unwrap();
        let qmod = v["modalities"][q].as_str().unwrap();
        let pair = t.pair(qmod, target).unwrap();
        let k = pair.queries.iter().position(|&r| r == q).unwrap();
        match (e["ap"].as_f64(), pair.ap[k]) {
            (Some(want), Some(got)) => assert!(
                (want - got).abs() < tol,
                "{name}: query {q} → {target}: AP {got} vs sklearn {want}"
            ),
            (None, None) => {}
            (want, got) => panic!("{name}: query {q} → {target}: {got:?} vs {want:?}"),
        }
        checked += 1;
    }
    assert_eq!(
        checked,
        t.pairs.iter().map(|p| p.queries.len()).sum::<usize>()
    );
    for p in v["pairs"].as_array().unwrap() {
        let (q, tg) = (p["query"].as_str().unwrap(), p["target"].as_str().unwrap());
        let got = t.pair(q, tg).unwrap();
        let want = p["map"].as_f64().unwrap();
        assert!(
            (got.map - want).abs() < tol,
            "{name} {q}→{tg}: mAP {} vs {want}",
            got.map
        );
        let chance = p["chance"].as_f64().unwrap();
        assert!(
            (got.chance - chance).abs() < 1e-9,
            "{name} {q}→{tg}: chance {} vs {chance}",
            got.chance
        );
    }
}

#[test]
fn retrieval_ap_matches_scikit_learn_per_query_and_per_pair() {
    check_against_fixture("retrieval_random.json", DType::F64, 0, 1e-6);
}

#[test]
fn retrieval_ap_matches_scikit_learn_with_tied_scores() {
    check_against_fixture("retrieval_ties.json", DType::F64, 0, 1e-6);
    // Integer features keep their ties exact in f32 too.
    check_against_fixture("retrieval_ties.json", DType::F32, 0, 1e-6);
}

#[test]
fn batching_and_f32_features_do_not_change_the_results() {
    check_against_fixture("retrieval_random.json", DType::F64, 7, 1e-6);
    check_against_fixture("retrieval_random.json", DType::F32, 5, 1e-6);
}

/// Integer features (exact products) where every 97th row repeats (exact ties, across labels),
/// some rows are zero, and the modalities are interleaved; big enough (N = 1300 rows of D = 512) that the all-queries
/// path computes its symmetric matrix in several blocks and mirrors it.
fn tied_integer_features(dtype: DType) -> FeatureSet {
    let (n, d) = (1300, 512);
    let x: Vec<f64> = (0..n * d)
        .map(|v| {
            let (i, k) = (v / d % 97, v % d);
            ((i * 7919 + k * 31 + i * k) % 5) as f64 - 1.0
        })
        .collect();
    let mods = ["nat", "snd", "dsc"];
    FeatureSet::new(
        Tensor::from_vec(x, (n, d), &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap(),
        (0..n).map(|i| (i / 3) % 40).collect(),
        (0..n).map(|i| mods[i % 3].to_string()).collect(),
    )
    .unwrap()
}

#[test]
fn the_symmetric_all_queries_path_matches_query_blocks_and_the_definition_with_ties() {
    for dtype in [DType::F32, DType::F64] {
        let f = tied_integer_features(dtype);
        let sym = eval::retrieval(&f, &all()).unwrap();
        let blocked = eval::retrieval(&f, &RetrievalOpts { batch: 97, ..all() }).unwrap();
        for (a, b) in sym.pairs.iter().zip(&blocked.pairs) {
            assert_eq!((&a.query, &a.target), (&b.query, &b.target));
            assert_eq!(a.ap, b.ap, "{dtype:?} {} → {}", a.query, a.target);
        }
    }
    // The definition in f64: cos scores (exact integer products × 1/|x_j|), then AP per query.
    let f = tied_integer_features(DType::F64);
    let t = eval::retrieval(&f, &all()).unwrap();
    let x: Vec<Vec<f64>> = f.x.to_vec2().unwrap();
    let inv: Vec<f64> = x
        .iter()
        .map(|r| r.iter().map(|v| v * v).sum::<f64>())
        .map(|s| if s > 0.0 { 1.0 / s.sqrt() } else { 0.0 })
        .collect();
    // Rows 4, 9, … of each 97 are zero vectors: their score is 0 (documented).
    assert!(inv.contains(&0.0));
    for pair in &t.pairs {
        let targets: Vec<usize> = (0..f.len())
            .filter(|&j| f.modalities[j] == pair.target)
            .collect();
        for (k, &q) in pair.queries.iter().enumerate().step_by(7) {
            let scores: Vec<f64> = targets
                .iter()
                .map(|&j| x[q].iter().zip(&x[j]).map(|(a, b)| a * b).sum::<f64>() * inv[j])
                .collect();
            let skip = targets.iter().position(|&j| j == q);
            let want =
                eval::ap::average_precision(&scores, |i| f.labels[targets[i]] == f.labels[q], skip);
            assert_eq!(pair.ap[k], want, "query {q} → {}", pair.target);
        }
    }
}

#[test]
fn table_summaries_follow_the_pairs() {
    let t = eval::retrieval(
        &features(&fixture("retrieval_random.json"), DType::F64),
        &all(),
    )
    .unwrap();
    let cross: Vec<f64> = t
        .pairs
        .iter()
        .filter(|p| p.query != p.target)
        .map(|p| p.map)
        .collect();
    assert_eq!(cross.len(), 6);
    assert!((t.mean() - cross.iter().sum::<f64>() / 6.0).abs() < 1e-15);
    let within = t.within();
    assert_eq!(
        within.iter().map(|w| w.0.as_str()).collect::<Vec<_>>(),
        ["nat", "clp", "dsc"]
    );
    assert_eq!(within[1].1, t.get("clp", "clp").unwrap());
    let text = t.to_string();
    println!("{text}\n{}", t.to_markdown());
    let c = eval::compare(&[
        ("first".into(), t.clone()),
        ("second-method".into(), t.clone()),
    ])
    .unwrap();
    println!("{c}");
    assert!(
        text.contains("Query      NAT         CLP         DSC"),
        "{text}"
    );
    assert!(
        text.contains("Target     CLP   DSC   NAT   DSC   NAT   CLP      mAP"),
        "{text}"
    );
    let csv = t.to_csv_string();
    assert_eq!(csv.lines().count(), 10);
    assert!(csv.starts_with("query,target,kind,map,chance,queries,skipped\nnat,nat,within,"));
    let back: eval::RetrievalTable = serde_json::from_str(&t.to_json_string().unwrap()).unwrap();
    assert_eq!(
        back.get("dsc", "nat").unwrap(),
        t.get("dsc", "nat").unwrap()
    );
    assert!(t.to_markdown().contains("| NAT → CLP |"));
    let e = t.get("nat", "snd").unwrap_err().to_string();
    assert!(
        e.contains("('nat', 'snd')") && e.contains("nat, clp, dsc"),
        "{e}"
    );
}

#[test]
fn sampled_queries_are_seeded_subsets_of_all_queries() {
    let f = features(&fixture("retrieval_random.json"), DType::F64);
    let full = eval::retrieval(&f, &all()).unwrap();
    let opts = |seed| RetrievalOpts {
        queries: Queries::Sample(22),
        seed,
        batch: 0,
    };
    let a = eval::retrieval(&f, &opts(3)).unwrap();
    let b = eval::retrieval(&f, &opts(3)).unwrap();
    let c = eval::retrieval(&f, &opts(4)).unwrap();
    // 22 of nat's 30 and clp's 25; all 20 of dsc.
    let counts: Vec<usize> = a.pairs.iter().step_by(3).map(|p| p.queries.len()).collect();
    assert_eq!(counts, [22, 22, 20]);
    assert_eq!(
        a.pair("nat", "clp").unwrap().queries,
        b.pair("nat", "clp").unwrap().queries
    );
    assert_ne!(
        a.pair("nat", "clp").unwrap().queries,
        c.pair("nat", "clp").unwrap().queries
    );
    for p in &a.pairs {
        let whole = full.pair(&p.query, &p.target).unwrap();
        for (q, ap) in p.queries.iter().zip(&p.ap) {
            let k = whole.queries.iter().position(|r| r == q).unwrap();
            assert_eq!(*ap, whole.ap[k]);
        }
    }
}

fn tensor(rows: &[&[f64]]) -> Tensor {
    let d = rows[0].len();
    let flat: Vec<f64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    Tensor::from_vec(flat, (rows.len(), d), &Device::Cpu).unwrap()
}

#[test]
fn ranks_match_a_hand_computed_case() {
    // cos(a_i, b_j) ∝ M_ij (every row of M has norm √14, b is the identity):
    // M = [[3,2,1],[3,2,1],[1,2,3]].
    let a = tensor(&[&[3.0, 2.0, 1.0], &[3.0, 2.0, 1.0], &[1.0, 2.0, 3.0]]);
    let b = tensor(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &[0.0, 0.0, 1.0]]);
    let r = eval::ranks(&a, &b, &RankOpts::default()).unwrap();
    // a→b: row 0 best at j=0 (rank 1); row 1: 3 > 2 (rank 2); row 2 best at j=2 (rank 1).
    assert_eq!(r.a_to_b.ranks, [1, 2, 1]);
    assert_eq!(r.a_to_b.median_rank, 1.0);
    assert!((r.a_to_b.mean_rank - 4.0 / 3.0).abs() < 1e-12);
    assert!((r.a_to_b.r1 - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!((r.a_to_b.r5, r.a_to_b.r10), (1.0, 1.0));
    // b→a: column 0 = [3,3,1]: a tie with a_1 counts against the match (rank 2);
    // column 1 = [2,2,2]: all tied (rank 3); column 2 = [1,1,3] (rank 1).
    assert_eq!(r.b_to_a.ranks, [2, 3, 1]);
    assert_eq!(r.b_to_a.median_rank, 2.0);
    assert_eq!(r.b_to_a.mean_rank, 2.0);
    assert!((r.b_to_a.r1 - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(r.candidates, 3);
}

#[test]
fn ranks_within_a_seeded_pool() {
    let a = tensor(&[&[3.0, 2.0, 1.0], &[3.0, 2.0, 1.0], &[1.0, 2.0, 3.0]]);
    let b = tensor(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &[0.0, 0.0, 1.0]]);
    let opts = RankOpts {
        pool: 2,
        seed: 9,
        batch: 1,
    };
    let r = eval::ranks(&a, &b, &opts).unwrap();
    let again = eval::ranks(&a, &b, &opts).unwrap();
    assert_eq!(r.a_to_b.ranks, again.a_to_b.ranks);
    assert_eq!(r.b_to_a.ranks, again.b_to_a.ranks);
    // Row 1's one rival is b_0 (rank 2) or b_2 (rank 1); rows 0 and 2 always win.
    assert_eq!((r.a_to_b.ranks[0], r.a_to_b.ranks[2]), (1, 1));
    assert!([1, 2].contains(&r.a_to_b.ranks[1]));
    // Column 1 ties with every rival: rank 2 in a pool of 2.
    assert_eq!(r.b_to_a.ranks[1], 2);
    assert_eq!(r.candidates, 2);
    let e = eval::ranks(&a, &b, &RankOpts { pool: 5, ..opts })
        .unwrap_err()
        .to_string();
    assert!(e.contains("'pool'") && e.contains("(3)"), "{e}");
}

#[test]
fn transfer_recovers_a_planted_linear_rule() {
    // Labels are argmax(W x) of a planted W; "nat" and "snd" follow the rule (snd with a
    // different feature distribution), "rnd" has labels unrelated to its features.
    let mut rng = xmodal::tensor::create::rng(11);
    use rand_distr::{Distribution, Normal};
    let normal = Normal::new(0.0, 1.0).unwrap();
    let w: Vec<f64> = (0..3 * 6).map(|_| normal.sample(&mut rng)).collect();
    let rule = |x: &[f64]| {
        (0..3)
            .map(|c| (c, (0..6).map(|k| w[c * 6 + k] * x[k]).sum::<f64>()))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap()
            .0
    };
    let (mut xs, mut labels, mut mods) = (vec![], vec![], vec![]);
    for (m, n, scale) in [("nat", 400, 1.0), ("snd", 200, 2.0), ("rnd", 200, 1.0)] {
        for i in 0..n {
            let x: Vec<f64> = (0..6).map(|_| scale * normal.sample(&mut rng)).collect();
            labels.push(if m == "rnd" { i % 3 } else { rule(&x) });
            xs.extend(x);
            mods.push(m.to_string());
        }
    }
    let x = Tensor::from_vec(xs, (800, 6), &Device::Cpu)
        .unwrap()
        .to_dtype(DType::F32)
        .unwrap();
    let f = FeatureSet::new(x, labels, mods).unwrap();
    let opts = TransferOpts {
        train: vec!["nat".into()],
        test: vec!["nat".into(), "snd".into(), "rnd".into()],
        l2: 1e-4,
        iters: 300,
        ..Default::default()
    };
    let t = eval::transfer(&f, &opts).unwrap();
    let (own, snd, rnd) = (
        t.get("nat", "nat").unwrap(),
        t.get("nat", "snd").unwrap(),
        t.get("nat", "rnd").unwrap(),
    );
    assert!(own > 0.93, "held-out accuracy {own}\n{t}");
    assert!(snd > 0.9, "transfer accuracy {snd}\n{t}");
    assert!(rnd < 0.5, "unrelated labels {rnd}\n{t}");
    assert!(t.chance[0].iter().all(|&c| c < 0.5), "{t}");
    // Deterministic: the same fit twice.
    let again = eval::transfer(&f, &opts).unwrap();
    assert_eq!(t.accuracy, again.accuracy);
    assert_eq!(t.loss, again.loss);
}

#[test]
fn transfer_chance_and_majority_by_hand() {
    // Fit on "a" (labels 0 0 0 1: frequencies ¾, ¼), test on "b" (labels 0 1 1 1).
    // Chance = ¾·¼ + ¼·¾ = 0.375; always answering class 0 scores ¼.
    let x = Tensor::from_vec(vec![0f32, 1., 2., 3., 4., 5., 6., 7.], (8, 1), &Device::Cpu).unwrap();
    let mods = ["a", "a", "a", "a", "b", "b", "b", "b"]
        .map(String::from)
        .to_vec();
    let f = FeatureSet::new(x, vec![0, 0, 0, 1, 0, 1, 1, 1], mods).unwrap();
    let opts = TransferOpts {
        train: vec!["a".into()],
        test: vec!["b".into()],
        holdout: 0.0,
        iters: 10,
        ..Default::default()
    };
    let t = eval::transfer(&f, &opts).unwrap();
    assert!((t.chance[0][0] - 0.375).abs() < 1e-12, "{t}");
    assert!((t.majority[0][0] - 0.25).abs() < 1e-12, "{t}");
}

#[test]
fn rhai_bindings_evaluate_and_reject_unknown_options() {
    let mut s = xmodal::script::session::Session::new(None);
    let dir = std::env::temp_dir().join(format!("xmodal-eval-{}", std::process::id()));
    let src = format!(
        r#"
        fn check(c) {{ if !c {{ throw "check failed" }} }}
        let x = tensor::from([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [1.0, 0.1], [0.1, 1.0], [0.0, 0.9]]);
        let f = eval::features(x, [0, 0, 1, 0, 1, 1], ["img", "img", "img", "snd", "snd", "snd"]);
        check(f.len == 6 && f.modalities == ["img", "snd"]);
        let t = eval::retrieval(f, #{{ queries: "all", seed: 1 }});
        check(t.get("img", "snd") == 1.0 && t.mean() == 1.0);
        check(t.within().img == 1.0);
        check(t.chance() > 0.0 && t.chance() < 1.0);
        check(t.aps("snd", "img").len() == 3);
        t.to_csv("{dir}/t.csv");
        t.to_json("{dir}/t.json");
        let md = t.to_markdown();
        let c = eval::compare(#{{ "A": t, "B": eval::retrieval(f, #{{ queries: 2, seed: 5 }}) }});
        check(c.methods == ["A", "B"] && c.values.len() == 2);
        let r = eval::ranks(x, x);
        check(r.a_to_b.median_rank == 1.0);
        let tr = eval::transfer(f, #{{ train: "img", test: ["snd"], holdout: 0.0, iters: 100 }});
        check(tr.get("img", "snd") == 1.0);
        `${{t}}\n${{c}}\n${{r}}\n${{tr}}\n${{md}}`
        "#,
        dir = dir.display()
    );
    let out = s.eval(&src).unwrap().into_string().unwrap();
    assert!(
        out.contains("Cross-modal retrieval mAP (%), all queries"),
        "{out}"
    );
    assert!(
        out.contains("Paired retrieval (6 candidates per query)"),
        "{out}"
    );
    let csv = std::fs::read_to_string(dir.join("t.csv")).unwrap();
    assert!(csv.contains("img,snd,cross,1,"), "{csv}");
    assert!(std::fs::read_to_string(dir.join("t.json"))
        .unwrap()
        .contains("\"protocol\": \"all queries\""));
    std::fs::remove_dir_all(&dir).ok();

    let e = s.eval("eval::retrieval(f, #{ querys: 10 })").unwrap_err();
    assert!(
        e.contains(
            "eval::retrieval: unknown option 'querys'; valid options are: queries, seed, batch"
        ),
        "{e}"
    );
    let e = s.eval("eval::features(x, [0, 1], [\"img\"])").unwrap_err();
    assert!(e.contains("2 labels for 6 feature rows"), "{e}");
    let e = s
        .eval("eval::transfer(f, #{ test: [\"snd\"] })")
        .unwrap_err();
    assert!(e.contains("'train'"), "{e}");
}

#[test]
fn rhai_eval_still_runs_code_beside_the_eval_namespace() {
    let mut s = xmodal::script::session::Session::new(None);
    let v = s.eval("eval(\"40 + 2\")").unwrap();
    assert_eq!(v.as_int().unwrap(), 42);
}

#[test]
fn every_eval_doc_example_runs() {
    let engine = xmodal::script::engine(None);
    let mut ran = 0;
    for d in xmodal::script::docs::collect(&engine) {
        if !(d.group == "eval" || d.signatures.iter().any(|s| s.contains("RetrievalTable"))) {
            continue;
        }
        for block in d.doc.split("```rhai").skip(1) {
            let code = block.split("```").next().unwrap();
            let mut s = xmodal::script::session::Session::new(None);
            s.eval(code)
                .map(drop)
                .unwrap_or_else(|e| panic!("example of {}:\n{code}\n{e}", d.name));
            ran += 1;
        }
    }
    assert!(ran >= 6, "only {ran} examples found");
}

/// A feature set of `rows` (f64 values) in `dtype`, one label and modality name per row.
fn set(rows: &[Vec<f64>], labels: &[usize], mods: &[&str], dtype: DType) -> FeatureSet {
    let d = rows[0].len();
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    FeatureSet::new(
        Tensor::from_vec(flat, (rows.len(), d), &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap(),
        labels.to_vec(),
        mods.iter().map(|m| m.to_string()).collect(),
    )
    .unwrap()
}

/// 21 rows of 3 modalities (img, snd, dsc interleaved) with class structure, as f32.
fn small_set(poison: Option<(usize, f64)>) -> FeatureSet {
    let mods = ["img", "snd", "dsc"];
    let rows: Vec<Vec<f64>> = (0..21)
        .map(|i| {
            let mut r: Vec<f64> = (0..4).map(|k| ((i * 7 + k * 3) % 5) as f64 - 1.5).collect();
            r[i % 2] += 3.0;
            if let Some((row, v)) = poison {
                if row == i {
                    r[2] = v;
                }
            }
            r
        })
        .collect();
    let labels: Vec<usize> = (0..21).map(|i| i % 2).collect();
    let m: Vec<&str> = (0..21).map(|i| mods[i % 3]).collect();
    set(&rows, &labels, &m, DType::F32)
}

#[test]
fn non_finite_features_are_an_error_naming_the_row_and_its_modality() {
    // Row 16 is 'snd' (16 % 3 = 1); NaN, +inf and -inf alike.
    for (bad, word) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (-f64::INFINITY, "inf"),
    ] {
        let f = small_set(Some((16, bad)));
        for opts in [
            all(),
            RetrievalOpts { batch: 4, ..all() },
            Default::default(),
        ] {
            let e = eval::retrieval(&f, &opts).unwrap_err().to_string();
            assert!(
                e.contains("eval::retrieval")
                    && e.contains("row 16 (modality 'snd')")
                    && e.contains(word)
                    && e.contains("diverged"),
                "{e}"
            );
        }
        // The test modality of a transfer; the training modality was already rejected.
        let opts = TransferOpts {
            train: vec!["img".into()],
            test: vec!["img".into(), "snd".into()],
            iters: 5,
            ..Default::default()
        };
        let e = eval::transfer(&f, &opts).unwrap_err().to_string();
        assert!(
            e.contains("eval::transfer") && e.contains("row 16 (modality 'snd')"),
            "{e}"
        );
        let e = eval::transfer(
            &f,
            &TransferOpts {
                train: vec!["snd".into()],
                ..opts.clone()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("row 16 (modality 'snd')"), "{e}");
        // Rows of a modality that the transfer does not use may hold anything.
        let ok = TransferOpts {
            test: vec!["img".into(), "dsc".into()],
            ..opts
        };
        assert!(eval::transfer(&f, &ok).is_ok());
        // Paired ranks: the first bad row of a or b.
        let x = f.x.clone();
        let clean = small_set(None).x;
        let e = eval::ranks(&clean, &x, &RankOpts::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("eval::ranks") && e.contains("row 16 of b") && e.contains(word),
            "{e}"
        );
        let e = eval::ranks(&x, &clean, &RankOpts::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 16 of a"), "{e}");
    }
    // f64 features too, on the symmetric all-queries path (D ≥ 512).
    let mut rows = vec![vec![0.5; 512]; 6];
    rows[4][300] = f64::NAN;
    let f = set(
        &rows,
        &[0, 1, 0, 1, 0, 1],
        &["a", "a", "a", "b", "b", "b"],
        DType::F64,
    );
    let e = eval::retrieval(&f, &all()).unwrap_err().to_string();
    assert!(
        e.contains("row 4 (modality 'b')") && e.contains("NaN"),
        "{e}"
    );
    // Large finite values are not mistaken for overflow.
    let mut rows = vec![vec![1e200; 3]; 4];
    rows[1][0] = -1e200;
    rows[3][1] = -1e200;
    let f = set(&rows, &[0, 1, 0, 1], &["a", "a", "b", "b"], DType::F64);
    let t = eval::retrieval(&f, &all()).unwrap();
    // a→b: row 0 (label 0) finds row 2 (label 0, same direction, cosine 1) before row 3
    // (cosine 1/3): AP 1; row 1 (label 1) scores row 2 at 1/3 above its match row 3 at -1/3: AP ½.
    assert_eq!(t.pair("a", "b").unwrap().ap, [Some(1.0), Some(0.5)], "{t}");
}

#[test]
fn rhai_layer_table_rejects_non_finite_features() {
    let mut s = xmodal::script::session::Session::new(None);
    let path = std::env::temp_dir().join(format!(
        "xmodal-eval-nan-{}.safetensors",
        std::process::id()
    ));
    let src = format!(
        r#"
        let x = tensor::from([[1.0, 0.0], [0.0, 1.0], [1.0, 0.5], [0.5, 1.0]]);
        let bad = tensor::from([[1.0], [1.0], [-1.0], [1.0]]).sqrt();
        tensor::save("{p}", #{{ features: tensor::cat([x, bad], 1), labels: tensor::from([0, 1, 0, 1]) }});
        let d = data::load_features("{p}", #{{ modality: "snd" }});
        let net = nn::cross_modal(d, #{{ fc6: 8, fc7: 8 }});
        eval::layer_table(net, d, ["pool5"], #{{ queries: "all" }})
        "#,
        p = path.display()
    );
    let e = s.eval(&src).unwrap_err();
    std::fs::remove_file(&path).ok();
    assert!(
        e.contains("row 2 (modality 'snd')") && e.contains("NaN") && e.contains("pool5"),
        "{e}"
    );
}

#[test]
fn parallel_one_dimensional_features_tie_as_in_scikit_learn() {
    // Every cosine is exactly 1: scikit-learn's AP is the precision of the whole set, 5/10.
    let vals = [0.1, 0.7, 1.3, 2.9, 3.3, 10.1, 0.3, 7.7, 5.5, 6.1];
    let mut rows = vec![vec![1.3]];
    rows.extend(vals.iter().map(|&v| vec![v]));
    let mut labels = vec![0];
    labels.extend((0..10).map(|i| i % 2));
    let mut mods = vec!["q"];
    mods.extend(["t"; 10]);
    for dtype in [DType::F32, DType::F64] {
        for batch in [0, 3] {
            let f = set(&rows, &labels, &mods, dtype);
            let t = eval::retrieval(&f, &RetrievalOpts { batch, ..all() }).unwrap();
            assert_eq!(t.get("q", "t").unwrap(), 0.5, "{dtype:?}");
            // Within t: 4 of the other 9 are relevant, all tied.
            let within = t.pair("t", "t").unwrap();
            for ap in &within.ap {
                assert!((ap.unwrap() - 4.0 / 9.0).abs() < 1e-15, "{ap:?}");
            }
        }
    }
}

/// [`check_against_fixture`] with every row padded by zeros to `width` (same cosines).
fn check_padded(name: &str, dtype: DType, batch: usize, width: usize) {
    let mut v = fixture(name);
    for row in v["x"].as_array_mut().unwrap() {
        let r = row.as_array_mut().unwrap();
        r.resize(width.max(r.len()), Value::from(0.0));
    }
    let f = features(&v, dtype);
    let t = eval::retrieval(&f, &RetrievalOpts { batch, ..all() }).unwrap();
    for e in v["per_query"].as_array().unwrap() {
        let q = e["query"].as_u64().unwrap() as usize;
        let target = e["target"].as_str().unwrap();
        let pair = t.pair(&f.modalities[q], target).unwrap();
        let k = pair.queries.iter().position(|&r| r == q).unwrap();
        match (e["ap"].as_f64(), pair.ap[k]) {
            (Some(want), Some(got)) => assert!(
                (want - got).abs() < 1e-12,
                "{name} D={width} {dtype:?} batch {batch}: query {q} → {target}: AP {got} vs sklearn {want}"
            ),
            (None, None) => {}
            (want, got) => panic!("query {q} → {target}: {got:?} vs {want:?}"),
        }
    }
}

#[test]
fn retrieval_ap_matches_scikit_learn_on_sparse_rows_of_different_magnitudes() {
    // One-hot rows of any magnitude and power-of-two multiples of two patterns: rows of one
    // direction tie exactly, as their true cosines do (make_sparse_ties.py).
    for dtype in [DType::F32, DType::F64] {
        check_against_fixture("retrieval_sparse_ties.json", dtype, 0, 1e-12);
        check_against_fixture("retrieval_sparse_ties.json", dtype, 3, 1e-12);
        // Padded to D = 512: the symmetric all-queries path.
        check_padded("retrieval_sparse_ties.json", dtype, 0, 512);
    }
}

#[test]
fn ranks_tie_parallel_rows_of_any_magnitude() {
    // 1-d rows: every cosine is 1, so every match ties with every rival (rank N).
    let a = tensor(&[&[1.3], &[0.1], &[7.7], &[3.3]]);
    let b = tensor(&[&[2.9], &[10.1], &[0.3], &[6.1]]);
    for dtype in [DType::F32, DType::F64] {
        let r = eval::ranks(
            &a.to_dtype(dtype).unwrap(),
            &b.to_dtype(dtype).unwrap(),
            &RankOpts::default(),
        )
        .unwrap();
        assert_eq!(r.a_to_b.ranks, [4, 4, 4, 4], "{dtype:?}");
        assert_eq!(r.b_to_a.ranks, [4, 4, 4, 4], "{dtype:?}");
    }
    // f32 rows whose squares leave the f32 range still have unit cosines with their match.
    let a = tensor(&[&[1e25, 0.0], &[0.0, 3e-25]])
        .to_dtype(DType::F32)
        .unwrap();
    let b = tensor(&[&[2e-30, 0.0], &[0.0, 5e30]])
        .to_dtype(DType::F32)
        .unwrap();
    let r = eval::ranks(&a, &b, &RankOpts::default()).unwrap();
    assert_eq!(r.a_to_b.ranks, [1, 1]);
    assert_eq!(r.b_to_a.ranks, [1, 1]);
}

#[test]
fn transfer_maps_huge_label_ids_to_the_classes_present() {
    // 1-d features: label 5 below 0, label 10^12 above; test rows of label 7 were never seen
    // in training and count as wrong.
    let big = 1_000_000_000_000usize;
    let xs = [-2.0, -1.0, 1.0, 2.0, -1.5, 1.5, -3.0, 3.0, -1.0, 2.0, 0.5];
    let labels = [5, 5, big, big, 5, big, 5, big, 7, 7, big];
    let mods = ["a", "a", "a", "a", "a", "a", "b", "b", "b", "b", "b"];
    let rows: Vec<Vec<f64>> = xs.iter().map(|&v| vec![v]).collect();
    let f = set(&rows, &labels, &mods, DType::F32);
    let opts = TransferOpts {
        train: vec!["a".into()],
        test: vec!["b".into()],
        holdout: 0.0,
        ..Default::default()
    };
    let t = eval::transfer(&f, &opts).unwrap();
    // b: 5 at -3 (right), big at 3 and 0.5 (right), 7 at -1 and 2 (wrong): 3/5.
    assert_eq!(t.get("a", "b").unwrap(), 0.6, "{t}");
    // Training frequencies ½, ½ (5 and big); test: 1/5 of 5, 2/5 of big, 2/5 of 7 (0 by guess).
    assert!(
        (t.chance[0][0] - (0.5 * 0.2 + 0.5 * 0.4)).abs() < 1e-12,
        "{t}"
    );
    // Majority: a tie of counts goes to the smaller label, 5: 1/5 of b.
    assert!((t.majority[0][0] - 0.2).abs() < 1e-12, "{t}");
}

#[test]
fn transfer_rejects_a_negative_or_non_finite_l2_by_name() {
    let f = small_set(None);
    for l2 in [-10.0, f64::NAN, f64::INFINITY] {
        let opts = TransferOpts {
            train: vec!["img".into()],
            l2,
            ..Default::default()
        };
        let e = eval::transfer(&f, &opts).unwrap_err().to_string();
        assert!(
            e.contains("eval::transfer") && e.contains("'l2'") && e.contains(">= 0"),
            "{e}"
        );
    }
    let mut s = xmodal::script::session::Session::new(None);
    assert!(s
        .eval("let f = eval::features(tensor::from([[1.0], [2.0], [3.0], [4.0]]), [0, 1, 0, 1], [\"a\", \"a\", \"b\", \"b\"]);")
        .is_ok());
    let e = s
        .eval("eval::transfer(f, #{ train: \"a\", l2: -10.0 })")
        .unwrap_err();
    assert!(e.contains("'l2'") && e.contains("-10"), "{e}");
}

#[test]
fn csv_quotes_and_markdown_escapes_odd_modality_names() {
    let rows: Vec<Vec<f64>> = (0..6).map(|i| vec![1.0 + (i % 2) as f64, 1.0]).collect();
    let f = set(
        &rows,
        &[0, 1, 0, 1, 0, 1],
        &["img,v2", "img,v2", "say \"hi\"", "say \"hi\"", "a|b", "a|b"],
        DType::F64,
    );
    let t = eval::retrieval(&f, &all()).unwrap();
    let csv = t.to_csv_string();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 10, "{csv}");
    let row = |q: &str, tg: &str| {
        let p = t.pair(q, tg).unwrap();
        format!(
            "{},{},{},{},{},{},{}",
            match q {
                "img,v2" => "\"img,v2\"",
                "say \"hi\"" => "\"say \"\"hi\"\"\"",
                _ => "a|b",
            },
            match tg {
                "img,v2" => "\"img,v2\"",
                "say \"hi\"" => "\"say \"\"hi\"\"\"",
                _ => "a|b",
            },
            if q == tg { "within" } else { "cross" },
            p.map,
            p.chance,
            p.queries.len(),
            p.skipped()
        )
    };
    assert_eq!(lines[1], row("img,v2", "img,v2"));
    assert_eq!(lines[2], row("img,v2", "say \"hi\""));
    assert_eq!(lines[3], row("img,v2", "a|b"));
    assert_eq!(lines[4], row("say \"hi\"", "img,v2"));
    let md = t.to_markdown();
    assert!(md.contains("| IMG,V2 → A\\|B |"), "{md}");
    assert!(md.contains("| A\\|B |"), "{md}");
    // Every markdown row has as many unescaped bars as the header.
    let bars = |l: &str| l.replace("\\|", "").matches('|').count();
    let md_lines: Vec<&str> = md.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(bars(md_lines[0]), bars(md_lines[2]), "{md}");
    assert_eq!(bars(md_lines[3]), bars(md_lines[5]), "{md}");
    let c = eval::compare(&[("m|1".into(), t.clone())]).unwrap();
    let cm = c.to_markdown();
    assert!(cm.contains("| m\\|1 |") && cm.contains("A\\|B"), "{cm}");
}

#[test]
fn compare_accepts_the_same_modalities_in_another_order() {
    let v = fixture("retrieval_random.json");
    let f = features(&v, DType::F64);
    // The same rows with dsc first: modalities [dsc, nat, clp].
    let order: Vec<usize> = (0..f.len())
        .filter(|&i| f.modalities[i] == "dsc")
        .chain((0..f.len()).filter(|&i| f.modalities[i] != "dsc"))
        .collect();
    let g = FeatureSet::new(
        f.select_rows(&order).unwrap(),
        order.iter().map(|&i| f.labels[i]).collect(),
        order.iter().map(|&i| f.modalities[i].clone()).collect(),
    )
    .unwrap();
    let a = eval::retrieval(&f, &all()).unwrap();
    let b = eval::retrieval(&g, &all()).unwrap();
    assert_eq!(b.modalities, ["dsc", "nat", "clp"]);
    let c = eval::compare(&[("a".into(), a.clone()), ("b".into(), b.clone())]).unwrap();
    assert_eq!(c.modalities, ["nat", "clp", "dsc"]);
    assert_eq!(c.columns, a.columns());
    for (j, (q, tg)) in c.columns.iter().enumerate() {
        assert_eq!(c.cross[0][j], a.get(q, tg).unwrap());
        assert!((c.cross[1][j] - b.get(q, tg).unwrap()).abs() < 1e-15);
        assert!((c.cross[1][j] - c.cross[0][j]).abs() < 1e-12, "{q}→{tg}");
    }
    for (k, m) in c.modalities.iter().enumerate() {
        assert_eq!(c.within[1][k], b.get(m, m).unwrap());
        assert!((c.within[1][k] - c.within[0][k]).abs() < 1e-12, "{m}");
    }
    assert!((c.mean[1] - c.mean[0]).abs() < 1e-12);
    // A different set of modalities is still an error.
    let h = FeatureSet::new(
        f.x.clone(),
        f.labels.clone(),
        f.modalities
            .iter()
            .map(|m| if m == "dsc" { "snd".into() } else { m.clone() })
            .collect(),
    )
    .unwrap();
    let other = eval::retrieval(&h, &all()).unwrap();
    let e = eval::compare(&[("a".into(), a), ("h".into(), other)])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'h'") && e.contains("nat, clp, snd") && e.contains("nat, clp, dsc"),
        "{e}"
    );
}

#[test]
fn help_of_concat_and_compare_describes_each() {
    let engine = xmodal::script::engine(None);
    let docs = xmodal::script::docs::collect(&engine);
    let doc = |name: &str| {
        docs.iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("no entry {name}"))
            .doc
            .clone()
    };
    let concat = doc("eval::concat");
    assert!(concat.starts_with("Stack the rows"), "{concat}");
    assert!(!concat.contains("eval::compare"), "{concat}");
    let compare = doc("eval::compare");
    assert!(!compare.contains("Stack the rows"), "{compare}");
    let transfer = doc("eval::transfer");
    assert!(!transfer.contains("majority-class accuracy"), "{transfer}");
    assert!(transfer.contains("p_fit"), "{transfer}");
}
