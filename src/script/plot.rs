//! `plot::` — charts as PNG or SVG (by the path's extension) from tensors, arrays and maps. The
//! drawing lives in `crate::viz::plot`; here arguments become chart structs.

use super::convert::{guard_at, number, RhaiResult};
use super::net::ScriptNet;
use super::options::Opts;
use super::value::ScriptTensor;
use super::viz::ScriptInverter;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::eval::{Comparison, RetrievalTable};
use crate::viz::plot::{
    self, bar::Bars, curves::Curves, heatmap::Heatmap, hist::Hist, line::Lines,
};
use crate::viz::plot::{inversions::Inversions, retrievals::Retrievals, units::UnitsChart};
use crate::viz::plot::{line::Series, scatter::subsample, scatter::Scatter, thumbs::Thumbs};
use crate::viz::units::Units;
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map};

/// Register the `plot::` namespace.
pub fn register(engine: &mut Engine) {
    engine.register_static_module("plot", exported_module!(plot_api).into());
}

/// An error naming the first NaN or infinite value of `v` (element `index` of `what`): a chart
/// would draw it at an axis edge or as an empty bar.
fn finite(op: &str, what: &str, v: &[f64]) -> Result<()> {
    match v.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::invalid(
            op,
            what,
            format!(
                "element {i} is {}; plots need finite numbers (drop or replace it first)",
                v[i]
            ),
        )),
    }
}

/// Finite numbers from a tensor (all elements) or an array of numbers.
fn numbers(op: &str, what: &str, d: &Dynamic) -> Result<Vec<f64>> {
    let v = any_numbers(op, what, d)?;
    finite(op, what, &v)?;
    Ok(v)
}

/// Numbers from a tensor (all elements) or an array of numbers.
fn any_numbers(op: &str, what: &str, d: &Dynamic) -> Result<Vec<f64>> {
    if let Some(t) = d.read_lock::<ScriptTensor>() {
        return crate::tensor::to_f64_vec(t.tensor());
    }
    let arr = d.read_lock::<Array>().ok_or_else(|| {
        Error::invalid(
            op,
            what,
            format!(
                "expected a Tensor or an array of numbers, got {}",
                d.type_name()
            ),
        )
    })?;
    arr.iter().map(|x| number(op, what, x)).collect()
}

/// Rows of a 2-D tensor or a nested array, each `cols` long when `cols` is given.
fn matrix(op: &str, what: &str, d: &Dynamic, cols: Option<usize>) -> Result<Vec<Vec<f64>>> {
    let rows: Vec<Vec<f64>> = if let Some(t) = d.read_lock::<ScriptTensor>() {
        let (r, c) = t.tensor().dims2().map_err(|_| {
            Error::invalid(
                op,
                what,
                format!("expected a 2-D tensor, got shape {:?}", t.tensor().dims()),
            )
        })?;
        let v = crate::tensor::to_f64_vec(t.tensor())?;
        (0..r).map(|i| v[i * c..(i + 1) * c].to_vec()).collect()
    } else {
        let (v, shape, _) = super::convert::nested(op, d)?;
        if shape.len() != 2 {
            return Err(Error::invalid(
                op,
                what,
                format!("expected a 2-D table, got shape {shape:?}"),
            ));
        }
        v.chunks(shape[1].max(1)).map(|r| r.to_vec()).collect()
    };
    for (r, row) in rows.iter().enumerate() {
        if let Some(c) = row.iter().position(|x| !x.is_finite()) {
            return Err(Error::invalid(
                op,
                what,
                format!(
                    "row {r}, column {c} is {}; plots need finite numbers (drop or replace it first)",
                    row[c]
                ),
            ));
        }
    }
    if let Some(c) = cols {
        if rows.iter().any(|r| r.len() != c) {
            return Err(Error::invalid(
                op,
                what,
                format!("expected {c} columns per row"),
            ));
        }
    }
    Ok(rows)
}

/// Group ids and names from labels: strings (groups in order of first appearance) or integers
/// (groups in numeric order, named by `names` when given, else by the number).
fn groups(
    op: &str,
    what: &str,
    d: &Dynamic,
    names: &[String],
) -> Result<(Vec<usize>, Vec<String>)> {
    let strings: Option<Vec<String>> = d
        .read_lock::<Array>()
        .and_then(|a| a.iter().map(|x| x.clone().into_string().ok()).collect());
    if let Some(s) = strings.filter(|s| !s.is_empty()) {
        let mut seen: Vec<String> = vec![];
        let ids = s
            .iter()
            .map(|x| match seen.iter().position(|y| y == x) {
                Some(i) => i,
                None => {
                    seen.push(x.clone());
                    seen.len() - 1
                }
            })
            .collect();
        return Ok((ids, seen));
    }
    let v = numbers(op, what, d)?;
    if v.iter().any(|x| *x < 0.0 || x.fract() != 0.0) {
        return Err(Error::invalid(
            op,
            what,
            "labels must be strings or non-negative integers",
        ));
    }
    let mut uniq: Vec<usize> = v.iter().map(|&x| x as usize).collect();
    uniq.sort_unstable();
    uniq.dedup();
    let ids = v
        .iter()
        .map(|&x| uniq.binary_search(&(x as usize)).unwrap_or(0))
        .collect();
    let label = |u: usize| names.get(u).cloned().unwrap_or_else(|| u.to_string());
    Ok((ids, uniq.into_iter().map(label).collect()))
}

/// The required `path` option.
fn path(o: &Opts) -> Result<String> {
    if !o.has("path") {
        return Err(Error::invalid(
            o.op(),
            "path",
            "missing: give #{ path: \"out.png\" } (.png or .svg)",
        ));
    }
    o.string("path", "")
}

/// The `size` option: [width, height] in pixels.
fn size(o: &Opts, default: (u32, u32)) -> Result<(u32, u32)> {
    match o.get("size") {
        None => Ok(default),
        Some(d) => {
            let v = any_numbers(o.op(), "size", d)?;
            if v.len() != 2 {
                return Err(Error::invalid(o.op(), "size", "expected [width, height]"));
            }
            let ok = |x: f64| x.fract() == 0.0 && (64.0..=plot::MAX_SIDE as f64).contains(&x);
            if !ok(v[0]) || !ok(v[1]) {
                return Err(Error::invalid(
                    o.op(),
                    "size",
                    format!(
                        "width and height must be whole numbers of pixels from 64 to {}, got [{}, {}]",
                        plot::MAX_SIDE,
                        v[0],
                        v[1]
                    ),
                ));
            }
            Ok((v[0] as u32, v[1] as u32))
        }
    }
}

/// Points of an N×2 tensor or table.
fn points(op: &str, d: &Dynamic) -> Result<Vec<(f64, f64)>> {
    Ok(matrix(op, "points", d, Some(2))?
        .into_iter()
        .map(|r| (r[0], r[1]))
        .collect())
}

/// Series from a map name → values (tensor/array; x = 0, 1, …) or a single unnamed series.
fn series(op: &str, d: &Dynamic, x: Option<&[f64]>) -> Result<Vec<Series>> {
    let with_x = |name: String, ys: Vec<f64>| -> Result<Series> {
        let xs: Vec<f64> = match x {
            Some(x) => {
                plot::check_len(op, &format!("x of series '{name}'"), x.len(), ys.len())?;
                x.to_vec()
            }
            None => (0..ys.len()).map(|i| i as f64).collect(),
        };
        Ok((name, xs.into_iter().zip(ys).collect()))
    };
    if let Some(m) = d.read_lock::<Map>() {
        let mut out = vec![];
        for (k, v) in m.iter() {
            out.push(with_x(k.to_string(), numbers(op, k, v)?)?);
        }
        return Ok(out);
    }
    Ok(vec![with_x(String::new(), numbers(op, "values", d)?)?])
}

fn scatter_chart(
    op: &str,
    pts: Vec<(f64, f64)>,
    colour: (Vec<usize>, Vec<String>),
    marker: (Vec<usize>, Vec<String>),
    o: &Opts,
) -> Result<()> {
    let keep = subsample(pts.len(), o.usize("max_points", 5000)?, o.seed()?);
    let pick = |v: &Vec<usize>| {
        if v.is_empty() {
            vec![]
        } else {
            keep.iter().map(|&i| v[i]).collect()
        }
    };
    let chart = Scatter {
        points: keep.iter().map(|&i| pts[i]).collect(),
        colour: pick(&colour.0),
        colour_names: colour.1,
        marker: pick(&marker.0),
        marker_names: marker.1,
        title: o.string("title", "")?,
        x_label: o.string("x_label", "")?,
        y_label: o.string("y_label", "")?,
        size: o.usize("marker_size", 4)? as u32,
    };
    let _ = op;
    plot::save(&chart, path(o)?, size(o, (1200, 900))?)
}

/// Options shared by the figures of inputs: `title`, `tile` (pixels per tile) and `size`
/// (overrides `tile`).
const FIGURE_KEYS: &[&str] = &["title", "tile", "size"];

/// The picture size of a figure: `size` if given, else what gives tiles of `tile` pixels.
fn figure_size(o: &Opts, tile: u32, size_for: impl Fn(u32) -> (u32, u32)) -> Result<(u32, u32)> {
    let t = o.usize("tile", tile as usize)?;
    if !(8..=1024).contains(&t) {
        return Err(Error::invalid(
            o.op(),
            "tile",
            format!("from 8 to 1024 pixels, got {t}"),
        ));
    }
    let t = t as u32;
    size(o, size_for(t))
}

fn with_keys(extra: &[&'static str]) -> Vec<&'static str> {
    let mut k: Vec<&'static str> = FIGURE_KEYS.to_vec();
    k.extend_from_slice(extra);
    k
}

fn draw_units(u: &Units, opts: Map, path: &str) -> Result<()> {
    let o = Opts::new("plot::units", opts, FIGURE_KEYS)?;
    let chart = UnitsChart::from_units(u, &o.string("title", "")?)?;
    let sz = figure_size(&o, 80, |t| chart.size_for(t))?;
    plot::save(&chart, path, sz)
}

fn draw_retrievals(net: &ScriptNet, data: &Dataset, opts: Map, path: &str) -> Result<()> {
    const OP: &str = "plot::retrievals";
    let o = Opts::new(
        OP,
        opts,
        &with_keys(&["queries", "k", "layer", "seed", "modalities", "batch"]),
    )?;
    let d = crate::viz::retrieve::ExampleOpts::default();
    let eo = crate::viz::retrieve::ExampleOpts {
        queries: o.usize("queries", d.queries)?,
        k: o.usize("k", d.k)?,
        layer: o.choice("layer", &d.layer, &crate::nn::Activations::ACCEPTED)?,
        modalities: o.strings("modalities", &[])?,
        seed: o.seed()?,
        batch: o.usize("batch", d.batch)?,
    };
    let ex = crate::viz::retrieve::examples(&*net.read()?, data, &eo)?;
    let chart = Retrievals::from_examples(&ex, data, &eo.layer, &o.string("title", "")?)?;
    let sz = figure_size(&o, 96, |t| chart.size_for(t))?;
    plot::save(&chart, path, sz)
}

fn draw_inversions(
    net: &ScriptNet,
    inv: &ScriptInverter,
    data: &Dataset,
    opts: Map,
    path: &str,
) -> Result<()> {
    const OP: &str = "plot::inversions";
    let o = Opts::new(
        OP,
        opts,
        &with_keys(&["per_modality", "seed", "modalities"]),
    )?;
    let chart = Inversions::build(
        &*net.read()?,
        &inv.0,
        data,
        &o.strings("modalities", &[])?,
        o.usize("per_modality", 6)?,
        o.seed()?,
        &o.string("title", "")?,
    )?;
    let sz = figure_size(&o, 80, |t| chart.size_for(t))?;
    plot::save(&chart, path, sz)
}

/// The query × target mAP matrix of a retrieval table (within-modal on the diagonal).
fn map_matrix(t: &RetrievalTable) -> Result<(Vec<Vec<f64>>, Vec<String>)> {
    let mods = t.modalities.clone();
    let mut m = vec![];
    for q in &mods {
        let mut row = vec![];
        for tg in &mods {
            // A table made without within-modal pairs leaves the diagonal blank.
            row.push(if q == tg {
                t.get(q, q).unwrap_or(f64::NAN)
            } else {
                t.get(q, tg)?
            });
        }
        m.push(row);
    }
    Ok((m, mods.iter().map(|m| m.to_uppercase()).collect()))
}

fn draw_map_heatmap(t: &RetrievalTable, o: &Opts) -> Result<()> {
    let (values, names) = map_matrix(t)?;
    let pct = o.bool("percent", true)?;
    let values = if pct {
        values
            .into_iter()
            .map(|r| r.into_iter().map(|v| v * 100.0).collect())
            .collect()
    } else {
        values
    };
    let chart = Heatmap {
        values,
        rows: names.clone(),
        cols: names,
        title: o.string(
            "title",
            if pct {
                "Retrieval mAP (%)"
            } else {
                "Retrieval mAP"
            },
        )?,
        row_label: "query".into(),
        col_label: "target (diagonal: within-modal)".into(),
        decimals: o.usize("decimals", if pct { 1 } else { 2 })?,
    };
    plot::save(&chart, path(o)?, size(o, (1000, 900))?)
}

/// The layers in their network order, then any others alphabetically.
fn layer_order(mut layers: Vec<String>) -> Vec<String> {
    let rank = |l: &str| {
        crate::nn::Activations::NAMES
            .iter()
            .position(|x| *x == l)
            .unwrap_or(9)
    };
    layers.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    layers.dedup();
    layers
}

/// Method rows from a Comparison, a map method → (layer → table) or an array of
/// [method, (layer → table)] pairs: (groups, series).
/// Named bar series: (method, one value per group).
type Series2 = Vec<(String, Vec<f64>)>;

fn compare_series(op: &str, d: &Dynamic) -> Result<(Vec<String>, Series2)> {
    if let Some(c) = d.read_lock::<Comparison>() {
        let series = c
            .methods
            .iter()
            .enumerate()
            .map(|(i, m)| (m.clone(), vec![c.mean[i], c.within_mean[i]]))
            .collect();
        return Ok((vec!["cross-modal".into(), "within-modal".into()], series));
    }
    let rows: Vec<(String, Dynamic)> = if let Some(m) = d.read_lock::<Map>() {
        m.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    } else if let Some(a) = d.read_lock::<Array>() {
        a.iter()
            .enumerate()
            .map(|(i, r)| {
                let pair = r
                    .read_lock::<Array>()
                    .filter(|p| p.len() == 2)
                    .map(|p| p.clone());
                let pair = pair.ok_or_else(|| {
                    Error::invalid(
                        op,
                        "tables",
                        format!("row {i} must be [method, #{{ layer: RetrievalTable }}]"),
                    )
                })?;
                let name = pair[0].clone().into_string().map_err(|_| {
                    Error::invalid(
                        op,
                        "tables",
                        format!("row {i}: the method name must be a string"),
                    )
                })?;
                Ok((name, pair[1].clone()))
            })
            .collect::<Result<_>>()?
    } else {
        return Err(Error::invalid(
            op,
            "tables",
            format!("expected a Comparison, a map method → #{{ layer: RetrievalTable }} or an array of [method, map] pairs, got {}", d.type_name()),
        ));
    };
    let mut per: Vec<(String, Vec<(String, f64)>)> = vec![];
    let mut layers = vec![];
    for (name, v) in rows {
        let mut vals = vec![];
        if let Some(t) = v.read_lock::<RetrievalTable>() {
            // A bare table is the fc7 one (as `eval::compare` makes them).
            vals.push(("fc7".to_string(), t.mean()));
            layers.push("fc7".to_string());
        } else if let Some(m) = v.read_lock::<Map>() {
            for (layer, t) in m.iter() {
                let t = t.read_lock::<RetrievalTable>().ok_or_else(|| {
                    Error::invalid(
                        op,
                        "tables",
                        format!(
                            "{name}.{layer} is a {}, not a RetrievalTable",
                            t.type_name()
                        ),
                    )
                })?;
                // `fc8` is the trunk's other name for the logits: one group.
                let layer = if layer.as_str() == "fc8" {
                    "logits"
                } else {
                    layer.as_str()
                };
                vals.push((layer.to_string(), t.mean()));
                layers.push(layer.to_string());
            }
        } else {
            return Err(Error::invalid(
                op,
                "tables",
                format!("{name}: expected a map layer → RetrievalTable"),
            ));
        }
        per.push((name, vals));
    }
    let layers = layer_order(layers);
    let series = per
        .into_iter()
        .map(|(name, vals)| {
            let v = layers
                .iter()
                .map(|l| {
                    vals.iter()
                        .find(|x| &x.0 == l)
                        .map(|x| x.1)
                        .unwrap_or(f64::NAN)
                })
                .collect();
            (name, v)
        })
        .collect();
    Ok((layers, series))
}

fn draw_compare(tables: &Dynamic, o: &Opts) -> Result<()> {
    let (groups, series) = compare_series(o.op(), tables)?;
    let pct = o.bool("percent", true)?;
    let series = if pct {
        series
            .into_iter()
            .map(|(n, v)| (n, v.into_iter().map(|x| x * 100.0).collect()))
            .collect()
    } else {
        series
    };
    let chart = Bars {
        groups,
        series,
        title: o.string(
            "title",
            "Mean cross-modal retrieval mAP per method and layer",
        )?,
        y_label: o.string("y_label", if pct { "mean mAP (%)" } else { "mean mAP" })?,
        decimals: o.usize("decimals", if pct { 1 } else { 2 })?,
    };
    plot::save(&chart, path(o)?, size(o, (1400, 800))?)
}

#[export_module]
pub mod plot_api {
    use super::*;

    /// The papers' Figure 5 from `viz::top_units`: one row per unit, one column group per
    /// modality with the unit's top inputs — images with the receptive-field mask (outside
    /// dimmed, outline yellow), sounds as spectrograms, descriptions as their tf-idf top words —
    /// the category under each input (green when it is the unit's) and the unit's category and
    /// score at the left. PNG or SVG by the extension.
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 3, per_category: 4, modalities: ["nat", "dsc"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 32, fc7: 32, seed: 1 });
    /// plot::units(viz::top_units(net, d, #{ units: 2, k: 3 }), "/tmp/xmodal_doc_units.png");
    /// ```
    #[rhai_fn(name = "units", return_raw)]
    pub fn units_default(ctx: NativeCallContext, result: Units, path: &str) -> RhaiResult<()> {
        guard_at(ctx.call_position(), "plot::units", || {
            draw_units(&result, Map::new(), path)
        })
    }

    /// `plot::units` with options: `title` (says layer and k), `tile` (80 px per input), `size`
    /// ([width, height], overrides `tile`).
    #[rhai_fn(name = "units", return_raw)]
    pub fn units_opts(
        ctx: NativeCallContext,
        result: Units,
        opts: Map,
        path: &str,
    ) -> RhaiResult<()> {
        guard_at(ctx.call_position(), "plot::units", || {
            draw_units(&result, opts, path)
        })
    }

    /// The papers' Figure 4: queries of every modality (`queries` per modality, drawn with
    /// `seed`) and their top-`k` matches in every other modality by cosine similarity of
    /// `layer` features, as eval::retrieval ranks them; matches of the query's category get a
    /// thick bluish-green frame and a tick, others a vermillion frame and a cross; texts are
    /// cards of words, sounds spectrograms. PNG or SVG by the extension.
    ///
    /// Options (defaults): `queries` [1] per modality, `k` [4], `layer` ["fc7"], `seed`
    /// [--seed], `modalities` [every modality of both the net and the data], `title`, `tile`
    /// [96 px], `size` (overrides `tile`), `batch` [128].
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 3, per_category: 3, modalities: ["nat", "dsc", "snd"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 32, fc7: 32, seed: 1 });
    /// plot::retrievals(net, d, #{ k: 3, seed: 2 }, "/tmp/xmodal_doc_retrievals.svg");
    /// ```
    #[rhai_fn(name = "retrievals", return_raw)]
    pub fn retrievals(
        ctx: NativeCallContext,
        net: ScriptNet,
        data: Dataset,
        opts: Map,
        path: &str,
    ) -> RhaiResult<()> {
        guard_at(ctx.call_position(), "plot::retrievals", || {
            draw_retrievals(&net, &data, opts, path)
        })
    }

    /// `plot::retrievals` with the default options.
    #[rhai_fn(name = "retrievals", return_raw)]
    pub fn retrievals_default(
        ctx: NativeCallContext,
        net: ScriptNet,
        data: Dataset,
        path: &str,
    ) -> RhaiResult<()> {
        guard_at(ctx.call_position(), "plot::retrievals", || {
            draw_retrievals(&net, &data, Map::new(), path)
        })
    }

    /// The papers' Figure 6: `per_modality` inputs of each modality (drawn with `seed`; the
    /// inverter's own modality first) and, under them, the inverter's reconstructions from the
    /// net's features, as images of the modality it was trained on.
    ///
    /// Options (defaults): `per_modality` [6], `seed` [--seed], `modalities` [every modality of
    /// both the net and the data], `title`, `tile` [80 px], `size` (overrides `tile`).
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 2, per_category: 3, modalities: ["nat", "dsc"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 32, fc7: 32, seed: 1 });
    /// let inv = viz::train_inverter(net, d, #{ size: 8, steps: 2, batch: 4, width: 16, quiet: true });
    /// plot::inversions(net, inv, d, #{ per_modality: 3 }, "/tmp/xmodal_doc_inversions.png");
    /// ```
    #[rhai_fn(name = "inversions", return_raw)]
    pub fn inversions(
        ctx: NativeCallContext,
        net: ScriptNet,
        inverter: ScriptInverter,
        data: Dataset,
        opts: Map,
        path: &str,
    ) -> RhaiResult<()> {
        guard_at(ctx.call_position(), "plot::inversions", || {
            draw_inversions(&net, &inverter, &data, opts, path)
        })
    }

    /// The query × target mAP matrix of a RetrievalTable with the values in the cells (percent;
    /// within-modal mAP on the diagonal), rows and columns named by modality.
    ///
    /// Options: `path` (required), `title`, `percent` (true), `decimals` (1; 2 without
    /// percent), `size` ([1000, 900]).
    ///
    /// ```rhai
    /// let labels = []; let mods = [];
    /// for i in 0..30 { labels.push(i % 3); mods.push(["nat", "clp", "dsc"][i / 10]); }
    /// let t = eval::retrieval(eval::features(tensor::randn([30, 4], #{ seed: 1 }), labels, mods), #{ queries: "all" });
    /// plot::map_heatmap(t, #{ path: "/tmp/xmodal_doc_map.svg", title: "random features" });
    /// plot::map_heatmap(t, "/tmp/xmodal_doc_map.png");
    /// ```
    #[rhai_fn(name = "map_heatmap", return_raw)]
    pub fn map_heatmap(ctx: NativeCallContext, table: RetrievalTable, opts: Map) -> RhaiResult<()> {
        const OP: &str = "plot::map_heatmap";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(OP, opts, &["path", "title", "percent", "decimals", "size"])?;
            draw_map_heatmap(&table, &o)
        })
    }

    /// `plot::map_heatmap(table, path)` with the default options.
    #[rhai_fn(name = "map_heatmap", return_raw)]
    pub fn map_heatmap_path(
        ctx: NativeCallContext,
        table: RetrievalTable,
        path: &str,
    ) -> RhaiResult<()> {
        const OP: &str = "plot::map_heatmap";
        guard_at(ctx.call_position(), OP, || {
            let mut m = Map::new();
            m.insert("path".into(), Dynamic::from(path.to_string()));
            draw_map_heatmap(&table, &Opts::new(OP, m, &["path"])?)
        })
    }

    /// The paper's Table 2 as a picture: grouped bars of mean cross-modal mAP, one group per
    /// layer and one bar per method, values on the bars. `tables` is a map method → #{ layer:
    /// RetrievalTable } (methods sorted by name), an array of [method, #{ layer: table }] pairs
    /// (order kept) or a Comparison (groups: cross-modal and within-modal mean).
    ///
    /// Options: `path` (required), `title`, `y_label`, `percent` (true), `decimals` (1; 2
    /// without percent), `size` ([1400, 800]).
    ///
    /// ```rhai
    /// let labels = []; let mods = [];
    /// for i in 0..20 { labels.push(i % 2); mods.push(if i < 10 { "nat" } else { "dsc" }); }
    /// let a = eval::retrieval(eval::features(tensor::randn([20, 4], #{ seed: 1 }), labels, mods), #{ queries: "all" });
    /// let b = eval::retrieval(eval::features(tensor::randn([20, 4], #{ seed: 2 }), labels, mods), #{ queries: "all" });
    /// plot::compare([["baseline", #{ pool5: a, fc7: b }], ["ours", #{ pool5: b, fc7: a }]], #{ path: "/tmp/xmodal_doc_compare.svg" });
    /// plot::compare(eval::compare(#{ A: a, B: b }), "/tmp/xmodal_doc_compare.png");
    /// ```
    #[rhai_fn(name = "compare", return_raw)]
    pub fn compare(ctx: NativeCallContext, tables: Dynamic, opts: Map) -> RhaiResult<()> {
        const OP: &str = "plot::compare";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(
                OP,
                opts,
                &["path", "title", "y_label", "percent", "decimals", "size"],
            )?;
            draw_compare(&tables, &o)
        })
    }

    /// `plot::compare(tables, path)` with the default options.
    #[rhai_fn(name = "compare", return_raw)]
    pub fn compare_path(ctx: NativeCallContext, tables: Dynamic, path: &str) -> RhaiResult<()> {
        const OP: &str = "plot::compare";
        guard_at(ctx.call_position(), OP, || {
            let mut m = Map::new();
            m.insert("path".into(), Dynamic::from(path.to_string()));
            draw_compare(&tables, &Opts::new(OP, m, &["path"])?)
        })
    }

    /// Scatter plot. `plot::scatter(points, labels, opts)` with an N×2 tensor (or table) and N
    /// labels (strings or integers, one colour each, with a legend), or `plot::scatter(x, y, opts)`
    /// with two equally long series (one colour).
    ///
    /// Options: `path` (required, .png or .svg), `title` (""), `x_label` (""), `y_label` (""),
    /// `names` (names of integer labels), `max_points` (5000, subsampled with `seed`),
    /// `marker_size` (4 px), `size` ([1200, 900]).
    ///
    /// ```rhai
    /// let p = tensor::randn([50, 2], #{ seed: 1 });
    /// let labels = [];
    /// for i in 0..50 { labels.push(i % 3); }
    /// plot::scatter(p, labels, #{ path: "/tmp/xmodal_doc_scatter.svg", title: "demo" });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn scatter(
        ctx: NativeCallContext,
        x: Dynamic,
        y_or_labels: Dynamic,
        opts: Map,
    ) -> RhaiResult<()> {
        const OP: &str = "plot::scatter";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(
                OP,
                opts,
                &[
                    "path",
                    "title",
                    "x_label",
                    "y_label",
                    "names",
                    "max_points",
                    "seed",
                    "marker_size",
                    "size",
                ],
            )?;
            let names = o.strings("names", &[])?;
            let two_d = x
                .read_lock::<ScriptTensor>()
                .map(|t| t.tensor().rank() == 2)
                .unwrap_or(false)
                || x.read_lock::<Array>()
                    .map(|a| a.first().map(|r| r.is_array()).unwrap_or(false))
                    .unwrap_or(false);
            if two_d {
                let pts = points(OP, &x)?;
                let g = groups(OP, "labels", &y_or_labels, &names)?;
                plot::check_len(OP, "labels", g.0.len(), pts.len())?;
                scatter_chart(OP, pts, g, (vec![], vec![]), &o)
            } else {
                let xs = numbers(OP, "x", &x)?;
                let ys = numbers(OP, "y", &y_or_labels)?;
                plot::check_len(OP, "y", ys.len(), xs.len())?;
                let n = xs.len();
                scatter_chart(
                    OP,
                    xs.into_iter().zip(ys).collect(),
                    (vec![0; n], vec![]),
                    (vec![], vec![]),
                    &o,
                )
            }
        })
    }

    /// The papers' t-SNE figure: an N×2 embedding, N category labels and N modality labels
    /// (strings or integers).
    ///
    /// Options: `path` (required), `color`: `"category"` | `"modality"` ("category"),
    /// `marker`: `"modality"` | `"none"` ("modality"), `title` (""), `names` (names of integer
    /// categories), `max_points` (5000, subsampled with `seed`), `marker_size` (4), `size`
    /// ([1200, 900]).
    ///
    /// ```rhai
    /// let y = tensor::randn([40, 2], #{ seed: 3 });
    /// let cats = [];
    /// let mods = [];
    /// for i in 0..40 { cats.push(i % 4); mods.push(if i < 20 { "natural" } else { "clipart" }); }
    /// plot::tsne(y, cats, mods, #{ path: "/tmp/xmodal_doc_tsne.svg", title: "fc7" });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn tsne(
        ctx: NativeCallContext,
        embedding: Dynamic,
        labels: Dynamic,
        modalities: Dynamic,
        opts: Map,
    ) -> RhaiResult<()> {
        const OP: &str = "plot::tsne";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(
                OP,
                opts,
                &[
                    "path",
                    "color",
                    "marker",
                    "title",
                    "names",
                    "max_points",
                    "seed",
                    "marker_size",
                    "size",
                ],
            )?;
            let pts = points(OP, &embedding)?;
            let cats = groups(OP, "labels", &labels, &o.strings("names", &[])?)?;
            let mods = groups(OP, "modalities", &modalities, &[])?;
            plot::check_len(OP, "labels", cats.0.len(), pts.len())?;
            plot::check_len(OP, "modalities", mods.0.len(), pts.len())?;
            let colour = match o
                .choice("color", "category", &["category", "modality"])?
                .as_str()
            {
                "modality" => mods.clone(),
                _ => cats,
            };
            let marker = match o
                .choice("marker", "modality", &["modality", "none"])?
                .as_str()
            {
                "modality" => mods,
                _ => (vec![], vec![]),
            };
            scatter_chart(OP, pts, colour, marker, &o)
        })
    }

    /// Line chart of one series (tensor or array; x = 0, 1, …) or of several (a map name →
    /// values), with a legend.
    ///
    /// Options: `path` (required), `x` (shared x values), `title`, `x_label`, `y_label` (""),
    /// `size` ([1200, 800]).
    ///
    /// ```rhai
    /// plot::line(#{ train: [3.0, 2.0, 1.5], val: [3.2, 2.4, 2.1] }, #{ path: "/tmp/xmodal_doc_line.svg", x_label: "epoch" });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn line(ctx: NativeCallContext, values: Dynamic, opts: Map) -> RhaiResult<()> {
        const OP: &str = "plot::line";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(
                OP,
                opts,
                &["path", "x", "title", "x_label", "y_label", "size"],
            )?;
            let x = match o.get("x") {
                Some(d) => Some(numbers(OP, "x", d)?),
                None => None,
            };
            let chart = Lines {
                series: series(OP, &values, x.as_deref())?,
                title: o.string("title", "")?,
                x_label: o.string("x_label", "")?,
                y_label: o.string("y_label", "")?,
            };
            plot::save(&chart, path(&o)?, size(&o, (1200, 800))?)
        })
    }

    /// Bar chart: an array of numbers (one bar per group) or a map series → array (grouped bars,
    /// e.g. methods × layers), with the values written above the bars.
    ///
    /// Options: `path` (required), `groups` (names along x; default "0", "1", …), `title`,
    /// `y_label` (""), `decimals` (2), `size` ([1200, 800]).
    ///
    /// ```rhai
    /// plot::bar(#{ "ours": [0.21, 0.25], "baseline": [0.12, 0.14] }, #{ groups: ["pool5", "fc7"], path: "/tmp/xmodal_doc_bar.svg", y_label: "mAP" });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn bar(ctx: NativeCallContext, values: Dynamic, opts: Map) -> RhaiResult<()> {
        const OP: &str = "plot::bar";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(
                OP,
                opts,
                &["path", "groups", "title", "y_label", "decimals", "size"],
            )?;
            let series: Vec<(String, Vec<f64>)> = match values.read_lock::<Map>() {
                Some(m) => m
                    .iter()
                    .map(|(k, v)| Ok((k.to_string(), numbers(OP, k, v)?)))
                    .collect::<Result<_>>()?,
                None => vec![(String::new(), numbers(OP, "values", &values)?)],
            };
            let n = series.first().map(|s| s.1.len()).unwrap_or(0);
            let default: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            let groups = if o.has("groups") {
                o.strings("groups", &[])?
            } else {
                default
            };
            let chart = Bars {
                groups,
                series,
                title: o.string("title", "")?,
                y_label: o.string("y_label", "")?,
                decimals: o.usize("decimals", 2)?,
            };
            plot::save(&chart, path(&o)?, size(&o, (1200, 800))?)
        })
    }

    /// Histogram of a tensor's elements or an array of numbers (equal-width bins over the range).
    ///
    /// Options: `path` (required), `bins` (30), `title`, `x_label` (""), `size` ([1200, 800]).
    ///
    /// ```rhai
    /// plot::hist(tensor::randn([500], #{ seed: 4 }), #{ bins: 20, path: "/tmp/xmodal_doc_hist.svg" });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn hist(ctx: NativeCallContext, values: Dynamic, opts: Map) -> RhaiResult<()> {
        const OP: &str = "plot::hist";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(OP, opts, &["path", "bins", "title", "x_label", "size"])?;
            let chart = Hist {
                values: numbers(OP, "values", &values)?,
                bins: o.usize("bins", 30)?,
                title: o.string("title", "")?,
                x_label: o.string("x_label", "")?,
            };
            plot::save(&chart, path(&o)?, size(&o, (1200, 800))?)
        })
    }

    /// Heatmap of a matrix (2-D tensor or nested array) with its values written in the cells,
    /// e.g. the query × target mAP table.
    ///
    /// Options: `path` (required), `rows`, `cols` (labels; default indices), `title`,
    /// `row_label`, `col_label` (""), `decimals` (2), `size` ([1000, 900]).
    ///
    /// ```rhai
    /// plot::heatmap([[0.5, 0.1], [0.2, 0.4]], #{ rows: ["nat", "clip"], cols: ["nat", "clip"], path: "/tmp/xmodal_doc_heat.svg", title: "mAP" });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn heatmap(ctx: NativeCallContext, matrix: Dynamic, opts: Map) -> RhaiResult<()> {
        const OP: &str = "plot::heatmap";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(
                OP,
                opts,
                &[
                    "path",
                    "rows",
                    "cols",
                    "title",
                    "row_label",
                    "col_label",
                    "decimals",
                    "size",
                ],
            )?;
            let values = super::matrix(OP, "matrix", &matrix, None)?;
            let nr = values.len();
            let nc = values.first().map(|r| r.len()).unwrap_or(0);
            let idx = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
            let rows = if o.has("rows") {
                o.strings("rows", &[])?
            } else {
                idx(nr)
            };
            let cols = if o.has("cols") {
                o.strings("cols", &[])?
            } else {
                idx(nc)
            };
            let chart = Heatmap {
                values,
                rows,
                cols,
                title: o.string("title", "")?,
                row_label: o.string("row_label", "")?,
                col_label: o.string("col_label", "")?,
                decimals: o.usize("decimals", 2)?,
            };
            plot::save(&chart, path(&o)?, size(&o, (1000, 900))?)
        })
    }

    /// Training curves: `history` maps a metric ("loss", "accuracy") to a map modality → values
    /// per logged step; one panel per metric, one line per modality.
    ///
    /// Options: `path` (required), `every` (steps between logged values, 1), `title` (""),
    /// `size` ([1500, 650]).
    ///
    /// ```rhai
    /// let h = #{ loss: #{ nat: [2.0, 1.2, 0.9], clip: [2.2, 1.6, 1.1] }, accuracy: #{ nat: [0.1, 0.4, 0.6] } };
    /// plot::curves(h, #{ every: 100, path: "/tmp/xmodal_doc_curves.svg" });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn curves(ctx: NativeCallContext, history: Map, opts: Map) -> RhaiResult<()> {
        const OP: &str = "plot::curves";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(OP, opts, &["path", "every", "title", "size"])?;
            let every = o.f64("every", 1.0)?;
            let mut panels = vec![];
            for (metric, per) in history.iter() {
                let m = per.read_lock::<Map>().ok_or_else(|| {
                    Error::invalid(OP, metric, "expected a map modality → values")
                })?;
                let mut s = vec![];
                for (modality, v) in m.iter() {
                    let ys = numbers(OP, modality, v)?;
                    s.push((
                        modality.to_string(),
                        ys.into_iter()
                            .enumerate()
                            .map(|(i, y)| (i as f64 * every, y))
                            .collect(),
                    ));
                }
                panels.push((metric.to_string(), s));
            }
            let chart = Curves {
                panels,
                title: o.string("title", "")?,
            };
            plot::save(&chart, path(&o)?, size(&o, (1500, 650))?)
        })
    }

    /// Thumbnails of a data set's items at their embedded points: row i of the N×2 embedding
    /// is item i in the order of `net.features(data, layer)` (modality by modality in the data's
    /// order, items in order). Images are drawn as themselves, sounds as spectrograms, each
    /// description as its tf-idf top word on a card.
    ///
    /// Options: `path` (required), `modalities` (all of the data's; give the same list as the
    /// features were made from), `title` (""), `thumb` (longer side in px, 32), `max_points`
    /// (400, subsampled with `seed`), `size` ([1200, 1000]).
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 2, per_category: 3, modalities: ["nat", "dsc", "snd"], seed: 1 });
    /// let y = tensor::randn([18, 2], #{ seed: 5 });
    /// plot::thumbnails(y, d, #{ path: "/tmp/xmodal_doc_thumbs_data.png", thumb: 40 });
    /// ```
    #[rhai_fn(name = "thumbnails", return_raw)]
    pub fn thumbnails_data(
        ctx: NativeCallContext,
        embedding: Dynamic,
        data: Dataset,
        opts: Map,
    ) -> RhaiResult<()> {
        const OP: &str = "plot::thumbnails";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(
                OP,
                opts,
                &[
                    "path",
                    "modalities",
                    "title",
                    "thumb",
                    "max_points",
                    "seed",
                    "size",
                ],
            )?;
            let pts = points(OP, &embedding)?;
            let mods = o.strings("modalities", &[])?;
            let mods = if mods.is_empty() {
                data.modalities()
            } else {
                mods
            };
            let mut items = vec![];
            for m in &mods {
                for i in 0..data.len_of(m)? {
                    items.push((m.clone(), i));
                }
            }
            plot::check_len(
                OP,
                "embedding rows (one per item of the data)",
                pts.len(),
                items.len(),
            )?;
            let keep = subsample(items.len(), o.usize("max_points", 400)?, o.seed()?);
            let mut tfidf = std::collections::HashMap::new();
            let (mut images, mut words) = (vec![], vec![]);
            for &k in &keep {
                let (m, i) = &items[k];
                match crate::viz::plot::tiles::item(&data, m, *i)? {
                    crate::viz::plot::tiles::Tile::Text(text) => {
                        if !tfidf.contains_key(m) {
                            let corpus: Vec<String> = (0..data.len_of(m)?)
                                .map(|j| data.text(m, j))
                                .collect::<Result<_>>()?;
                            tfidf.insert(m.clone(), crate::viz::units::Tfidf::new(&corpus));
                        }
                        let w = tfidf[m]
                            .top(&[*i], 1)
                            .into_iter()
                            .next()
                            .map(|w| w.0)
                            .or_else(|| text.split_whitespace().next().map(str::to_string))
                            .unwrap_or_default();
                        images.push(image::RgbImage::new(1, 1));
                        words.push(Some(w));
                    }
                    crate::viz::plot::tiles::Tile::Image(img) => {
                        images.push(img);
                        words.push(None);
                    }
                }
            }
            let chart = Thumbs {
                points: keep.iter().map(|&i| pts[i]).collect(),
                images,
                words,
                title: o.string("title", "")?,
                thumb: o.usize("thumb", 32)? as u32,
            };
            plot::save(&chart, path(&o)?, size(&o, (1200, 1000))?)
        })
    }

    /// Thumbnails at embedded points: an N×2 embedding and an N×3×H×W image tensor with values
    /// in [0, 1] (texts and sounds as rendered tiles).
    ///
    /// Options: `path` (required), `title` (""), `thumb` (longer side in px, 32), `max_points`
    /// (400, subsampled with `seed`), `size` ([1200, 1000]).
    ///
    /// ```rhai
    /// let y = tensor::randn([10, 2], #{ seed: 5 });
    /// let imgs = tensor::rand([10, 3, 8, 8], #{ seed: 6 });
    /// plot::thumbnails(y, imgs, #{ path: "/tmp/xmodal_doc_thumbs.png" });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn thumbnails(
        ctx: NativeCallContext,
        embedding: Dynamic,
        images: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<()> {
        const OP: &str = "plot::thumbnails";
        guard_at(ctx.call_position(), OP, || {
            let o = Opts::new(
                OP,
                opts,
                &["path", "title", "thumb", "max_points", "seed", "size"],
            )?;
            let pts = points(OP, &embedding)?;
            let t = images.tensor();
            let (n, c, h, w) = t.dims4().map_err(|_| {
                Error::invalid(
                    OP,
                    "images",
                    format!("expected N×3×H×W, got shape {:?}", t.dims()),
                )
            })?;
            if c != 3 {
                return Err(Error::invalid(
                    OP,
                    "images",
                    format!("expected 3 channels, got {c}"),
                ));
            }
            plot::check_len(OP, "images", n, pts.len())?;
            let v = crate::tensor::to_f64_vec(t)?;
            let keep = subsample(n, o.usize("max_points", 400)?, o.seed()?);
            let imgs = keep
                .iter()
                .map(|&i| {
                    image::RgbImage::from_fn(w as u32, h as u32, |x, y| {
                        let px = |ch: usize| {
                            let a = v[((i * 3 + ch) * h + y as usize) * w + x as usize];
                            (a.clamp(0.0, 1.0) * 255.0).round() as u8
                        };
                        image::Rgb([px(0), px(1), px(2)])
                    })
                })
                .collect();
            let chart = Thumbs {
                points: keep.iter().map(|&i| pts[i]).collect(),
                images: imgs,
                words: vec![],
                title: o.string("title", "")?,
                thumb: o.usize("thumb", 32)? as u32,
            };
            plot::save(&chart, path(&o)?, size(&o, (1200, 1000))?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{retrieval, FeatureSet, Queries, RetrievalOpts};

    #[test]
    fn compare_puts_bare_tables_under_fc7_after_map_rows() {
        let x = crate::tensor::Tensor::from_vec(
            vec![1f32, 0., 0.9, 0.1, 0., 1., 0.1, 0.9],
            (4, 2),
            &candle_core::Device::Cpu,
        )
        .unwrap();
        let mods = ["a", "a", "b", "b"].map(String::from).to_vec();
        let f = FeatureSet::new(x, vec![0, 1, 0, 1], mods).unwrap();
        let opts = RetrievalOpts {
            queries: Queries::All,
            ..Default::default()
        };
        let t = retrieval(&f, &opts).unwrap();
        let mut m = Map::new();
        m.insert("pool5".into(), Dynamic::from(t.clone()));
        let rows: Array = vec![
            Dynamic::from(vec![Dynamic::from("maps".to_string()), Dynamic::from(m)]),
            Dynamic::from(vec![
                Dynamic::from("bare".to_string()),
                Dynamic::from(t.clone()),
            ]),
        ];
        let (groups, series) = compare_series("plot::compare", &Dynamic::from(rows)).unwrap();
        assert_eq!(groups, ["pool5", "fc7"]);
        let bare = &series.iter().find(|s| s.0 == "bare").unwrap().1;
        assert!(
            bare[0].is_nan() && (bare[1] - t.mean()).abs() < 1e-12,
            "{series:?}"
        );
        // `fc8` and `logits` name the same layer: one group, after fc7.
        let (mut a, mut b) = (Map::new(), Map::new());
        a.insert("fc8".into(), Dynamic::from(t.clone()));
        b.insert("logits".into(), Dynamic::from(t.clone()));
        b.insert("fc7".into(), Dynamic::from(t.clone()));
        let mut rows = Map::new();
        rows.insert("A".into(), Dynamic::from(a));
        rows.insert("B".into(), Dynamic::from(b));
        let (groups, series) = compare_series("plot::compare", &Dynamic::from(rows)).unwrap();
        assert_eq!(groups, ["fc7", "logits"]);
        let a = &series.iter().find(|s| s.0 == "A").unwrap().1;
        assert!(
            a[0].is_nan() && (a[1] - t.mean()).abs() < 1e-12,
            "{series:?}"
        );
    }
}
