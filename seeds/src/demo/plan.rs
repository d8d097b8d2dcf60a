//! The plan of the demo: its companies, their trades and pipelines, and the seeded
//! generators of each company's records and texts.

use crate::Generator;
use crate::trades::{self, Trade};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// One company of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyPlan {
    /// Name.
    pub name: &'static str,
    /// Web domain of its users' emails.
    pub domain: &'static str,
    /// Trade: what it sells (opportunity titles) and what its activities say.
    pub trade: &'static Trade,
    /// Pipeline stages with probabilities.
    pub stages: Vec<(&'static str, i64)>,
}

/// The companies, in order.
pub fn companies() -> Vec<CompanyPlan> {
    let std = |a: &'static str, b: &'static str, c: &'static str, d: &'static str| vec![(a, 10), (b, 30), (c, 60), (d, 85)];
    vec![
        CompanyPlan {
            name: "Fournitures Industrielles Martin",
            domain: "fim-martin.fr",
            trade: &trades::INDUSTRIAL_SUPPLIES,
            stages: std("Qualification", "Devis", "Négociation", "Bon pour accord"),
        },
        CompanyPlan {
            name: "Duval Informatique",
            domain: "duval-info.fr",
            trade: &trades::IT_SERVICES,
            stages: std("Découverte", "Maquette", "Proposition", "Contrat"),
        },
        CompanyPlan {
            name: "Immobilière du Rhône",
            domain: "immo-rhone.fr",
            trade: &trades::REAL_ESTATE,
            stages: std("Premier contact", "Visite", "Offre", "Compromis"),
        },
        CompanyPlan {
            name: "Lumière Formation",
            domain: "lumiere-formation.fr",
            trade: &trades::TRAINING,
            stages: std("Besoin", "Programme", "Devis", "Convention"),
        },
        CompanyPlan {
            name: "Vins et Domaines Garnier",
            domain: "garnier-vins.fr",
            trade: &trades::WINE,
            stages: std("Dégustation", "Échantillons", "Tarif", "Commande"),
        },
        CompanyPlan {
            name: "Bâtiment Moreau",
            domain: "batiment-moreau.fr",
            trade: &trades::CONSTRUCTION,
            stages: std("Appel d'offres", "Métré", "Chiffrage", "Ordre de service"),
        },
        CompanyPlan {
            name: "Transports Lefèvre",
            domain: "transports-lefevre.fr",
            trade: &trades::TRANSPORT,
            stages: std("Demande", "Cotation", "Essai", "Contrat cadre"),
        },
        CompanyPlan {
            name: "Saveurs d'Aquitaine",
            domain: "saveurs-aquitaine.fr",
            trade: &trades::FOOD,
            stages: std("Référencement", "Échantillons", "Négociation", "Accord"),
        },
        CompanyPlan {
            name: "Cabinet Conseil Rousseau",
            domain: "conseil-rousseau.fr",
            trade: &trades::CONSULTING,
            stages: std("Rencontre", "Diagnostic", "Proposition", "Lettre de mission"),
        },
        CompanyPlan {
            name: "Santé Plus Distribution",
            domain: "santeplus-distrib.fr",
            trade: &trades::HEALTH,
            stages: std("Prospection", "Présentation", "Essai", "Référencement"),
        },
    ]
}

/// The generator of the `company`-th company's organizations, contacts and opportunities.
pub(super) fn company_generator(seed: u64, company: usize) -> Generator {
    Generator::new(seed.wrapping_add(company as u64 * 1_000_003))
}

/// The generator of the `company`-th company's activity texts (apart from the draws of
/// the plan, so that these change nothing else).
pub(super) fn words_rng(seed: u64, company: usize) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed ^ (company as u64 + 1));
    r.set_stream(1);
    r
}
