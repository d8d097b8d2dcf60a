//! Learned scoring: a logistic regression trained on a company's own history — contacts
//! whose deals were won (1) or lost (0) — over the same facts the rules read, checked on
//! examples kept aside, and explained in words.
//!
//! A small implementation of our own rather than a crate: the model has a dozen features,
//! the data a few thousand rows, and what matters is that it is deterministic (the same
//! history gives the same model on every machine) and explainable. Training is batch
//! gradient descent on the mean log-loss with an L2 penalty, over standardised features
//! (each centred and divided by its standard deviation on the training rows), from zero
//! weights, for a fixed number of rounds. One example in four — chosen by a hash of the
//! contact's id, so the split never changes between trainings — is kept aside and the model
//! is judged on those only, by the area under the ROC curve (AUC: the chance that a won
//! contact gets a higher probability than a lost one; 0.5 is a coin toss), beside the AUC
//! of the rules' scores on the same examples.

use super::{ContactFacts, Engagement};
use crate::organization::OrganizationSize;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Fewest examples to train on, and fewest of each outcome.
pub const MIN_EXAMPLES: usize = 40;
/// See [`MIN_EXAMPLES`].
pub const MIN_EACH: usize = 10;
/// Rounds of gradient descent.
const ROUNDS: usize = 2_000;
/// Step size.
const STEP: f64 = 0.1;
/// Weight of the L2 penalty.
const L2: f64 = 0.01;

/// What the model reads of a contact, by name (the names are stable: stored with a model).
pub const FEATURES: [&str; 12] = [
    "email_opened",
    "email_clicked",
    "email_replied",
    "meeting_held",
    "call_made",
    "has_job_title",
    "has_source",
    "tags",
    "size_micro",
    "size_small",
    "size_medium",
    "size_large",
];

/// The features of a contact's facts: engagements counted (as `ln(1 + n)`), whether a job
/// title and a source are known, the number of tags, the company's size band (the two
/// largest bands together).
pub fn features(f: &ContactFacts) -> [f64; 12] {
    let count = |e: Engagement| {
        #[allow(clippy::cast_precision_loss)] // a contact's engagements: far below 2^52
        let n = f.engagements.iter().filter(|(x, _)| *x == e).count() as f64;
        n.ln_1p()
    };
    let size = |s: &[OrganizationSize]| f64::from(u8::from(f.size.is_some_and(|x| s.contains(&x))));
    #[allow(clippy::cast_precision_loss)]
    let tags = f.tags.len() as f64;
    [
        count(Engagement::EmailOpened),
        count(Engagement::EmailClicked),
        count(Engagement::EmailReplied),
        count(Engagement::MeetingHeld),
        count(Engagement::CallMade),
        f64::from(u8::from(f.job_title.is_some())),
        f64::from(u8::from(f.source.is_some())),
        tags,
        size(&[OrganizationSize::Micro]),
        size(&[OrganizationSize::Small]),
        size(&[OrganizationSize::Medium]),
        size(&[OrganizationSize::Intermediate, OrganizationSize::Large]),
    ]
}

/// One contact of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The contact (its id decides whether it is kept aside).
    pub contact_id: Uuid,
    /// Its features.
    pub x: [f64; 12],
    /// Won (true) or lost.
    pub won: bool,
    /// Its score by the rules (to compare).
    pub rules_score: i32,
}

/// A trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Intercept (on standardised features).
    pub bias: f64,
    /// One weight per feature of [`FEATURES`] (on standardised features).
    pub weights: Vec<f64>,
    /// Each feature's mean on the training rows.
    pub means: Vec<f64>,
    /// Each feature's standard deviation on the training rows (1 where it was 0).
    pub scales: Vec<f64>,
}

impl Model {
    /// The probability that a contact with features `x` is won.
    pub fn probability(&self, x: &[f64; 12]) -> f64 {
        let z = self.bias
            + x.iter()
                .zip(&self.weights)
                .zip(self.means.iter().zip(&self.scales))
                .map(|((v, w), (m, s))| w * (v - m) / s)
                .sum::<f64>();
        1.0 / (1.0 + (-z).exp())
    }
}

/// How a training went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Training {
    /// Too few examples: the rules stay in charge.
    TooFew {
        /// Examples found.
        examples: usize,
        /// Won among them.
        won: usize,
    },
    /// A model, judged on the examples kept aside.
    Trained {
        /// The model.
        model: Model,
        /// Examples trained on.
        trained_on: usize,
        /// Examples kept aside.
        held_out: usize,
        /// The model's AUC on those (thousandths).
        auc_permille: u32,
        /// The rules' AUC on the same (thousandths).
        rules_auc_permille: u32,
    },
}

impl Training {
    /// Whether a model was trained and does better than the rules on the kept-aside
    /// examples.
    pub fn beats_rules(&self) -> bool {
        matches!(self, Self::Trained { auc_permille, rules_auc_permille, .. } if auc_permille > rules_auc_permille)
    }
}

/// Whether a contact is kept aside: one in four, by a hash of its id.
pub fn held_out(id: Uuid) -> bool {
    // FNV-1a: stable across machines and versions.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.is_multiple_of(4)
}

/// The area under the ROC curve of `scores` against `won` (ties count a half), in
/// thousandths; `None` without both outcomes.
pub fn auc(scores: &[f64], won: &[bool]) -> Option<u32> {
    let pos: Vec<f64> = scores.iter().zip(won).filter(|(_, w)| **w).map(|(s, _)| *s).collect();
    let neg: Vec<f64> = scores.iter().zip(won).filter(|(_, w)| !**w).map(|(s, _)| *s).collect();
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut wins = 0.0;
    for p in &pos {
        for n in &neg {
            wins += if p > n {
                1.0
            } else if (p - n).abs() < f64::EPSILON {
                0.5
            } else {
                0.0
            };
        }
    }
    #[allow(clippy::cast_precision_loss)] // pairs of a few thousand examples
    let share = wins / (pos.len() * neg.len()) as f64;
    // Between 0 and 1000.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let permille = (share * 1000.0).round() as u32;
    Some(permille)
}

fn fit(rows: &[&Example]) -> Model {
    let n = rows.len().max(1);
    #[allow(clippy::cast_precision_loss)]
    let nf = n as f64;
    let mut means = vec![0.0; 12];
    for r in rows {
        for (m, v) in means.iter_mut().zip(&r.x) {
            *m += v / nf;
        }
    }
    let mut scales = vec![0.0; 12];
    for r in rows {
        for ((s, v), m) in scales.iter_mut().zip(&r.x).zip(&means) {
            *s += (v - m) * (v - m) / nf;
        }
    }
    for s in &mut scales {
        *s = if *s > 1e-12 { s.sqrt() } else { 1.0 };
    }
    let z: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| r.x.iter().zip(&means).zip(&scales).map(|((v, m), s)| (v - m) / s).collect())
        .collect();
    let mut w = vec![0.0; 12];
    let mut b = 0.0;
    for _ in 0..ROUNDS {
        let mut gw = vec![0.0; 12];
        let mut gb = 0.0;
        for (zi, r) in z.iter().zip(rows) {
            let p = 1.0 / (1.0 + (-(b + zi.iter().zip(&w).map(|(a, c)| a * c).sum::<f64>())).exp());
            let err = p - f64::from(u8::from(r.won));
            gb += err / nf;
            for (g, v) in gw.iter_mut().zip(zi) {
                *g += err * v / nf;
            }
        }
        b -= STEP * gb;
        for (wi, g) in w.iter_mut().zip(&gw) {
            *wi -= STEP * (g + L2 * *wi);
        }
    }
    Model {
        bias: b,
        weights: w,
        means,
        scales,
    }
}

/// Trains on `examples` (those not kept aside) and judges on the others.
pub fn train(examples: &[Example]) -> Training {
    let won = examples.iter().filter(|e| e.won).count();
    if examples.len() < MIN_EXAMPLES || won < MIN_EACH || examples.len() - won < MIN_EACH {
        return Training::TooFew {
            examples: examples.len(),
            won,
        };
    }
    let (test, learn): (Vec<&Example>, Vec<&Example>) = examples.iter().partition(|e| held_out(e.contact_id));
    let model = fit(&learn);
    let outcomes: Vec<bool> = test.iter().map(|e| e.won).collect();
    let probs: Vec<f64> = test.iter().map(|e| model.probability(&e.x)).collect();
    let rules: Vec<f64> = test.iter().map(|e| f64::from(e.rules_score)).collect();
    match (auc(&probs, &outcomes), auc(&rules, &outcomes)) {
        (Some(a), Some(r)) => Training::Trained {
            model,
            trained_on: learn.len(),
            held_out: test.len(),
            auc_permille: a,
            rules_auc_permille: r,
        },
        // The kept-aside examples lack an outcome: too few to judge.
        _ => Training::TooFew {
            examples: examples.len(),
            won,
        },
    }
}

/// How much a feature weighs, in words: the key of its description (`features.<name>`) and
/// of its effect (`effect.strong_up`, `up`, `weak`, `down`, `strong_down`), the strongest
/// first, for the features that count.
pub fn explain(model: &Model) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, f64)> = FEATURES.iter().copied().zip(model.weights.iter().copied()).collect();
    out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(b.0)));
    out.into_iter()
        .map(|(name, w)| {
            let effect = match w {
                w if w >= 0.75 => "strong_up",
                w if w >= 0.2 => "up",
                w if w > -0.2 => "weak",
                w if w > -0.75 => "down",
                _ => "strong_down",
            };
            (name, effect)
        })
        .collect()
}

#[cfg(test)]
#[path = "learned_tests.rs"]
mod tests;
