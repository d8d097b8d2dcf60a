//! The trades of the demonstration companies and what each one sells and writes: its
//! opportunity titles, meeting and email subjects, tasks and notes. A wine merchant sells
//! wine, an industrial supplier industrial supplies, a software company licences and
//! integration. No opportunity title belongs to two trades.

/// One trade's words. Every list is non-empty.
#[derive(Debug, PartialEq, Eq)]
pub struct Trade {
    /// Name of the trade, as an organization's industry.
    pub name: &'static str,
    /// Opportunity titles (the generator adds " n° N").
    pub deals: &'static [&'static str],
    /// Meetings: (subject, place).
    pub meetings: &'static [(&'static str, &'static str)],
    /// Email subjects.
    pub emails: &'static [&'static str],
    /// Task subjects.
    pub tasks: &'static [&'static str],
    /// Note bodies.
    pub notes: &'static [&'static str],
}

/// Industrial supplies (tools, compressors, protective equipment).
pub static INDUSTRIAL_SUPPLIES: Trade = Trade {
    name: "Fournitures industrielles",
    deals: &[
        "Renouvellement contrat maintenance compresseurs",
        "Fourniture annuelle d'équipements de protection individuelle",
        "Commande roulements et transmissions",
        "Remplacement du parc d'outillage pneumatique",
        "Contrat cadre visserie et fixations",
        "Équipement de l'atelier en rayonnages lourds",
        "Fourniture de lubrifiants industriels",
        "Réapprovisionnement abrasifs et disques de coupe",
        "Installation d'un réseau d'air comprimé",
        "Commande de flexibles hydrauliques",
        "Dotation annuelle en gants et chaussures de sécurité",
        "Distributeur automatique d'outillage en libre-service",
    ],
    meetings: &[
        ("Visite de l'atelier de production", "Chez le client"),
        ("Démonstration de l'outillage pneumatique", "Chez le client"),
        ("Revue du contrat de maintenance des compresseurs", "En visioconférence"),
        ("Inventaire des consommables sur site", "Chez le client"),
    ],
    emails: &[
        "Envoi du catalogue outillage 2026",
        "Fiches techniques des compresseurs",
        "Tarifs EPI et conditions de livraison",
        "Devis roulements et courroies",
    ],
    tasks: &[
        "Relancer le devis compresseurs",
        "Préparer l'offre annuelle EPI",
        "Confirmer les délais de livraison des flexibles",
        "Planifier la visite de maintenance",
    ],
    notes: &[
        "Parc de compresseurs vieillissant : renouvellement envisagé au prochain trimestre.",
        "Consomme environ 400 paires de gants par mois ; intéressé par un contrat cadre.",
        "Souhaite regrouper ses achats de visserie chez un seul fournisseur.",
        "Budget outillage validé, attend notre offre sur les clés dynamométriques.",
    ],
};

/// IT services (licences, integration, outsourcing).
pub static IT_SERVICES: Trade = Trade {
    name: "Services informatiques",
    deals: &[
        "Renouvellement des licences Microsoft 365",
        "Intégration ERP et reprise des données",
        "Infogérance du parc informatique",
        "Migration de la messagerie vers le cloud",
        "Audit de sécurité et test d'intrusion",
        "Déploiement de 40 postes de travail",
        "Contrat de support applicatif",
        "Sauvegarde externalisée des serveurs",
        "Développement d'un portail client",
        "Licences antivirus et pare-feu",
        "Refonte du réseau Wi-Fi des bureaux",
        "Hébergement de l'application métier",
    ],
    meetings: &[
        ("Atelier de cadrage du projet ERP", "Chez le client"),
        ("Démonstration du portail client", "En visioconférence"),
        ("Revue de l'infrastructure serveurs", "Chez le client"),
        ("Comité de pilotage infogérance", "À nos bureaux"),
    ],
    emails: &[
        "Proposition technique et financière d'intégration",
        "Plan de migration de la messagerie",
        "Conditions de licences et de support",
        "Rapport d'audit de sécurité",
    ],
    tasks: &[
        "Relancer la proposition d'infogérance",
        "Chiffrer le déploiement des postes",
        "Préparer la démonstration du portail",
        "Vérifier les échéances des licences",
    ],
    notes: &[
        "Licences arrivant à échéance en mars ; souhaite comparer avec son contrat actuel.",
        "Serveurs de 2017 sans sauvegarde externalisée : risque relevé par le DSI.",
        "L'ERP actuel n'est plus maintenu ; intégration budgétée pour l'an prochain.",
        "Intéressé par un contrat de support avec délai d'intervention garanti.",
    ],
};

/// Commercial real estate (offices, warehouses, shops).
pub static REAL_ESTATE: Trade = Trade {
    name: "Immobilier",
    deals: &[
        "Location de bureaux à la Part-Dieu",
        "Vente d'un entrepôt à Vénissieux",
        "Bail commercial d'une boutique en centre-ville",
        "Recherche de locaux d'activité",
        "Gestion locative d'un immeuble de bureaux",
        "Cession d'un plateau de bureaux",
        "Estimation d'un portefeuille immobilier",
        "Renouvellement de bail commercial",
        "Prise à bail d'une plateforme logistique",
        "Acquisition d'un local commercial",
        "Mandat de vente d'un immeuble mixte",
        "Relocalisation du siège social",
    ],
    meetings: &[
        ("Visite des bureaux", "Sur place"),
        ("Visite de l'entrepôt à vendre", "Sur place"),
        ("Rendez-vous d'estimation", "Chez le client"),
        ("Point avec le notaire", "À l'étude notariale"),
    ],
    emails: &[
        "Envoi des plans et du diagnostic de performance énergétique",
        "Sélection de locaux correspondant à la recherche",
        "Projet de bail commercial",
        "Avis de valeur du bien",
    ],
    tasks: &[
        "Relancer après la visite",
        "Organiser une contre-visite",
        "Demander les diagnostics au propriétaire",
        "Préparer l'offre d'achat",
    ],
    notes: &[
        "Recherche 400 m² de bureaux, accès au tramway indispensable.",
        "Bail actuel échu en juin ; souhaite renégocier le loyer.",
        "Entrepôt visité : intéressé, attend l'accord de sa banque.",
        "Le propriétaire baisserait le prix pour une signature avant la fin de l'année.",
    ],
};

/// Vocational training.
pub static TRAINING: Trade = Trade {
    name: "Formation professionnelle",
    deals: &[
        "Formation management des équipes",
        "Parcours bureautique Excel avancé",
        "Formation sauveteur secouriste du travail",
        "Cycle d'anglais professionnel",
        "Formation habilitation électrique",
        "Plan de développement des compétences 2026",
        "Formation à la prise de parole en public",
        "Séminaire gestion du temps et des priorités",
        "Formation CACES chariots élévateurs",
        "Accompagnement à la VAE",
        "Formation des managers à l'entretien annuel",
        "Formation sécurité incendie",
    ],
    meetings: &[
        ("Recueil des besoins de formation", "Chez le client"),
        ("Présentation du programme pédagogique", "En visioconférence"),
        ("Bilan de fin de session", "Au centre de formation"),
        ("Point sur le plan de développement des compétences", "Chez le client"),
    ],
    emails: &[
        "Envoi du programme et de la convention de formation",
        "Calendrier des sessions inter-entreprises",
        "Dossier de prise en charge OPCO",
        "Attestations de fin de formation",
    ],
    tasks: &[
        "Relancer la convention de formation",
        "Réserver la salle et le formateur",
        "Envoyer les questionnaires d'évaluation",
        "Vérifier la prise en charge OPCO",
    ],
    notes: &[
        "Douze salariés à former avant l'été ; financement OPCO demandé.",
        "Les managers de proximité ont besoin d'une formation à l'entretien annuel.",
        "Session Excel avancé très appréciée ; souhaite un second groupe.",
        "Recyclage SST obligatoire pour huit personnes en septembre.",
    ],
};

/// Wine merchant.
pub static WINE: Trade = Trade {
    name: "Négoce de vins",
    deals: &[
        "Commande vins de fête",
        "Référencement sur la carte des vins",
        "Coffrets cadeaux de fin d'année",
        "Commande de champagne pour les vœux",
        "Sélection de vins pour un séminaire",
        "Approvisionnement de la cave du restaurant",
        "Achat en primeur de bordeaux",
        "Commande de magnums pour le salon",
        "Cuvée personnalisée pour l'anniversaire de l'entreprise",
        "Réassort côtes-du-rhône et beaujolais",
        "Référencement de vins bio chez un caviste",
        "Commande de crémants d'Alsace",
    ],
    meetings: &[
        ("Dégustation des nouveaux millésimes", "Au chai"),
        ("Présentation de la sélection de Noël", "Chez le client"),
        ("Visite de la cave", "Chez le client"),
        ("Accords mets et vins avec le chef", "Au restaurant"),
    ],
    emails: &[
        "Envoi du tarif professionnel",
        "Fiches techniques des cuvées",
        "Proposition de coffrets cadeaux",
        "Confirmation de livraison des cartons",
    ],
    tasks: &[
        "Relancer la commande de fin d'année",
        "Envoyer les échantillons de vin",
        "Préparer la dégustation",
        "Confirmer les allocations en primeur",
    ],
    notes: &[
        "Cherche un champagne brut à moins de 25 € pour 300 invités.",
        "Renouvelle sa carte des vins au printemps ; privilégie les vins bio.",
        "Très satisfait du dernier millésime de saint-émilion.",
        "Souhaite 150 coffrets de trois bouteilles livrés avant le 15 décembre.",
    ],
};

/// Building and public works.
pub static CONSTRUCTION: Trade = Trade {
    name: "BTP",
    deals: &[
        "Construction d'un bâtiment d'activité",
        "Réhabilitation de la façade",
        "Extension de l'entrepôt",
        "Réfection de la toiture",
        "Aménagement de bureaux en plateau",
        "Gros œuvre d'une résidence de 24 logements",
        "Ravalement et isolation thermique par l'extérieur",
        "Dalle béton pour une aire de stockage",
        "Mise aux normes d'accessibilité PMR",
        "Démolition et désamiantage",
        "Rénovation énergétique d'un groupe scolaire",
        "Construction d'un local technique",
    ],
    meetings: &[
        ("Visite de chantier", "Sur le chantier"),
        ("Réunion de chantier hebdomadaire", "Sur le chantier"),
        ("Relevé des métrés sur site", "Sur le chantier"),
        ("Réception des travaux", "Sur le chantier"),
    ],
    emails: &[
        "Envoi du devis de gros œuvre",
        "Planning prévisionnel des travaux",
        "Réponse à l'appel d'offres",
        "Procès-verbal de réception",
    ],
    tasks: &[
        "Relancer le chiffrage de la toiture",
        "Commander l'étude de sol",
        "Préparer le mémoire technique",
        "Lever les réserves de réception",
    ],
    notes: &[
        "Appel d'offres publié, remise des plis à la fin du mois.",
        "Toiture de l'atelier à reprendre d'urgence avant l'hiver.",
        "Maître d'ouvrage attentif au bilan carbone du béton.",
        "Permis de construire obtenu ; démarrage possible en avril.",
    ],
};

/// Road transport and logistics.
pub static TRANSPORT: Trade = Trade {
    name: "Transport et logistique",
    deals: &[
        "Contrat cadre de transport régional",
        "Affrètement de semi-remorques",
        "Messagerie palettes vers l'Île-de-France",
        "Stockage et préparation de commandes",
        "Transport sous température dirigée",
        "Livraisons urbaines du dernier kilomètre",
        "Transfert d'entreprise et déménagement d'archives",
        "Navettes quotidiennes entre usines",
        "Logistique des retours e-commerce",
        "Transport de matériel de salon",
        "Export routier vers l'Espagne",
        "Location de camions avec chauffeur",
    ],
    meetings: &[
        ("Visite de la plateforme logistique", "À la plateforme logistique"),
        ("Revue des indicateurs de livraison", "Chez le client"),
        ("Présentation de l'offre de stockage", "Chez le client"),
        ("Point trafic avec l'exploitation", "En visioconférence"),
    ],
    emails: &[
        "Grille tarifaire messagerie palettes",
        "Cotation d'affrètement",
        "Cahier des charges logistique",
        "Preuves de livraison du mois",
    ],
    tasks: &[
        "Relancer la cotation du contrat cadre",
        "Organiser le transport d'essai",
        "Envoyer le rapport de qualité de service",
        "Vérifier la disponibilité des semi-remorques",
    ],
    notes: &[
        "Volume estimé : 120 palettes par semaine vers Lyon et Marseille.",
        "Mécontent des retards de son transporteur actuel.",
        "Besoin d'un entrepôt sous douane à partir de septembre.",
        "Pic d'activité en novembre : prévoir des camions supplémentaires.",
    ],
};

/// Food producer (south-west specialities).
pub static FOOD: Trade = Trade {
    name: "Agroalimentaire",
    deals: &[
        "Référencement des conserves de canard",
        "Commande de foie gras pour les fêtes",
        "Pruneaux d'Agen en marque distributeur",
        "Approvisionnement de la restauration collective",
        "Paniers gourmands pour le comité d'entreprise",
        "Gamme apéritive pour la grande distribution",
        "Confitures artisanales pour épiceries fines",
        "Plats cuisinés pour la restauration rapide",
        "Référencement du jambon de Bayonne",
        "Commande de piment d'Espelette",
        "Contrat annuel de fourniture de confits",
        "Mise en avant en tête de gondole",
    ],
    meetings: &[
        ("Dégustation des produits du terroir", "Chez le client"),
        ("Présentation de la gamme aux acheteurs", "À la centrale d'achat"),
        ("Visite de la conserverie", "À la conserverie"),
        ("Négociation annuelle avec la centrale d'achat", "À la centrale d'achat"),
    ],
    emails: &[
        "Envoi des fiches produits et allergènes",
        "Tarifs promotionnels de fin d'année",
        "Certificats IGP et analyses",
        "Proposition de paniers gourmands",
    ],
    tasks: &[
        "Relancer le référencement",
        "Envoyer les échantillons de foie gras",
        "Préparer la négociation annuelle",
        "Confirmer les quantités pour Noël",
    ],
    notes: &[
        "Centrale d'achat intéressée par une gamme bio sous marque distributeur.",
        "Demande les fiches allergènes avant toute mise en rayon.",
        "Souhaite 800 paniers gourmands livrés début décembre.",
        "Ventes de pruneaux en hausse de 15 % sur l'année.",
    ],
};

/// Management consulting.
pub static CONSULTING: Trade = Trade {
    name: "Conseil",
    deals: &[
        "Mission de conseil en stratégie",
        "Diagnostic organisationnel",
        "Accompagnement à la transformation numérique",
        "Audit des processus achats",
        "Mise en conformité RGPD",
        "Conduite du changement",
        "Plan d'optimisation des coûts",
        "Étude de marché export",
        "Accompagnement à la certification ISO 9001",
        "Assistance à maîtrise d'ouvrage",
        "Plan stratégique à cinq ans",
        "Coaching du comité de direction",
    ],
    meetings: &[
        ("Entretien de diagnostic avec la direction", "Chez le client"),
        ("Atelier de restitution", "Chez le client"),
        ("Comité de pilotage de la mission", "En visioconférence"),
        ("Séminaire de direction", "À l'hôtel du séminaire"),
    ],
    emails: &[
        "Proposition d'intervention et lettre de mission",
        "Compte rendu de l'atelier",
        "Rapport de diagnostic",
        "Planning des entretiens",
    ],
    tasks: &[
        "Relancer la lettre de mission",
        "Préparer la restitution du diagnostic",
        "Planifier les entretiens individuels",
        "Rédiger la note de cadrage",
    ],
    notes: &[
        "La direction veut réduire ses coûts de structure de 10 % d'ici deux ans.",
        "Certification ISO 9001 visée pour l'automne.",
        "Contrôle de la CNIL annoncé : la mise en conformité RGPD devient prioritaire.",
        "Fusion de deux filiales en cours ; besoin d'accompagnement au changement.",
    ],
};

/// Medical supplies distribution (pharmacies, clinics, nursing homes).
pub static HEALTH: Trade = Trade {
    name: "Santé",
    deals: &[
        "Fourniture de consommables médicaux",
        "Équipement d'une salle de soins",
        "Référencement des gants nitrile",
        "Contrat annuel de protections pour l'incontinence",
        "Renouvellement des lits médicalisés",
        "Matériel de rééducation pour kinésithérapeutes",
        "Approvisionnement en solution hydroalcoolique",
        "Équipement d'un cabinet dentaire",
        "Location de fauteuils roulants",
        "Tensiomètres et oxymètres pour officine",
        "Pansements et matériel de suture",
        "Dotation en masques chirurgicaux",
    ],
    meetings: &[
        ("Présentation de la gamme en officine", "À la pharmacie"),
        ("Démonstration des lits médicalisés", "À l'EHPAD"),
        ("Visite de l'EHPAD", "À l'EHPAD"),
        ("Réunion avec le pharmacien référent", "À la clinique"),
    ],
    emails: &[
        "Catalogue des dispositifs médicaux",
        "Certificats de conformité CE",
        "Tarifs des consommables pour l'EHPAD",
        "Conditions de location du matériel médical",
    ],
    tasks: &[
        "Relancer le référencement en officine",
        "Organiser l'essai des lits médicalisés",
        "Envoyer les échantillons de pansements",
        "Vérifier les stocks de gants",
    ],
    notes: &[
        "L'EHPAD renouvelle quinze lits médicalisés cette année.",
        "Le pharmacien souhaite élargir son rayon orthopédie.",
        "Consommation de gants nitrile en forte hausse depuis l'hiver.",
        "Appel d'offres du groupement hospitalier attendu en juin.",
    ],
};

/// Every trade, in the order of the demonstration companies.
pub static TRADES: [&Trade; 10] = [
    &INDUSTRIAL_SUPPLIES,
    &IT_SERVICES,
    &REAL_ESTATE,
    &TRAINING,
    &WINE,
    &CONSTRUCTION,
    &TRANSPORT,
    &FOOD,
    &CONSULTING,
    &HEALTH,
];

/// The trade named `name`, if any.
pub fn trade(name: &str) -> Option<&'static Trade> {
    TRADES.iter().copied().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn every_trade_has_enough_words_and_no_deal_title_is_shared() {
        let mut owner: HashMap<&str, &str> = HashMap::new();
        for t in TRADES {
            assert!(t.deals.len() >= 8, "{}: at least 8 opportunity titles", t.name);
            assert!(!t.meetings.is_empty(), "{}", t.name);
            for list in [t.emails, t.tasks, t.notes] {
                assert!(!list.is_empty(), "{}", t.name);
            }
            for d in t.deals {
                if let Some(other) = owner.insert(d, t.name) {
                    panic!("{d:?} is a title of both {other} and {}", t.name);
                }
            }
            assert_eq!(trade(t.name), Some(t));
        }
        assert_eq!(trade("Boulangerie"), None);
    }
}
