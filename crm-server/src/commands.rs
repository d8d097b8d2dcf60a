//! The subcommands of `crm` other than `serve` and `migrate`, with their arguments:
//! imports, the demonstration data, operators, tenants, users and API tokens.

use clap::Subcommand;

/// A file to import into a tenant, and how.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportFileArgs {
    /// The tenant's id.
    #[arg(long)]
    pub(crate) tenant: uuid::Uuid,
    /// What finds the contact a row updates: email, phone or external_id.
    #[arg(long, default_value = "email")]
    pub(crate) key: String,
    /// Create the rows that only look like an existing contact (a close name).
    #[arg(long)]
    pub(crate) create_possible_duplicates: bool,
    /// Writes the rows left out (or to check), each with its line and reason, to this CSV
    /// file (as French Excel opens it).
    #[arg(long)]
    pub(crate) report: Option<std::path::PathBuf>,
    /// The file.
    pub(crate) file: std::path::PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportCmd {
    /// What importing a file of contacts (CSV or XLSX) would do, row by row; nothing is
    /// written.
    Plan {
        #[command(flatten)]
        file: ImportFileArgs,
    },
    /// Imports a file of contacts (CSV or XLSX): stored, then imported as a background
    /// job this command works on until it is done, with a progress bar.
    Run {
        #[command(flatten)]
        file: ImportFileArgs,
        /// Import nothing when one row is at fault.
        #[arg(long)]
        all_or_nothing: bool,
        /// Email of the user who gets the new contacts (default: the first Admin).
        #[arg(long)]
        owner: Option<String>,
        /// The new contacts a territory covers go to its team's sales reps, in turn (the
        /// others to the owner).
        #[arg(long)]
        by_territory: bool,
    },
    /// Brings a company's full export (`crm export company`) into an empty company: the
    /// same organizations, contacts, opportunities and activities, linked as they were.
    Company {
        /// The tenant's id (a company with no record yet).
        #[arg(long)]
        tenant: uuid::Uuid,
        /// The archive (.zip).
        file: std::path::PathBuf,
    },
    /// Takes an import up again (after a crash: from its last piece written) and works on
    /// it until it is done.
    Resume {
        /// The tenant's id.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// Writes the report of the rows left out or to check to this CSV file.
        #[arg(long)]
        report: Option<std::path::PathBuf>,
        /// The import's id (printed by `crm import run`).
        job: uuid::Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SeedCmd {
    /// Loads the demonstration companies (ten, or two with `--size small`) through the application services.
    Demo {
        /// Seed of the generator (same seed, same data).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// How much: `full` (ten companies) or `small` (two, for tests).
        #[arg(long, value_enum, default_value_t = DemoSizeArg::Full)]
        size: DemoSizeArg,
    },
}

/// The sizes of the demonstration data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DemoSizeArg {
    /// Ten companies, 500 contacts each.
    Full,
    /// Two companies, 60 contacts each.
    Small,
}

impl From<DemoSizeArg> for crm_seeds::demo::DemoSize {
    fn from(a: DemoSizeArg) -> Self {
        match a {
            DemoSizeArg::Full => Self::Full,
            DemoSizeArg::Small => Self::Small,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum OperatorCmd {
    /// Creates a platform operator (password: CRM_OPERATOR_PASSWORD, standard input or prompt).
    Create {
        /// Login email.
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TenantCmd {
    /// Creates a tenant with its first Admin (password: CRM_ADMIN_PASSWORD, standard input or prompt).
    Create {
        /// Company name.
        #[arg(long)]
        name: String,
        /// The first Admin's login email.
        #[arg(long)]
        admin_email: String,
        /// The first Admin's display name.
        #[arg(long, default_value = "Administrateur")]
        admin_name: String,
    },
    /// Lists the tenants: id, name, number of users, creation date.
    List,
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCmd {
    /// Adds a user to a tenant (password: CRM_USER_PASSWORD, standard input or prompt).
    Create {
        /// Tenant id.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// Login email.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// admin, manager, sales, marketing or observer.
        #[arg(long)]
        role: String,
    },
    /// Lists a tenant's users: id, email, name, role, team.
    List {
        /// Tenant id.
        #[arg(long)]
        tenant: uuid::Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCmd {
    /// Issues a personal API token for a user; prints the secret once.
    Create {
        /// The user's login email.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Lifetime in days.
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// The company, when this email is a user in several.
        #[arg(long)]
        tenant: Option<uuid::Uuid>,
    },
}
