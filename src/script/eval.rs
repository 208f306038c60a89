//! `eval::` — cross-modal retrieval mAP, paired ranks, classifier transfer and method
//! comparison, over the Rust core in `crate::eval`.

use super::convert::{guard, guard_at, index, strings, RhaiResult};
use super::options::Opts;
use super::value::ScriptTensor;
use crate::error::{Error, Result};
use crate::eval::{
    self, Comparison, FeatureSet, LinReg, PairedRanks, Queries, RankOpts, RankStats, RetrievalOpts,
    RetrievalTable, TransferOpts, TransferTable,
};
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};

/// Register the evaluation types and the `eval::` namespace.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<FeatureSet>("FeatureSet");
    engine.register_type_with_name::<RetrievalTable>("RetrievalTable");
    engine.register_type_with_name::<PairedRanks>("PairedRanks");
    engine.register_type_with_name::<TransferTable>("TransferTable");
    engine.register_type_with_name::<Comparison>("Comparison");
    engine.register_type_with_name::<LinReg>("LinReg");
    let mut module = exported_module!(eval_api);
    module.combine_flatten(exported_module!(super::net::eval_extra));
    engine.register_static_module("eval", module.into());
}

/// Integer labels from an array of integers or a 1-d tensor.
fn labels(op: &str, d: &Dynamic) -> Result<Vec<usize>> {
    if let Some(t) = d.read_lock::<ScriptTensor>() {
        return crate::tensor::to_f64_vec(t.tensor())?
            .into_iter()
            .map(|v| {
                if v >= 0.0 && v.fract() == 0.0 {
                    Ok(v as usize)
                } else {
                    Err(Error::invalid(
                        op,
                        "labels",
                        format!("labels must be integers >= 0, found {v}"),
                    ))
                }
            })
            .collect();
    }
    let arr = d.read_lock::<Array>().ok_or_else(|| {
        Error::invalid(
            op,
            "labels",
            format!(
                "expected an array of integers or a Tensor, got {}",
                d.type_name()
            ),
        )
    })?;
    arr.iter().map(|x| index(op, "labels", x)).collect()
}

fn map_of(stats: &RankStats) -> Map {
    let mut m = Map::new();
    m.insert("median_rank".into(), Dynamic::from(stats.median_rank));
    m.insert("mean_rank".into(), Dynamic::from(stats.mean_rank));
    m.insert("r1".into(), Dynamic::from(stats.r1));
    m.insert("r5".into(), Dynamic::from(stats.r5));
    m.insert("r10".into(), Dynamic::from(stats.r10));
    m.insert(
        "ranks".into(),
        Dynamic::from_array(
            stats
                .ranks
                .iter()
                .map(|&r| Dynamic::from(r as INT))
                .collect(),
        ),
    );
    m
}

fn floats(v: &[f64]) -> Dynamic {
    Dynamic::from_array(v.iter().map(|&x| Dynamic::from(x as FLOAT)).collect())
}

fn matrix(v: &[Vec<f64>]) -> Array {
    v.iter().map(|r| floats(r)).collect()
}

/// The options of `eval::retrieval` (`queries` [1000] or "all", `seed` [--seed], `batch` [0]).
pub fn retrieval_options(op: &str, opts: Map) -> crate::error::Result<RetrievalOpts> {
    let o = Opts::new(op, opts, &["queries", "seed", "batch"])?;
    let queries = match o.get("queries") {
        None => Queries::Sample(1000),
        Some(d) if d.is_string() => {
            o.choice("queries", "all", &["all"])?;
            Queries::All
        }
        Some(_) => Queries::Sample(o.usize("queries", 1000)?),
    };
    Ok(RetrievalOpts {
        queries,
        seed: o.seed()?,
        batch: o.usize("batch", 0)?,
    })
}

#[export_module]
pub mod eval_api {
    use super::*;

    /// A feature set from an N×D tensor, N integer labels (array or tensor) and N modality
    /// names, the input of `eval::retrieval` and `eval::transfer`. Lengths must agree.
    ///
    /// ```rhai
    /// let f = eval::features(tensor::randn([4, 8], #{ seed: 1 }), [0, 1, 0, 1], ["img", "img", "snd", "snd"]);
    /// print(f.len == 4);   // true
    /// ```
    #[rhai_fn(return_raw)]
    pub fn features(
        ctx: NativeCallContext,
        x: ScriptTensor,
        labels: Dynamic,
        modalities: Dynamic,
    ) -> RhaiResult<FeatureSet> {
        guard_at(ctx.call_position(), "eval::features", || {
            FeatureSet::new(
                x.tensor().clone(),
                super::labels("eval::features", &labels)?,
                strings("eval::features", "modalities", &modalities)?,
            )
        })
    }

    /// Retrieval mAP with the paper's protocol (1000 random queries per modality, run seed).
    #[rhai_fn(return_raw)]
    pub fn retrieval(ctx: NativeCallContext, features: FeatureSet) -> RhaiResult<RetrievalTable> {
        retrieval_opts(ctx, features, Map::new())
    }

    /// Cross-modal and within-modal retrieval: each query ranks every item of each modality by
    /// cosine similarity; AP uses the label as relevance, ties handled as scikit-learn's
    /// `average_precision_score` (a block of equal scores is one threshold; rows are scaled to
    /// unit length first, so parallel 1-d or one-hot rows of any magnitude tie exactly). Within-modal
    /// leaves the query out. Features holding NaN/inf are an error naming the first such row. Options: `queries: 1000` random queries per modality (or `"all"`),
    /// `seed: --seed (0)`, `batch: 0` (queries per matrix product; 0 picks blocks of ~8 MiB of
    /// scores, or, on the CPU with every row a query and D ≥ 512, the symmetric matrix once:
    /// half the products).
    /// Values are fractions; the table prints percentages in the paper's layout.
    ///
    /// ```rhai
    /// let x = tensor::from([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [1.0, 0.1], [0.1, 1.0], [0.0, 0.9]]);
    /// let f = eval::features(x, [0, 0, 1, 0, 1, 1], ["img", "img", "img", "snd", "snd", "snd"]);
    /// let t = eval::retrieval(f, #{ queries: "all" });
    /// print(t.get("img", "snd") == 1.0);   // true
    /// print(t);
    /// ```
    #[rhai_fn(name = "retrieval", return_raw)]
    pub fn retrieval_opts(
        ctx: NativeCallContext,
        features: FeatureSet,
        opts: Map,
    ) -> RhaiResult<RetrievalTable> {
        guard_at(ctx.call_position(), "eval::retrieval", || {
            eval::retrieval(&features, &retrieval_options("eval::retrieval", opts)?)
        })
    }

    /// Paired retrieval with every row of the other set as a candidate.
    #[rhai_fn(return_raw)]
    pub fn ranks(
        ctx: NativeCallContext,
        a: ScriptTensor,
        b: ScriptTensor,
    ) -> RhaiResult<PairedRanks> {
        ranks_opts(ctx, a, b, Map::new())
    }

    /// Paired retrieval (See-Hear-Read): row i of `a` matches row i of `b`. Ranks the true match
    /// by cosine similarity in both directions: median rank (1-based, open_clip's
    /// floor(median) + 1), mean rank, recall@1/5/10; ties count against the match; NaN/inf
    /// features are an error naming the row. Options:
    /// `pool: 0` (rank within the match plus pool − 1 random others; 0 = all rows),
    /// `seed: --seed (0)`, `batch: 0`. Properties `a_to_b` and `b_to_a` are maps
    /// `#{ median_rank, mean_rank, r1, r5, r10, ranks }`.
    ///
    /// ```rhai
    /// let a = tensor::from([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]);
    /// let r = eval::ranks(a, a, #{ pool: 2, seed: 3 });
    /// print(r.a_to_b.r1 == 1.0);   // true
    /// print(r);
    /// ```
    #[rhai_fn(name = "ranks", return_raw)]
    pub fn ranks_opts(
        ctx: NativeCallContext,
        a: ScriptTensor,
        b: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<PairedRanks> {
        guard_at(ctx.call_position(), "eval::ranks", || {
            let o = Opts::new("eval::ranks", opts, &["pool", "seed", "batch"])?;
            let opts = RankOpts {
                pool: o.usize("pool", 0)?,
                seed: o.seed()?,
                batch: o.usize("batch", 0)?,
            };
            eval::ranks(a.tensor(), b.tensor(), &opts)
        })
    }

    /// Classifier transfer: a multinomial logistic regression (L2, on the device, deterministic)
    /// is fit on each `train` modality and its accuracy measured on each `test` modality; on its
    /// own modality it is tested on held-out rows. Options: `train` (required: a name or a list),
    /// `test: every modality`, `l2: 1e-4` (a finite number >= 0), `iters: 300` (accelerated
    /// gradient steps), `holdout: 0.2` (fraction of the training modality held out),
    /// `seed: --seed (0)`. The classes are the distinct training labels (any integer ids); a
    /// test row whose label never occurs in training counts as wrong. Chance (`chance`, in
    /// brackets when printed) is the expected accuracy of guessing with the training class
    /// frequencies, Σ_c p_fit(c)·p_test(c); `majority` is the accuracy of always answering the
    /// most frequent training class. Features holding NaN/inf in a used row are an error naming
    /// the row.
    ///
    /// ```rhai
    /// let x = tensor::from([[2.0, 0.0], [1.5, 0.2], [0.0, 2.0], [0.2, 1.5], [2.0, 0.1], [0.1, 2.0]]);
    /// let f = eval::features(x, [0, 0, 1, 1, 0, 1], ["nat", "nat", "nat", "nat", "snd", "snd"]);
    /// let t = eval::transfer(f, #{ train: "nat", test: ["snd"], holdout: 0.0 });
    /// print(t.get("nat", "snd") == 1.0);   // true
    /// ```
    #[rhai_fn(return_raw)]
    pub fn transfer(
        ctx: NativeCallContext,
        features: FeatureSet,
        opts: Map,
    ) -> RhaiResult<TransferTable> {
        guard_at(ctx.call_position(), "eval::transfer", || {
            let op = "eval::transfer";
            let o = Opts::new(
                op,
                opts,
                &["train", "test", "l2", "iters", "holdout", "seed"],
            )?;
            if !o.has("train") {
                return Err(Error::invalid(
                    op,
                    "train",
                    "name the modality to fit on, e.g. #{ train: \"nat\" }",
                ));
            }
            let d = TransferOpts::default();
            let opts = TransferOpts {
                train: o.strings("train", &[])?,
                test: o.strings("test", &[])?,
                l2: o.f64("l2", d.l2)?,
                iters: o.usize("iters", d.iters)?,
                holdout: o.f64("holdout", d.holdout)?,
                seed: o.seed()?,
            };
            eval::transfer(&features, &opts)
        })
    }

    /// Several methods' retrieval tables side by side (Table 1 rows, then Table 3 rows):
    /// `eval::compare(#{ "BL-Ind": t1, "C": t2 })`. Rows follow the map's (sorted) key order.
    /// The result prints as a table and has `methods`, `columns`, `values`, `mean`, `within`.
    ///
    /// ```rhai
    /// let x = tensor::from([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1], [0.1, 1.0]]);
    /// let t = eval::retrieval(eval::features(x, [0, 1, 0, 1], ["a", "a", "b", "b"]), #{ queries: "all" });
    /// let c = eval::compare(#{ "first": t, "second": t });
    /// print(c.methods == ["first", "second"]);   // true
    /// print(c);
    /// ```
    #[rhai_fn(return_raw)]
    pub fn compare(ctx: NativeCallContext, tables: Map) -> RhaiResult<Comparison> {
        guard_at(ctx.call_position(), "eval::compare", || {
            let named = tables
                .iter()
                .map(|(k, v)| {
                    v.read_lock::<RetrievalTable>()
                        .map(|t| (k.to_string(), t.clone()))
                        .ok_or_else(|| {
                            Error::invalid(
                                "eval::compare",
                                k,
                                format!(
                                    "expected a RetrievalTable (from eval::retrieval), got {}",
                                    v.type_name()
                                ),
                            )
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            eval::compare(&named)
        })
    }

    // ---------------------------------------------------------------- FeatureSet

    /// Number of rows of a feature set.
    #[rhai_fn(global, pure, name = "len", get = "len")]
    pub fn fs_len(f: &mut FeatureSet) -> INT {
        f.len() as INT
    }

    /// Modality names in first-seen order.
    #[rhai_fn(global, pure, name = "modalities", get = "modalities")]
    pub fn fs_modalities(f: &mut FeatureSet) -> Array {
        f.modality_names().into_iter().map(Dynamic::from).collect()
    }

    /// The N×D features.
    #[rhai_fn(global, pure, name = "x", get = "x")]
    pub fn fs_x(f: &mut FeatureSet) -> ScriptTensor {
        ScriptTensor::new(f.x.clone())
    }

    /// The labels, one per row.
    #[rhai_fn(global, pure, name = "labels", get = "labels")]
    pub fn fs_labels(f: &mut FeatureSet) -> Array {
        f.labels.iter().map(|&l| Dynamic::from(l as INT)).collect()
    }

    /// `FeatureSet[N×D; nat 2050, clp 1954, …]`.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn fs_to_string(f: &mut FeatureSet) -> String {
        let counts: Vec<String> = f
            .modality_names()
            .iter()
            .map(|m| format!("{m} {}", f.modalities.iter().filter(|x| *x == m).count()))
            .collect();
        format!("FeatureSet[{}×{}; {}]", f.len(), f.dim(), counts.join(", "))
    }

    /// Same as `to_string`.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn fs_to_debug(f: &mut FeatureSet) -> String {
        fs_to_string(f)
    }

    // ---------------------------------------------------------------- RetrievalTable

    /// mAP (a fraction) of query modality `query` against target modality `target`.
    ///
    /// ```rhai
    /// let f = eval::features(tensor::from([[1.0, 0.0], [1.0, 0.2]]), [0, 0], ["a", "b"]);
    /// print(eval::retrieval(f).get("a", "b") == 1.0);   // true
    /// ```
    #[rhai_fn(global, pure, return_raw)]
    pub fn get(t: &mut RetrievalTable, query: &str, target: &str) -> RhaiResult<FLOAT> {
        guard("RetrievalTable.get", || t.get(query, target))
    }

    /// AP of every query of a pair (`()` where the target holds nothing relevant).
    #[rhai_fn(global, pure, return_raw)]
    pub fn aps(t: &mut RetrievalTable, query: &str, target: &str) -> RhaiResult<Array> {
        guard("RetrievalTable.aps", || {
            Ok(t.pair(query, target)?
                .ap
                .iter()
                .map(|a| a.map_or(Dynamic::UNIT, Dynamic::from))
                .collect())
        })
    }

    /// Mean mAP over the cross-modal pairs (Table 1's last column).
    #[rhai_fn(global, pure, name = "mean")]
    pub fn table_mean(t: &mut RetrievalTable) -> FLOAT {
        t.mean()
    }

    /// Within-modal mAP per modality (Table 3): `#{ nat: 0.19, … }`.
    #[rhai_fn(global, pure)]
    pub fn within(t: &mut RetrievalTable) -> Map {
        t.within()
            .into_iter()
            .map(|(m, v)| (m.into(), Dynamic::from(v)))
            .collect()
    }

    /// Expected mAP of random rankings, averaged over the cross-modal pairs.
    #[rhai_fn(global, pure)]
    pub fn chance(t: &mut RetrievalTable) -> FLOAT {
        t.chance()
    }

    /// Write one CSV row per pair: `query,target,kind,map,chance,queries,skipped`.
    #[rhai_fn(global, pure, name = "to_csv", return_raw)]
    pub fn table_to_csv(t: &mut RetrievalTable, path: &str) -> RhaiResult<()> {
        guard("RetrievalTable.to_csv", || t.to_csv(path))
    }

    /// Write the table, per-query APs included, as JSON.
    #[rhai_fn(global, pure, name = "to_json", return_raw)]
    pub fn table_to_json(t: &mut RetrievalTable, path: &str) -> RhaiResult<()> {
        guard("RetrievalTable.to_json", || t.to_json(path))
    }

    /// The cross-modal (Table 1) and within-modal (Table 3) rows as Markdown, in percent.
    #[rhai_fn(global, pure, name = "to_markdown")]
    pub fn table_to_markdown(t: &mut RetrievalTable) -> String {
        t.to_markdown()
    }

    /// The table in the paper's layout.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn table_to_string(t: &mut RetrievalTable) -> String {
        t.to_string()
    }

    /// `RetrievalTable[modalities; protocol; mean mAP]`.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn table_to_debug(t: &mut RetrievalTable) -> String {
        format!(
            "RetrievalTable[{}; {}; mean {:.4}]",
            t.modalities.join(", "),
            t.protocol,
            t.mean()
        )
    }

    /// Ridge regression with the default penalty (`l2: 1e-3`).
    #[rhai_fn(return_raw)]
    pub fn linreg(ctx: NativeCallContext, x: ScriptTensor, y: ScriptTensor) -> RhaiResult<LinReg> {
        linreg_opts(ctx, x, y, Map::new())
    }

    /// Ridge (L2) linear regression from paired rows `x` (N×D_in) to `y` (N×D_out), with an
    /// intercept: See-Hear-Read's "Linear Reg." baseline, which maps raw sound or text features
    /// into the image network's representation. The penalty is λ = l2 × the mean squared norm of
    /// the centred rows of x, so `l2` is scale-free. Closed form (Cholesky, f64). Options:
    /// `l2: 1e-3`. The result has `predict(x)` and `lambda`.
    ///
    /// ```rhai
    /// let x = tensor::from([[1.0], [2.0], [3.0]]);
    /// let r = eval::linreg(x, tensor::from([[2.0], [4.0], [6.5]]), #{ l2: 0.75 });
    /// // λ = 0.75 · 2/3 = 0.5; slope 4.5 / (2 + 0.5) = 1.8 through the means (2, 25/6).
    /// // Predictions come back in the input dtype (f32 here).
    /// assert((r.predict(tensor::from([[4.0]])).item() - (3.6 + 25.0 / 6.0)).abs() < 1e-5, "1.8 · 2 + 25/6");
    /// ```
    #[rhai_fn(name = "linreg", return_raw)]
    pub fn linreg_opts(
        ctx: NativeCallContext,
        x: ScriptTensor,
        y: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<LinReg> {
        guard_at(ctx.call_position(), "eval::linreg", || {
            let o = Opts::new("eval::linreg", opts, &["l2"])?;
            LinReg::fit(x.tensor(), y.tensor(), o.f64("l2", 1e-3)?)
        })
    }

    /// The regression's predictions for rows `x` (M×D_in).
    #[rhai_fn(global, pure, return_raw)]
    pub fn predict(
        ctx: NativeCallContext,
        r: &mut LinReg,
        x: ScriptTensor,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "LinReg.predict", || {
            Ok(ScriptTensor::new(r.predict(x.tensor())?))
        })
    }

    /// The penalty λ the regression used (l2 × mean squared norm of the centred rows).
    #[rhai_fn(global, pure, name = "lambda", get = "lambda")]
    pub fn linreg_lambda(r: &mut LinReg) -> FLOAT {
        r.lambda
    }

    /// A one-line description.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn linreg_to_string(r: &mut LinReg) -> String {
        format!(
            "LinReg({}→{}, λ={})",
            r.w.dims()[0],
            r.w.dims()[1],
            r.lambda
        )
    }

    /// Same as `to_string`.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn linreg_to_debug(r: &mut LinReg) -> String {
        linreg_to_string(r)
    }

    // ---------------------------------------------------------------- PairedRanks

    /// Ranks with queries from `a`: `#{ median_rank, mean_rank, r1, r5, r10, ranks }`.
    #[rhai_fn(global, pure, name = "a_to_b", get = "a_to_b")]
    pub fn a_to_b(r: &mut PairedRanks) -> Map {
        map_of(&r.a_to_b)
    }

    /// Ranks with queries from `b`.
    #[rhai_fn(global, pure, name = "b_to_a", get = "b_to_a")]
    pub fn b_to_a(r: &mut PairedRanks) -> Map {
        map_of(&r.b_to_a)
    }

    /// Both directions as a small table.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn ranks_to_string(r: &mut PairedRanks) -> String {
        r.to_string()
    }

    /// Same as `to_string`.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn ranks_to_debug(r: &mut PairedRanks) -> String {
        r.to_string()
    }

    // ---------------------------------------------------------------- TransferTable

    /// Accuracy of the classifier fit on `train`, tested on `test`.
    #[rhai_fn(global, pure, name = "get", return_raw)]
    pub fn transfer_get(t: &mut TransferTable, train: &str, test: &str) -> RhaiResult<FLOAT> {
        guard("TransferTable.get", || t.get(train, test))
    }

    /// Accuracies as an array of rows (train) of columns (test).
    #[rhai_fn(global, pure, name = "accuracy", get = "accuracy")]
    pub fn transfer_accuracy(t: &mut TransferTable) -> Array {
        matrix(&t.accuracy)
    }

    /// Chance accuracies, same layout as `accuracy`: the expected accuracy of guessing with the
    /// training class frequencies, Σ_c p_fit(c)·p_test(c) (1/C for balanced classes).
    #[rhai_fn(global, pure, name = "chance", get = "chance")]
    pub fn transfer_chance(t: &mut TransferTable) -> Array {
        matrix(&t.chance)
    }

    /// Accuracies of always answering the most frequent training class, same layout as
    /// `accuracy` (a baseline that can fall below chance when the test classes differ).
    #[rhai_fn(global, pure, name = "majority", get = "majority")]
    pub fn transfer_majority(t: &mut TransferTable) -> Array {
        matrix(&t.majority)
    }

    /// The train × test matrix in percent, chance in brackets.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn transfer_to_string(t: &mut TransferTable) -> String {
        t.to_string()
    }

    /// Same as `to_string`.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn transfer_to_debug(t: &mut TransferTable) -> String {
        t.to_string()
    }

    // ---------------------------------------------------------------- Comparison

    /// Method names, one per row.
    #[rhai_fn(global, pure, name = "methods", get = "methods")]
    pub fn cmp_methods(c: &mut Comparison) -> Array {
        c.methods.iter().cloned().map(Dynamic::from).collect()
    }

    /// Cross-modal columns as `[query, target]` pairs.
    #[rhai_fn(global, pure, name = "columns", get = "columns")]
    pub fn cmp_columns(c: &mut Comparison) -> Array {
        c.columns
            .iter()
            .map(|(q, t)| {
                Dynamic::from_array(vec![Dynamic::from(q.clone()), Dynamic::from(t.clone())])
            })
            .collect()
    }

    /// Cross-modal mAPs: one row per method, one column per `columns` entry.
    #[rhai_fn(global, pure, name = "values", get = "values")]
    pub fn cmp_values(c: &mut Comparison) -> Array {
        matrix(&c.cross)
    }

    /// Mean cross-modal mAP per method.
    #[rhai_fn(global, pure, get = "mean")]
    pub fn cmp_mean(c: &mut Comparison) -> Array {
        c.mean.iter().map(|&v| Dynamic::from(v)).collect()
    }

    /// Within-modal mAPs: one row per method, one column per modality.
    #[rhai_fn(global, pure, get = "within")]
    pub fn cmp_within(c: &mut Comparison) -> Array {
        matrix(&c.within)
    }

    /// Table 1 and Table 3 rows as Markdown.
    #[rhai_fn(global, pure, name = "to_markdown")]
    pub fn cmp_to_markdown(c: &mut Comparison) -> String {
        c.to_markdown()
    }

    /// The methods side by side in the paper's layout.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn cmp_to_string(c: &mut Comparison) -> String {
        c.to_string()
    }

    /// Same as `to_string`.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn cmp_to_debug(c: &mut Comparison) -> String {
        c.to_string()
    }
}
