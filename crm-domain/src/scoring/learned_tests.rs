//! The learned model on a made history: it finds what wins, beats weak rules on the
//! examples kept aside, says so in words, is the same on every training, and refuses to
//! train on too little.
#![allow(clippy::unwrap_used)]

use super::*;

/// A reproducible pseudo-random sequence (xorshift), in [0, 1).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        #[allow(clippy::cast_precision_loss)]
        let v = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        v
    }
}

/// Contacts won mostly when they were met and answered; the rules' score is noise with a
/// little signal.
fn history(n: u128) -> Vec<Example> {
    let mut d = Draw(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|i| {
            let meetings = (d.next() * 4.0).floor();
            let replies = (d.next() * 3.0).floor();
            let opens = (d.next() * 6.0).floor();
            let lean = 0.9 * meetings + 0.7 * replies - 1.6;
            let won = d.next() < 1.0 / (1.0 + (-lean).exp());
            let mut x = [0.0; 12];
            x[0] = f64::ln_1p(opens);
            x[2] = f64::ln_1p(replies);
            x[3] = f64::ln_1p(meetings);
            x[5] = f64::from(u8::from(d.next() < 0.5));
            #[allow(clippy::cast_possible_truncation)]
            let noise = (d.next() * 40.0) as i32;
            Example {
                contact_id: Uuid::from_u128(i * 7919 + 13),
                x,
                won,
                rules_score: noise + if won { 5 } else { 0 },
            }
        })
        .collect()
}

#[test]
fn auc_counts_ordered_pairs_and_ties_by_half() {
    assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(750));
    assert_eq!(auc(&[0.5, 0.5], &[false, true]), Some(500));
    assert_eq!(auc(&[0.2, 0.9], &[true, true]), None);
}

#[test]
fn a_model_learns_what_wins_and_says_so() {
    let h = history(600);
    let t = train(&h);
    let Training::Trained {
        model,
        trained_on,
        held_out: aside,
        auc_permille,
        rules_auc_permille,
    } = &t
    else {
        panic!("{t:?}")
    };
    assert_eq!(trained_on + aside, 600);
    assert!((100..200).contains(aside), "about one in four kept aside: {aside}");
    assert!(*auc_permille > 700, "model AUC {auc_permille}");
    assert!(t.beats_rules(), "model {auc_permille} vs rules {rules_auc_permille}");
    let words = explain(model);
    assert_eq!(words[0], ("meeting_held", "strong_up"), "{words:?}");
    assert!(
        words
            .iter()
            .any(|w| *w == ("email_replied", "strong_up") || *w == ("email_replied", "up")),
        "{words:?}"
    );
    // Emails opened do not matter in this history.
    assert!(words.contains(&("email_opened", "weak")), "{words:?}");
    // The same history, the same model.
    assert_eq!(train(&h), t);
    // A contact met three times and answering twice is likelier won than one never met.
    let mut hot = [0.0; 12];
    hot[2] = f64::ln_1p(2.0);
    hot[3] = f64::ln_1p(3.0);
    assert!(model.probability(&hot) > model.probability(&[0.0; 12]));
}

#[test]
fn too_little_history_leaves_the_rules_in_charge() {
    let t = train(&history(20));
    assert!(matches!(t, Training::TooFew { examples: 20, .. }), "{t:?}");
    assert!(!t.beats_rules());
    let all_won: Vec<Example> = history(100).into_iter().map(|e| Example { won: true, ..e }).collect();
    assert!(matches!(train(&all_won), Training::TooFew { .. }));
}

#[test]
fn the_split_is_stable_and_about_one_in_four() {
    let aside = (0..4000u128).filter(|i| held_out(Uuid::from_u128(*i))).count();
    assert!((850..1150).contains(&aside), "{aside}");
    assert_eq!(held_out(Uuid::from_u128(42)), held_out(Uuid::from_u128(42)));
}
