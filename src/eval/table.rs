//! The result of [`super::retrieval`]: mAP per (query modality, target modality) pair, with the
//! per-query APs behind every number, and its printed forms.
//!
//! Values are fractions in [0, 1]; the printed tables show percentages with one decimal, as the
//! paper's Tables 1 and 3. Table 1 layout: one group of target columns per query modality, then
//! the mean over the cross-modal pairs.

use super::retrieval::mean;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One (query modality, target modality) pair.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PairResult {
    pub query: String,
    pub target: String,
    /// Mean AP over the queries that have at least one relevant target (NaN if none has).
    pub map: f64,
    /// Expected mAP of a random ranking over the same queries and targets.
    pub chance: f64,
    /// The query rows (indices into the feature set).
    pub queries: Vec<usize>,
    /// AP per query, `None` where the target holds nothing relevant (left out of `map`).
    pub ap: Vec<Option<f64>>,
}

impl PairResult {
    /// A pair from its per-query APs.
    pub fn new(
        query: &str,
        target: &str,
        queries: Vec<usize>,
        ap: Vec<Option<f64>>,
        chance: f64,
    ) -> Self {
        let defined: Vec<f64> = ap.iter().flatten().copied().collect();
        PairResult {
            query: query.into(),
            target: target.into(),
            map: mean(&defined),
            chance,
            queries,
            ap,
        }
    }

    /// Whether query and target modality differ.
    pub fn is_cross(&self) -> bool {
        self.query != self.target
    }

    /// Queries left out of the mean because nothing in the target was relevant.
    pub fn skipped(&self) -> usize {
        self.ap.iter().filter(|a| a.is_none()).count()
    }
}

/// Retrieval mAP for every pair of modalities.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RetrievalTable {
    /// Modalities in first-seen order.
    pub modalities: Vec<String>,
    /// How queries were chosen ("1000 random queries per modality, seed 0" or "all queries").
    pub protocol: String,
    /// Every (query, target) pair, query-major in `modalities` order.
    pub pairs: Vec<PairResult>,
}

impl RetrievalTable {
    /// The pair (query modality, target modality); an error listing the modalities otherwise.
    pub fn pair(&self, query: &str, target: &str) -> Result<&PairResult> {
        self.pairs
            .iter()
            .find(|p| p.query == query && p.target == target)
            .ok_or_else(|| {
                Error::invalid(
                    "RetrievalTable.get",
                    "modality",
                    format!(
                        "no pair ('{query}', '{target}'); the table's modalities are: {}",
                        self.modalities.join(", ")
                    ),
                )
            })
    }

    /// mAP of a pair, as a fraction.
    pub fn get(&self, query: &str, target: &str) -> Result<f64> {
        Ok(self.pair(query, target)?.map)
    }

    /// The cross-modal pairs (query modality ≠ target modality), in table order.
    pub fn cross(&self) -> impl Iterator<Item = &PairResult> {
        self.pairs.iter().filter(|p| p.is_cross())
    }

    /// Mean mAP over the cross-modal pairs (Table 1's last column).
    pub fn mean(&self) -> f64 {
        mean(&self.cross().map(|p| p.map).collect::<Vec<_>>())
    }

    /// Within-modal mAP per modality (Table 3), in modality order.
    pub fn within(&self) -> Vec<(String, f64)> {
        self.modalities
            .iter()
            .filter_map(|m| self.pair(m, m).ok().map(|p| (m.clone(), p.map)))
            .collect()
    }

    /// Mean within-modal mAP (Table 3's last column).
    pub fn within_mean(&self) -> f64 {
        mean(&self.within().iter().map(|w| w.1).collect::<Vec<_>>())
    }

    /// Expected mAP of random rankings, averaged over the cross-modal pairs.
    pub fn chance(&self) -> f64 {
        mean(&self.cross().map(|p| p.chance).collect::<Vec<_>>())
    }

    /// One row per pair: `query,target,kind,map,chance,queries,skipped`. A modality name that
    /// holds a comma, a double quote or a line break is quoted as RFC 4180 says (`"img,v2"`,
    /// inner quotes doubled).
    pub fn to_csv_string(&self) -> String {
        let mut s = String::from("query,target,kind,map,chance,queries,skipped\n");
        for p in &self.pairs {
            s += &format!(
                "{},{},{},{},{},{},{}\n",
                csv_field(&p.query),
                csv_field(&p.target),
                if p.is_cross() { "cross" } else { "within" },
                p.map,
                p.chance,
                p.queries.len(),
                p.skipped()
            );
        }
        s
    }

    /// The whole table (per-query APs included) as JSON.
    pub fn to_json_string(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::msg(format!("RetrievalTable.to_json: {e}")))
    }

    /// Write [`Self::to_csv_string`] to `path`.
    pub fn to_csv(&self, path: &str) -> Result<()> {
        write(path, "RetrievalTable.to_csv", &self.to_csv_string())
    }

    /// Write [`Self::to_json_string`] to `path`.
    pub fn to_json(&self, path: &str) -> Result<()> {
        write(path, "RetrievalTable.to_json", &self.to_json_string()?)
    }

    /// Table 1's columns: (query, target) for every cross-modal pair.
    pub fn columns(&self) -> Vec<(String, String)> {
        self.cross()
            .map(|p| (p.query.clone(), p.target.clone()))
            .collect()
    }

    /// Markdown: the cross-modal row (Table 1 layout, percent) and the within-modal row
    /// (Table 3 layout), each with its mean. A `|` in a modality name is written `\|`.
    pub fn to_markdown(&self) -> String {
        let cols = self.columns();
        let mut s = String::from("| Query → Target |");
        for (q, t) in &cols {
            s += &format!(
                " {} → {} |",
                md_cell(&q.to_uppercase()),
                md_cell(&t.to_uppercase())
            );
        }
        s += " Mean mAP | Chance |\n|---|";
        s += &"---:|".repeat(cols.len() + 2);
        s += "\n| mAP (%) |";
        for p in self.cross() {
            s += &format!(" {} |", pct(p.map));
        }
        s += &format!(" {} | {} |\n\n", pct(self.mean()), pct(self.chance()));
        s += "| Within modality |";
        for m in &self.modalities {
            s += &format!(" {} |", md_cell(&m.to_uppercase()));
        }
        s += " Mean |\n|---|";
        s += &"---:|".repeat(self.modalities.len() + 1);
        s += "\n| mAP (%) |";
        for (_, v) in self.within() {
            s += &format!(" {} |", pct(v));
        }
        s += &format!(" {} |\n", pct(self.within_mean()));
        s
    }
}

/// A CSV field as RFC 4180 writes it: quoted, with inner quotes doubled, when it holds a comma,
/// a double quote or a line break; as it is otherwise.
pub(crate) fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Text for a Markdown table cell: `|` escaped as `\|` so it does not end the cell.
pub(crate) fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A fraction as a percentage with one decimal.
pub(crate) fn pct(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else {
        format!("{:.1}", 100.0 * v)
    }
}

fn write(path: &str, op: &str, text: &str) -> Result<()> {
    if let Some(dir) = std::path::Path::new(path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Error::file(op, dir, e))?;
        }
    }
    std::fs::write(path, text).map_err(|e| Error::file(op, path, e))
}

/// Table 1 layout: a "Query" line with one group per query modality, a "Target" line, the mAP
/// line (percent) ending with the mean; then the within-modal row and the chance level.
impl fmt::Display for RetrievalTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const W: usize = 6;
        writeln!(f, "Cross-modal retrieval mAP (%), {}", self.protocol)?;
        let mut query = format!("{:<8}", "Query");
        let mut target = format!("{:<8}", "Target");
        let mut value = format!("{:<8}", "mAP");
        for q in &self.modalities {
            let group: Vec<&PairResult> = self.cross().filter(|p| &p.query == q).collect();
            // The group's name sits over its first target column.
            query += &format!("{:>W$}", q.to_uppercase());
            query += &" ".repeat(W * group.len().saturating_sub(1));
            for p in group {
                target += &format!("{:>W$}", p.target.to_uppercase());
                value += &format!("{:>W$}", pct(p.map));
            }
        }
        query += "     Mean";
        target += "      mAP";
        value += &format!("{:>9}", pct(self.mean()));
        writeln!(f, "{}", query.trim_end())?;
        writeln!(f, "{target}")?;
        writeln!(f, "{value}")?;
        let mut head = format!("{:<8}", "Within");
        let mut row = format!("{:<8}", "mAP");
        for (m, v) in self.within() {
            head += &format!("{:>W$}", m.to_uppercase());
            row += &format!("{:>W$}", pct(v));
        }
        head += "     Mean";
        row += &format!("{:>9}", pct(self.within_mean()));
        writeln!(f, "{head}")?;
        writeln!(f, "{row}")?;
        write!(f, "Chance (cross-modal): {} mAP", pct(self.chance()))
    }
}
