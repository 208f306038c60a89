//! Retrieval examples (CMPlaces Figure 4): a few queries per modality and their top-k matches in
//! every other modality, ranked by cosine similarity of one layer's features, as
//! [`crate::eval::retrieval`] ranks them (features from [`crate::eval::extract::features`]).

use crate::data::Dataset;
use crate::error::{Context, Error, Result};
use crate::nn::CrossModalNet;

/// Options of [`examples`].
#[derive(Clone, Debug)]
pub struct ExampleOpts {
    /// Queries per modality (default 1), drawn with `seed`.
    pub queries: usize,
    /// Matches per target modality (default 4).
    pub k: usize,
    /// Layer (default "fc7").
    pub layer: String,
    /// Modalities (default: every modality of both the net and the data).
    pub modalities: Vec<String>,
    /// Seed of the query draw (default 0).
    pub seed: u64,
    /// Items per forward pass (default 128).
    pub batch: usize,
}

impl Default for ExampleOpts {
    fn default() -> Self {
        ExampleOpts {
            queries: 1,
            k: 4,
            layer: "fc7".into(),
            modalities: vec![],
            seed: 0,
            batch: 128,
        }
    }
}

/// One retrieved item.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// Index in its modality.
    pub item: usize,
    pub label: usize,
    /// Cosine similarity to the query.
    pub score: f64,
}

/// A query and its matches per target modality.
#[derive(Clone, Debug)]
pub struct Example {
    pub modality: String,
    pub item: usize,
    pub label: usize,
    /// (target modality, top-k matches, best first), every modality but the query's, in the
    /// data set's order.
    pub targets: Vec<(String, Vec<Match>)>,
}

/// The modalities of both `net` and `ds`, or the requested ones (checked).
pub fn shared_modalities(
    op: &str,
    net: &CrossModalNet,
    ds: &Dataset,
    wanted: &[String],
) -> Result<Vec<String>> {
    let shared: Vec<String> = ds
        .modalities()
        .into_iter()
        .filter(|m| net.modality_names().contains(m))
        .collect();
    if wanted.is_empty() {
        if shared.is_empty() {
            return Err(Error::invalid(
                op,
                "data",
                "the net and the data share no modality",
            ));
        }
        return Ok(shared);
    }
    for m in wanted {
        if !shared.contains(m) {
            return Err(Error::invalid(
                op,
                "modalities",
                format!(
                    "'{m}' is not a modality of both the net and the data; they share: {}",
                    shared.join(", ")
                ),
            ));
        }
    }
    Ok(wanted.to_vec())
}

/// Queries and their top-k matches in every other modality.
pub fn examples(net: &CrossModalNet, ds: &Dataset, o: &ExampleOpts) -> Result<Vec<Example>> {
    let op = "plot::retrievals";
    if o.queries == 0 || o.k == 0 {
        return Err(Error::invalid(
            op,
            "queries",
            "queries and k must be at least 1",
        ));
    }
    let mods = shared_modalities(op, net, ds, &o.modalities)?;
    if mods.len() < 2 {
        return Err(Error::invalid(
            op,
            "modalities",
            "cross-modal retrieval needs at least two modalities",
        ));
    }
    let data = ds.only(&mods)?;
    let f = crate::eval::extract::features(net, &data, &o.layer, o.batch.max(1))?;
    let (_, d) = f.x.dims2().op(op)?;
    let x = crate::tensor::to_f64_vec(&f.x)?;
    let unit = |row: usize| -> Vec<f64> {
        let v = &x[row * d..(row + 1) * d];
        let n = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if n > 0.0 {
            v.iter().map(|a| a / n).collect()
        } else {
            vec![0.0; d]
        }
    };
    let rows: Vec<Vec<usize>> = mods.iter().map(|m| f.rows_of(m)).collect::<Result<_>>()?;
    let labels: Vec<Vec<usize>> = mods.iter().map(|m| data.labels(m)).collect::<Result<_>>()?;
    let normed: Vec<Vec<Vec<f64>>> = rows
        .iter()
        .map(|r| r.iter().map(|&i| unit(i)).collect())
        .collect();
    let mut rng = crate::tensor::create::rng(o.seed);
    let mut out = vec![];
    for (qm, m) in mods.iter().enumerate() {
        let n = rows[qm].len();
        let mut picks = rand::seq::index::sample(&mut rng, n, o.queries.min(n)).into_vec();
        picks.sort_unstable();
        for q in picks {
            let qv = &normed[qm][q];
            let mut targets = vec![];
            for (tm, t) in mods.iter().enumerate() {
                if tm == qm {
                    continue;
                }
                let mut scored: Vec<Match> = normed[tm]
                    .iter()
                    .enumerate()
                    .map(|(j, v)| Match {
                        item: j,
                        label: labels[tm][j],
                        score: qv.iter().zip(v).map(|(a, b)| a * b).sum(),
                    })
                    .collect();
                scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
                scored.truncate(o.k);
                targets.push((t.clone(), scored));
            }
            out.push(Example {
                modality: m.clone(),
                item: q,
                label: labels[qm][q],
                targets,
            });
        }
    }
    Ok(out)
}
