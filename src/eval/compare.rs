//! Several methods' retrieval tables side by side, as the rows of the paper's Table 1 (and
//! Table 3 for within-modal retrieval), kept as plain numbers for plotting.

use super::table::{md_cell, pct, RetrievalTable};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One row per method over common columns.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Comparison {
    /// Method names, in the given order.
    pub methods: Vec<String>,
    /// The cross-modal (query, target) columns.
    pub columns: Vec<(String, String)>,
    /// cross[i][j]: mAP of method i on column j (fractions).
    pub cross: Vec<Vec<f64>>,
    /// Mean cross-modal mAP per method.
    pub mean: Vec<f64>,
    /// Modalities of the within-modal columns.
    pub modalities: Vec<String>,
    /// within[i][k]: within-modal mAP of method i on modality k.
    pub within: Vec<Vec<f64>>,
    /// Mean within-modal mAP per method.
    pub within_mean: Vec<f64>,
}

/// Compare named tables; all must have the same set of modalities (in any first-seen order:
/// values are looked up by name, and the columns follow the first table's order).
pub fn compare(tables: &[(String, RetrievalTable)]) -> Result<Comparison> {
    let first = tables
        .first()
        .ok_or_else(|| Error::invalid("eval::compare", "tables", "give at least one table"))?;
    let columns = first.1.columns();
    let modalities: Vec<String> = first.1.within().into_iter().map(|w| w.0).collect();
    let sorted = |m: &[String]| {
        let mut m = m.to_vec();
        m.sort();
        m
    };
    let want = sorted(&first.1.modalities);
    let mut c = Comparison {
        methods: vec![],
        columns: columns.clone(),
        cross: vec![],
        mean: vec![],
        modalities: modalities.clone(),
        within: vec![],
        within_mean: vec![],
    };
    for (name, t) in tables {
        if sorted(&t.modalities) != want {
            return Err(Error::invalid(
                "eval::compare",
                name,
                format!(
                    "modalities [{}] differ from '{}' [{}]; compare tables of the same set of modalities",
                    t.modalities.join(", "),
                    first.0,
                    first.1.modalities.join(", ")
                ),
            ));
        }
        c.methods.push(name.clone());
        c.cross.push(
            columns
                .iter()
                .map(|(q, tg)| t.get(q, tg))
                .collect::<Result<_>>()?,
        );
        c.mean.push(t.mean());
        c.within.push(
            modalities
                .iter()
                .map(|m| t.get(m, m))
                .collect::<Result<_>>()?,
        );
        c.within_mean.push(t.within_mean());
    }
    Ok(c)
}

impl Comparison {
    /// Markdown: Table 1 (cross-modal, with mean) then Table 3 (within-modal, with mean), percent.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from("| Method |");
        for (q, t) in &self.columns {
            s += &format!(
                " {} → {} |",
                md_cell(&q.to_uppercase()),
                md_cell(&t.to_uppercase())
            );
        }
        s += " Mean mAP |\n|---|";
        s += &"---:|".repeat(self.columns.len() + 1);
        for (i, m) in self.methods.iter().enumerate() {
            s += &format!("\n| {} |", md_cell(m));
            for v in &self.cross[i] {
                s += &format!(" {} |", pct(*v));
            }
            s += &format!(" {} |", pct(self.mean[i]));
        }
        s += "\n\n| Within | ";
        for m in &self.modalities {
            s += &format!("{} | ", md_cell(&m.to_uppercase()));
        }
        s += "Mean |\n|---|";
        s += &"---:|".repeat(self.modalities.len() + 1);
        for (i, m) in self.methods.iter().enumerate() {
            s += &format!("\n| {} |", md_cell(m));
            for v in &self.within[i] {
                s += &format!(" {} |", pct(*v));
            }
            s += &format!(" {} |", pct(self.within_mean[i]));
        }
        s + "\n"
    }
}

/// Table 1 with one line per method: query groups, target columns, mean; then Table 3.
impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const W: usize = 6;
        let name_w = self
            .methods
            .iter()
            .map(|m| m.len())
            .max()
            .unwrap_or(0)
            .max(8)
            + 2;
        let mut query = format!("{:<name_w$}", "Query");
        let mut target = format!("{:<name_w$}", "Target");
        let mut last = String::new();
        for (q, t) in &self.columns {
            query += &if *q != last {
                last = q.clone();
                format!("{:>W$}", q.to_uppercase())
            } else {
                " ".repeat(W)
            };
            target += &format!("{:>W$}", t.to_uppercase());
        }
        writeln!(f, "{query}     Mean")?;
        writeln!(f, "{target}      mAP")?;
        for (i, m) in self.methods.iter().enumerate() {
            let mut row = format!("{m:<name_w$}");
            for v in &self.cross[i] {
                row += &format!("{:>W$}", pct(*v));
            }
            writeln!(f, "{row}{:>9}", pct(self.mean[i]))?;
        }
        let mut head = format!("{:<name_w$}", "Within");
        for m in &self.modalities {
            head += &format!("{:>W$}", m.to_uppercase());
        }
        write!(f, "\n{head}     Mean")?;
        for (i, m) in self.methods.iter().enumerate() {
            let mut row = format!("\n{m:<name_w$}");
            for v in &self.within[i] {
                row += &format!("{:>W$}", pct(*v));
            }
            write!(f, "{row}{:>9}", pct(self.within_mean[i]))?;
        }
        Ok(())
    }
}
