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
